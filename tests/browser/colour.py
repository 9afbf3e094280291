"""WCAG contrast from the colours a browser computed ("rgb(r, g, b)").

Worked out here rather than trusted to a tool, so a failing check prints the numbers.
"""
from __future__ import annotations

import re


def parse_rgb(value: str) -> tuple[float, float, float]:
    """An opaque computed colour as three channels in 0..1; translucent ones are refused,
    since their contrast depends on what is underneath."""
    match = re.fullmatch(r"rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)", value)
    if not match:
        raise ValueError(f"not a computed rgb() colour: {value!r}")
    if match.group(4) not in (None, "1"):
        raise ValueError(f"translucent colour: {value!r}")
    return tuple(int(match.group(i)) / 255 for i in (1, 2, 3))


def luminance(value: str) -> float:
    """WCAG relative luminance."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
              for c in parse_rgb(value)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio, 1 (none) to 21 (black on white)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
