"""Start-up with many pictures, cold (nothing made yet) and warm (all made, a restart),
beside the same articles without pictures; who made what; and what each variant weighs.

    python3 -m tools.bench.pictures                        # 1,000 pictures of 1600x1067
    python3 -m tools.bench.pictures --count 100 --size 4000x3000 --workers 2

Generates `count` articles, each with its own lead picture (a photograph-like JPEG of
`size`, every one different), in a temporary content folder (removed afterwards), then
starts gunicorn (gunicorn.conf.py, `--workers`) three times on free 127.0.0.1 ports:
on an empty CACHE_DIR (cold: every picture checked and made), again on the same
CACHE_DIR (warm: what a restart or a HUP costs), and on the same articles without their
pictures (the baseline). Start-up is until /healthz answers; it is capped by
--startup-cap. The records the workers leave (CACHE_DIR/media/.index/) say which worker
made each picture and how long it took, so the run shows that workers starting at once
share the work and make no picture twice.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw

from app import media
from tools import servers
from tools.bench import proc

FRONT = '---\ntitle: "Picture story {number}"\npublished: {published}\n{image}---\n\n{body}\n'
START = datetime(2024, 1, 1, tzinfo=UTC)
BODY = "A paragraph about the picture, long enough to be a story. " * 8


def base_photos(size: tuple[int, int], kinds: int = 8) -> list[Image.Image]:
    """A few photograph-like images (gradients, shapes, noise) that pictures start from."""
    photos = []
    for kind in range(kinds):
        image = Image.linear_gradient("L").rotate(kind * 45).resize(size).convert("RGB")
        noise = Image.effect_noise(size, 25 + kind * 3).convert("RGB")
        image = Image.blend(image, noise, 0.3)
        pen = ImageDraw.Draw(image)
        for step in range(9):
            x = size[0] * step // 9
            pen.ellipse((x, size[1] // 4, x + size[0] // 8, size[1] * 3 // 4),
                        fill=((kind * 31 + step * 27) % 256, (step * 53) % 256, 160))
        photos.append(image)
    return photos


def generate(content: Path, count: int, size: tuple[int, int], pictures: bool) -> None:
    """`count` articles in content/articles/, each with its own picture in content/media/."""
    (content / "articles").mkdir(parents=True)
    (content / "media").mkdir()
    photos = base_photos(size) if pictures else []
    for number in range(count):
        image = ""
        if pictures:
            photo = photos[number % len(photos)].copy()
            # A mark of its own, so every file has different bytes (and cache key).
            ImageDraw.Draw(photo).rectangle((number % 97 * 5, 10, number % 97 * 5 + 40, 50),
                                            fill=(number % 256, number // 256 % 256, 0))
            photo.save(content / "media" / f"photo-{number:05d}.jpg", quality=85)
            image = (f"image: media/photo-{number:05d}.jpg\n"
                     f"image_alt: Generated photograph number {number}\n")
        published = (START + timedelta(minutes=number)).isoformat()
        (content / "articles" / f"story-{number:05d}.md").write_text(
            FRONT.format(number=number, published=published, image=image, body=BODY),
            encoding="utf-8")


def start_once(content: Path, cache: Path, workers: int, cap: float) -> dict:
    """Start gunicorn on `content` with `cache`; seconds until /healthz, memory; stop.
    gunicorn's log goes to gunicorn.log beside `content`."""
    began = time.monotonic()
    server, base = servers.start_gunicorn(
        env={"FLASK_CONTENT_DIR": str(content), "FLASK_CACHE_DIR": str(cache),
             "GUNICORN_WORKERS": str(workers)}, log=content.parent / "gunicorn.log")
    try:
        servers.wait_until_up(base + "/healthz", server, cap)
        seconds = time.monotonic() - began
        rss = max(proc.rss_mib(pid) for pid in servers.worker_pids(server.pid))
    except (TimeoutError, RuntimeError) as error:
        print(f"{content}: {error}; see {content.parent / 'gunicorn.log'}")
        return {"seconds": None}
    finally:
        servers.stop(server)
    return {"seconds": seconds, "rss_mib": rss}


