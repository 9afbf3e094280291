"""A small content directory whose text tries to break every output format.

Shared by the modules in tests/tricky/ (test_seo, test_feeds and test_sitemaps): the
title and summary hold quotes, an ampersand, markup, a closing </script> and non-Latin
text, so each format's escaping is checked against the same hostile strings.

tests/tricky/conftest.py makes its `app` fixture from this content, so every test in
this folder that asks for `app` or `client` gets the tricky site; make_app() builds one
with other settings or a fixed clock.
"""
from __future__ import annotations

from datetime import UTC, datetime

from PIL import Image

from app import create_app
from app.state import state
from tests.support import SITE_URL

TRICKY_TITLE = 'Ça « va » & <b>"x"</b></script>日本'
TRICKY_SUMMARY = "Résumé « court » & </script><b>'y'</b> 東京"
# Names that make listings (sections, tags, authors): markup, quotes, an ampersand and
# right-to-left text (Hebrew after a right-to-left override), each with its address.
TRICKY_SECTION = ("Monde & Société", "monde-societe")
TRICKY_TAGS = (("défense", "defense"), ("<i>x</i>", "i-x-i"),
               ('\u202eעברית "q"', "bryt-q"))
TRICKY_AUTHORS = (("Zoë Ångström", "zoe-angstrom"), ("Jean Dupont", "jean-dupont"),
                  ('O\'Brien "<b>Al</b>"', "o-brien-b-al-b"))
TRICKY_BIO = "Writes from <script>alert(1)</script> & Tokyo."
TRICKY_ALT = "Une « photo » & <b>\"z\"</b></script> 写真"

FILES = {
    # Published 2026-11-25 09:00 UTC, updated 11:30 UTC; has a picture and authors.
    "tricky.md": """---
title: 'Ça « va » & <b>"x"</b></script>日本'
published: 2026-11-25T10:00:00+01:00
updated: 2026-11-25T12:30:00+01:00
authors: ["Zoë Ångström", "Jean Dupont", "O'Brien \\"<b>Al</b>\\""]
section: "Monde & Société"
tags: ["défense", "<i>x</i>", "\u202eעברית \\"q\\""]
summary: "Résumé « court » & </script><b>'y'</b> 東京"
image: media/lead.jpg
image_alt: 'Une « photo » & <b>"z"</b></script> 写真'
---

Read the [old story](/articles/old-story) & more.
""",
    # Published 2026-11-25 23:00 UTC; no picture (a drawn share card), no authors, no section.
    "late-night.md": """---
title: Late night news
published: 2026-11-26T08:00:00+09:00
---

Something happened in Tokyo.
""",
    # A week older than the others: never in the news sitemap of those days. In the
    # tricky article's section, with one of its tags.
    "old-story.md": """---
title: An old story
published: 2026-11-18T09:00:00+00:00
authors: ["Zoë Ångström"]
section: "Monde & Société"
tags: ["<i>x</i>"]
---

Old news.
""",
}


# The first author's biography, in the content folder's authors/.
AUTHOR_FILES = {
    "zoe-angstrom.md": f"""---
name: "Zoë Ångström"
---

{TRICKY_BIO}
""",
}


def write_content(directory) -> None:
    """The tricky files as the content folder `directory` (its articles/ and authors/, and
    the picture in media/)."""
    for folder, files in (("articles", FILES), ("authors", AUTHOR_FILES)):
        (directory / folder).mkdir(exist_ok=True)
        for name, text in files.items():
            (directory / folder / name).write_text(text, encoding="utf-8")
    (directory / "media").mkdir(exist_ok=True)
    Image.new("RGB", (640, 360), (40, 90, 160)).save(directory / "media" / "lead.jpg")


def make_app(directory, now: datetime | None = None, **settings):
    """An app over the tricky content; `now` fixes the clock the news sitemap reads."""
    write_content(directory)
    app = create_app({"TESTING": True, "SITE_URL": SITE_URL, "CONTENT_DIR": str(directory),
                      "CACHE_DIR": str(directory / "cache"),
                      "SOCIAL_PROFILES": {"x": "https://x.com/smalldispatch"}, **settings})
    if now is not None:
        state(app).clock = lambda: now
    return app


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)
