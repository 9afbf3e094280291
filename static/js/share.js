// Progressive enhancement for the share bars (one under the headline, one after the
// text): "Copy link" where the clipboard API exists, a native "Share…" where
// navigator.share exists. Without JavaScript both stay hidden and the plain share
// links do the work.
(function () {
  "use strict";
  function enhance(bar) {
    var url = bar.getAttribute("data-share-url");
    var title = bar.getAttribute("data-share-title");
    var status = bar.querySelector(".share-status");
    function say(message) { if (status) status.textContent = message; }

    // Where the system's own share sheet exists (phones), it copies links too: one
    // button rather than two keeps the row on one line on the narrowest screens.
    var canShare = typeof navigator.share === "function";
    var copyItem = bar.querySelector('[data-requires="clipboard"]');
    if (copyItem && !canShare && navigator.clipboard && window.isSecureContext) {
      copyItem.hidden = false;
      copyItem.querySelector("button").addEventListener("click", function () {
        navigator.clipboard.writeText(url).then(
          function () { say("Link copied."); },
          function () { say("Could not copy the link."); }
        );
      });
    }

    var shareItem = bar.querySelector('[data-requires="share"]');
    if (shareItem && canShare) {
      shareItem.hidden = false;
      shareItem.querySelector("button").addEventListener("click", function () {
        navigator.share({ title: title, url: url }).catch(function () {});
      });
    }
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-share-url]"), enhance);
})();
