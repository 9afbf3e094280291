"""The site's identity, set by editors in content/site.yml and versioned with the articles:
its name, tagline, sections menu, social profiles and contact address.

Operators' FLASK_* settings win where both set a value (a staging copy renames itself
without touching the content); see config.load. Every problem is a ContentError with
the file and line, like any other content file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from .content import ContentError, ContentErrors, FrontMatterLoader, NotUTF8, utf8_text
from .share import FOLLOW_NETWORKS

FILE_NAME = "site.yml"
EMAIL = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+")


@dataclass(frozen=True)
class MenuEntry:
    """One item of the sections menu: the section as articles name it, and its label."""

    section: str
    label: str


def identity_file(content_dir: Path) -> Path:
    return Path(content_dir) / FILE_NAME


def _lines(node: yaml.Node) -> dict[str, int]:
    """Each top-level key's line in the file (1-based), for messages."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(key.value): key.start_mark.line + 1 for key, _ in node.value}


class _Reader:
    """Checks one site.yml, collecting every problem rather than stopping at the first."""

    def __init__(self, path: Path, text: str):
        self.path = str(path)
        self.errors: list[ContentError] = []
        try:
            self.lines = _lines(yaml.compose(text, Loader=FrontMatterLoader))
            self.data = yaml.load(text, Loader=FrontMatterLoader)  # noqa: S506 (a SafeLoader)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            self.fail(f"is not valid YAML: {getattr(error, 'problem', None) or error}",
                      mark.line + 1 if mark else 1)
            self.data = {}
        if self.data is None:
            self.data = {}
        if not isinstance(self.data, dict):
            self.fail("must be a set of 'name: value' fields", 1)
            self.data = {}

    def fail(self, message: str, line: int | None) -> None:
        self.errors.append(ContentError(self.path, message, line))

    def line(self, name: str) -> int | None:
        return self.lines.get(name)

    def text(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{name} must be text", self.line(name))
            return None
        return value.strip()

    def menu(self) -> tuple[MenuEntry, ...] | None:
        value = self.data.get("menu")
        if value is None:
            return None
        entries = []
        for item in value if isinstance(value, list) else [None]:
            if isinstance(item, str) and item.strip():
                entries.append(MenuEntry(item.strip(), item.strip()))
            elif (isinstance(item, dict) and set(item) == {"section", "label"}
                  and all(isinstance(v, str) and v.strip() for v in item.values())):
                entries.append(MenuEntry(item["section"].strip(), item["label"].strip()))
            else:
                self.fail("menu must be a list of section names, or of "
                          "{section: ..., label: ...}", self.line("menu"))
                return None
        return tuple(entries)

    def social(self) -> dict[str, str] | None:
        value = self.data.get("social")
        if value is None:
            return None
        if not isinstance(value, dict):
            self.fail("social must be a set of 'network: profile URL' fields",
                      self.line("social"))
            return None
        profiles = {}
        for network, url in value.items():
            if network not in FOLLOW_NETWORKS:
                self.fail(f"social has unknown network {str(network)[:40]!r} (known: "
                          f"{', '.join(FOLLOW_NETWORKS)})", self.line("social"))
            elif not isinstance(url, str) or urlsplit(url).scheme != "https" \
                    or not urlsplit(url).netloc:
                self.fail(f"social: {network} must be an https URL", self.line("social"))
            else:
                profiles[network] = url
        return profiles


KNOWN_FIELDS = ("name", "tagline", "contact", "menu", "social")


def read(content_dir: Path) -> tuple[dict, list[ContentError]]:
    """The settings content/site.yml provides, and every problem in it. No file is fine:
    the defaults (app/config.py) stand."""
    path = identity_file(content_dir)
    if not path.exists():
        return {}, []
    try:
        reader = _Reader(path, utf8_text(path.read_bytes()))
    except OSError as error:
        return {}, [ContentError(str(path), f"cannot be read: {error.strerror}")]
    except NotUTF8 as error:
        return {}, [ContentError(str(path), "is not UTF-8 text", error.line)]
    for name in reader.data:
        if name not in KNOWN_FIELDS:
            reader.fail(f"unknown field {str(name)[:40]!r} (known: {', '.join(KNOWN_FIELDS)})",
                        reader.line(str(name)))
    contact = reader.text("contact")
    if contact is not None and not EMAIL.fullmatch(contact):
        reader.fail("contact must be an email address", reader.line("contact"))
        contact = None
    found = {"SITE_NAME": reader.text("name"), "SITE_DESCRIPTION": reader.text("tagline"),
             "CONTACT_EMAIL": contact, "SECTIONS_MENU": reader.menu(),
             "SOCIAL_PROFILES": reader.social()}
    return {key: value for key, value in found.items() if value is not None}, reader.errors


def settings(content_dir: Path) -> dict:
    """The settings content/site.yml provides, or ContentErrors naming every problem."""
    found, errors = read(content_dir)
    if errors:
        raise ContentErrors(errors)
    return found
