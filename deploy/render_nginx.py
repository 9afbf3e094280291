"""Fill in deploy/nginx.conf's @NAME@ words and print the result.

A template rather than a finished file because every deployment has its own host name,
certificate paths and ports; nginx's own $variables are left alone. An unknown or
missing word is an error, so a half-filled file never reaches nginx. A line holding
@UPSTREAM@ (the upstream's `server` line, with its settings) is repeated for each
upstream address.

    python3 deploy/render_nginx.py --server-name news.example.org \\
        --certificate /path/fullchain.pem --certificate-key /path/privkey.pem
    # several hosts behind this nginx, one upstream pool:
    python3 deploy/render_nginx.py ... --upstream 10.0.0.11:8000 --upstream 10.0.0.12:8000
"""
from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "nginx.conf"
WORD = re.compile(r"@([A-Z_]+)@")


class RenderError(ValueError):
    """A value that would make the nginx configuration wrong or unsafe."""


def _plain(name: str, value: str) -> str:
    """Refuse values that could end an nginx directive or start another."""
    if not value or re.search(r"[\s;{}#'\"$]", value):
        raise RenderError(f"{name} must be a non-empty value without spaces, quotes, "
                          f"';', '{{', '}}', '#' or '$': {value!r}")
    return value


def _port(name: str, value: int) -> str:
    if not 0 < int(value) < 65536:
        raise RenderError(f"{name} must be a port number, got {value!r}")
    return str(int(value))


def render(server_name: str, certificate: str, certificate_key: str,
           upstream: str | Sequence[str] = "127.0.0.1:8000", http_port: int = 80,
           https_port: int = 443,
           static_root: str | Path = HERE.parent / "static",
           cache_dir: str = "/var/cache/nginx/article-site", address: str = "",
           media_root: str | Path = HERE.parent / "instance" / "cache",
           template: str | None = None) -> str:
    """The configuration text; `upstream` is gunicorn's address, or the addresses of
    several hosts each running the site (one upstream pool); `address` (e.g. 127.0.0.1)
    limits where nginx listens; `media_root` is the site's CACHE_DIR, whose media/ holds
    its pictures."""
    listen = f"{_plain('address', address)}:" if address else ""
    hosts = [_plain("upstream", host)
             for host in ([upstream] if isinstance(upstream, str) else upstream)]
    if not hosts:
        raise RenderError("upstream needs at least one address")
    if len(set(hosts)) != len(hosts):  # nginx would take it, and send that host twice the share
        raise RenderError(f"upstream names an address twice: {', '.join(hosts)}")
    values = {
        "SERVER_NAME": _plain("server name", server_name),
        "CERTIFICATE": _plain("certificate", str(certificate)),
        "CERTIFICATE_KEY": _plain("certificate key", str(certificate_key)),
        "HTTP_LISTEN": listen + _port("http port", http_port),
        "HTTPS_LISTEN": listen + _port("https port", https_port),
        "HTTPS_PORT_SUFFIX": "" if int(https_port) == 443 else f":{int(https_port)}",
        "STATIC_ROOT": _plain("static root", str(Path(static_root).resolve())),
        "CACHE_DIR": _plain("cache directory", str(cache_dir)),
        "MEDIA_ROOT": _plain("media root", str(Path(media_root).resolve())),
    }
    text = TEMPLATE.read_text(encoding="utf-8") if template is None else template

    def filled(line: str, host: str | None) -> str:
        def fill(match: re.Match) -> str:
            if match.group(1) == "UPSTREAM":
                return host
            if match.group(1) not in values:
                raise RenderError(f"the template uses @{match.group(1)}@, which has no value")
            return values[match.group(1)]

        return WORD.sub(fill, line)

    return "".join(filled(line, host) for line in text.splitlines(keepends=True)
                   for host in (hosts if "@UPSTREAM@" in line else [None]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server-name", required=True)
    parser.add_argument("--certificate", required=True)
    parser.add_argument("--certificate-key", required=True)
    parser.add_argument("--upstream", action="append", default=None,
                        help="gunicorn's address (default 127.0.0.1:8000); repeat it for "
                             "several hosts, each running the site (docs/deployment.md)")
    parser.add_argument("--http-port", type=int, default=80)
    parser.add_argument("--https-port", type=int, default=443)
    parser.add_argument("--static-root", default=str(HERE.parent / "static"))
    parser.add_argument("--cache-dir", default="/var/cache/nginx/article-site")
    parser.add_argument("--address", default="", help="listen only here, e.g. 127.0.0.1")
    parser.add_argument("--media-root", default=str(HERE.parent / "instance" / "cache"),
                        help="the site's CACHE_DIR (FLASK_CACHE_DIR), whose media/ nginx serves")
    args = parser.parse_args(argv)
    args.upstream = args.upstream or ["127.0.0.1:8000"]
    try:
        print(render(**vars(args)), end="")
    except (RenderError, ValueError) as error:
        print(f"render_nginx: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
