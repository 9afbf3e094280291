"""Share targets and social profiles, as plain links.

Share links work with JavaScript off: each is the network's own "share this URL"
endpoint with every parameter percent-encoded as a URL component. The URL shared is
the article's canonical URL, built from SITE_URL, so a proxy's Host header can never
change what readers pass on.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Link:
    network: str
    label: str  # the accessible name, e.g. "Share on Facebook"
    href: str
    icon: str   # a name from the site's icon set
    text: str = ""  # words shown beside the icon, if any


def _component(value: str) -> str:
    return quote(value, safe="")


def share_links(url: str, title: str) -> tuple[Link, ...]:
    """Links that share `url` (absolute) with `title` on each network, and by email."""
    u, t = _component(url), _component(title)
    return (
        Link("facebook", "Share on Facebook",
             f"https://www.facebook.com/sharer/sharer.php?u={u}", "facebook"),
        Link("x", "Share on X", f"https://x.com/intent/tweet?url={u}&text={t}", "twitter"),
        Link("linkedin", "Share on LinkedIn",
             f"https://www.linkedin.com/sharing/share-offsite/?url={u}", "linkedin"),
        Link("pinterest", "Share on Pinterest",
             f"https://www.pinterest.com/pin/create/button/?url={u}&description={t}",
             "pinterest"),
        Link("email", "Share by email", f"mailto:?subject={t}&body={u}", "email"),
    )


# Network -> (name shown to readers, icon). X keeps the "twitter" icon name of the set.
FOLLOW_NETWORKS = {
    "facebook": ("Facebook", "facebook"),
    "x": ("X", "twitter"),
    "instagram": ("Instagram", "instagram"),
    "linkedin": ("LinkedIn", "linkedin"),
    "youtube": ("YouTube", "youtube"),
    "pinterest": ("Pinterest", "pinterest"),
    "snapchat": ("Snapchat", "snapchat-circle"),
}


def site_feed_links(atom_url: str, rss_url: str) -> tuple[Link, ...]:
    """The site's own feeds, the first way to follow it, shown whatever else is configured."""
    return (Link("rss", "Subscribe to the RSS feed", rss_url, "rss", "RSS"),
            Link("atom", "Subscribe to the Atom feed", atom_url, "rss", "Atom"))


def follow_links(profiles: dict[str, str]) -> tuple[Link, ...]:
    """The site's profiles in a fixed order; networks without a URL are left out."""
    links = []
    for network, (name, icon) in FOLLOW_NETWORKS.items():
        url = profiles.get(network)
        if url:
            links.append(Link(network, f"Follow us on {name}", url, icon))
    return tuple(links)