def who_made_what(cache: Path) -> tuple[Counter, list[float], list[float]]:
    """Pictures made per worker pid; each picture's making time and CPU time (all the
    worker's threads: the AVIF encoder uses several)."""
    makers: Counter = Counter()
    times, cpu = [], []
    for record in (cache / "media" / ".index").glob("*.json"):
        data = json.loads(record.read_text(encoding="utf-8"))
        makers[data["built_by"]] += 1
        times.append(data["seconds"])
        cpu.append(data["cpu_seconds"])
    return makers, times, cpu


def variant_table(source: Path, content: Path, cache: Path) -> list[str]:
    """Bytes of every file made of `source` (a file of `content`), by width and format;
    made into `cache` if they are not there yet."""
    picture = media.Pictures(content, cache, build=True).get(
        source.relative_to(content).as_posix())
    folder = cache / "media"
    formats = ("avif", "webp", picture.fallback_format)
    width, height = Image.open(source).size
    lines = [f"{source.name} ({width}x{height}, {source.stat().st_size:,} bytes)",
             f"{'width':>6} {'height':>6} " + " ".join(f"{f:>9}" for f in formats)]
    for variant in picture.in_format("avif"):
        sizes = [next((folder / v.name).stat().st_size for v in picture.in_format(f)
                      if v.width == variant.width) for f in formats]
        lines.append(f"{variant.width:6} {variant.height:6} "
                     + " ".join(f"{size:9,}" for size in sizes))
    lines.append(f"share card 1200x630 JPEG: {(folder / picture.card.name).stat().st_size:,}")
    return lines


def parse_size(text: str) -> tuple[int, int]:
    width, _, height = text.partition("x")
    return int(width), int(height)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--size", type=parse_size, default=(1600, 1067))
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--startup-cap", type=float, default=3600)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-pictures-"))
    try:
        began = time.monotonic()
        generate(root / "with", args.count, args.size, pictures=True)
        generate(root / "without", args.count, args.size, pictures=False)
        print(f"generated {args.count} articles and pictures of {args.size[0]}x{args.size[1]} "
              f"in {time.monotonic() - began:.0f} s", flush=True)
        print(f"load average before: {os.getloadavg()[0]:.1f}", flush=True)
        rows = [("cold: every picture made", start_once(root / "with", root / "cache",
                                                        args.workers, args.startup_cap))]
        makers, times, cpu = who_made_what(root / "cache")
        rows.append(("warm: all made (restart)", start_once(root / "with", root / "cache",
                                                            args.workers, args.startup_cap)))
        rows.append(("no pictures (baseline)", start_once(root / "without", root / "cache2",
                                                          args.workers, args.startup_cap)))
        print(f"\n{args.count} articles, {args.workers} workers, load average after: "
              f"{os.getloadavg()[0]:.1f}")
        print(f"{'start':<28} {'seconds':>8} {'RSS/worker MiB':>15}")
        for label, row in rows:
            seconds = f"{row['seconds']:.1f}" if row["seconds"] is not None else "> cap"
            print(f"{label:<28} {seconds:>8} {row.get('rss_mib', 0):15.0f}")
        print(f"\npictures made: {sum(makers.values())} (of {args.count}), by "
              f"{len(makers)} workers: {sorted(makers.values(), reverse=True)}")
        if times:
            print(f"making a picture: median {statistics.median(times):.2f} s "
                  f"(max {max(times):.2f} s) while workers share the cores; CPU time "
                  f"median {statistics.median(cpu):.2f} s, {sum(cpu):.0f} s in all")
        print()
        shipped = servers.ROOT / "content"
        for source in sorted((shipped / "media").glob("*")):
            print("\n".join(variant_table(source, shipped, root / "shipped-cache")), end="\n\n")
        print("\n".join(variant_table(root / "with" / "media" / "photo-00000.jpg",
                                     root / "with", root / "cache")))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
