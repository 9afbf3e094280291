"""requirements.lock, what deployments install: every runtime dependency of pyproject.toml
pinned inside its range, with hashes (docs/deployment.md says how to make it anew)."""
import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.support import ROOT

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def locked() -> dict[str, tuple[Version, list[str]]]:
    """name -> (pinned version, its hashes), read from requirements.lock."""
    pins: dict[str, tuple[Version, list[str]]] = {}
    current = None
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match[1])
            pins[current] = (Version(match[2]), [])
        elif line.strip().startswith("--hash=") and current is not None:
            pins[current][1].append(line.strip().removeprefix("--hash=").rstrip(" \\"))
    return pins


def runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(text) for text in project["dependencies"]]


@pytest.mark.parametrize("requirement", runtime_requirements(), ids=str)
def test_every_runtime_dependency_is_pinned_in_range(requirement):
    pins = locked()
    name = canonicalize_name(requirement.name)
    assert name in pins, f"{name} is not in requirements.lock: make the lock anew"
    version, _ = pins[name]
    assert requirement.specifier.contains(version, prereleases=True), \
        f"{name} {version} is outside {requirement.specifier}: make the lock anew"


def test_every_pinned_package_has_sha256_hashes():
    pins = locked()
    assert pins, "requirements.lock pins nothing"
    for name, (_, hashes) in pins.items():
        assert hashes, f"{name} has no hash"
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", value) for value in hashes), name


def test_gunicorn_is_no_longer_held_below_24():
    """The old cap (<24) held back security releases; the lock takes a current one."""
    (gunicorn,) = [r for r in runtime_requirements() if r.name == "gunicorn"]
    assert gunicorn.specifier.contains("27.0.1")
    assert locked()["gunicorn"][0] >= Version("27")
