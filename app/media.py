"""Pictures: the files editors put in `content/media/`, checked, made into the widths and
formats browsers want, and the 1200x630 card every article is shared with.

Why it is built this way:

- A picture is a file an editor chose, so every way it can be wrong (a remote address,
  a missing, damaged or truncated file, a file that is not a picture, an animation, a
  decompression bomb) is a PictureProblem, which content.py turns into a ContentError
  with the article's file and line: the site refuses to start on it like on any other.
- What readers get is made from the pixels alone: orientation from EXIF applied,
  colours converted to sRGB from an embedded ICC profile, then a new image with no
  EXIF, GPS, XMP, ICC or comment, so a reporter's position never leaves the site.
- Each picture becomes a few widths (never wider than the original) in AVIF, WebP and
  JPEG (PNG where it has transparency), plus its share card, once per source file and
  settings: the files go to `CACHE_DIR/media/`, where every worker, the next start and
  nginx find them. The names are known before anything is encoded (a hash of the
  source file's bytes, the settings and the variant). Workers starting together share
  the work: a picture another worker is making (a lock per picture) is left for later
  and then waited for, never made twice; files are written under a temporary name,
  then renamed. A restart finds each picture's record without reading it again.
- Drawn share cards (articles without a picture) are named the same way from their
  text, but drawn on their first request only: a site of 100,000 articles has 100,000
  of them, and start-up must not wait for that. They, too, are drawn once and kept.
"""
from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import re
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import PIL
from markupsafe import Markup
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError, features

from . import files, share_cards
from .articles import Article, long_date
from .config import ConfigError

MEDIA_FOLDER = "media"  # in the content folder, and in CACHE_DIR
URL_PREFIX = "/media/"

# Pillow's own decompression-bomb guard, set to our limit: a picture with more pixels
# than this is refused before it is decoded (a 50 MP photo takes about 150 MB to hold).
MAX_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# What editors may give (the decoders Pillow may use on them, and nothing else).
INPUT_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "AVIF")
EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif")
FORMAT_NAMES = "JPEG, PNG, WebP, GIF or AVIF"

# Widths made of each picture (CSS pixels x device pixel ratio of the column, 40rem).
WIDTHS = (400, 800, 1200, 1600)
# A width closer than this to the picture's own is left out: it would weigh the same.
WIDTH_STEP = 1.2



@dataclass(frozen=True)
class Encoding:
    extension: str
    media_type: str
    options: dict  # Pillow's, for save()

    @property
    def pillow(self) -> str:
        return self.media_type.split("/")[1].upper()


# The formats made, with their settings, chosen by measurement (docs/pictures.md): AVIF
# at speed 8 is about five times faster to make than at Pillow's default 6, for about
# the same bytes.
ENCODINGS = {
    "avif": Encoding("avif", "image/avif", {"quality": 55, "speed": 8}),
    "webp": Encoding("webp", "image/webp", {"quality": 78, "method": 4}),
    "jpeg": Encoding("jpg", "image/jpeg", {"quality": 82, "optimize": True,
                                           "progressive": True}),
    "png": Encoding("png", "image/png", {"optimize": True}),
}
MEDIA_TYPES = {encoding.extension: encoding.media_type for encoding in ENCODINGS.values()}
CARD_SIZE = (1200, 630)
# Where a share card's crop sits: centred across, near the top down, where faces are.
CARD_CENTERING = (0.5, 0.1)
CARD_QUALITY = 85
# Bumped whenever the code changes what a picture is made into, so names change too.
VERSION = 1

# What /media/ serves: our own hashed names, nothing else (no path, no dot files).
FILE_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\.[0-9a-f]{16}\.(?:avif|webp|jpg|png)")


class PictureProblem(ValueError):
    """Why a picture cannot be used, in words an editor can act on."""


@dataclass(frozen=True)
class Variant:
    """One file made from a picture, served at URL_PREFIX + name."""

    name: str
    width: int
    height: int
    format: str  # a key of ENCODINGS

    @property
    def url(self) -> str:
        return URL_PREFIX + self.name

    @property
    def media_type(self) -> str:
        return ENCODINGS[self.format].media_type


@dataclass(frozen=True)
class Picture:
    """A checked picture and the files made of it; plain data, the same in every worker."""

    source: str  # as editors name it: media/<file>
    width: int  # of the widest variant, after EXIF orientation: what width= says
    height: int
    variants: tuple[Variant, ...]  # each format's widths, narrowest first
    card: Variant  # the 1200x630 crop it is shared with

    def in_format(self, format: str) -> tuple[Variant, ...]:
        return tuple(v for v in self.variants if v.format == format)

    @property
    def fallback_format(self) -> str:
        """What <img> itself gets: JPEG, or PNG for a picture with transparency."""
        return "png" if any(v.format == "png" for v in self.variants) else "jpeg"

    @property
    def files(self) -> tuple[Variant, ...]:
        return (*self.variants, self.card)


@dataclass(frozen=True)
class Figure:
    """A picture as an article shows it: what it shows, and what is said under it."""

    picture: Picture
    alt: str
    caption: str = ""
    credit: str = ""


# --- Names: known from the source's bytes and the settings, before any encoding -------

def _settings() -> str:
    """Everything besides the source's bytes that decides what the files hold."""
    libraries = {name: features.version(name) for name in ("avif", "webp", "jpg", "zlib",
                                                          "littlecms2")}
    return json.dumps({"version": VERSION, "widths": WIDTHS, "step": WIDTH_STEP,
                       "encodings": {f: e.options for f, e in ENCODINGS.items()},
                       "card": [CARD_SIZE, CARD_CENTERING, CARD_QUALITY],
                       "pillow": PIL.__version__, "libraries": libraries}, sort_keys=True)


SETTINGS = _settings()


def _digest(*parts: str | bytes, size: int = 16) -> str:
    hasher = hashlib.blake2b(digest_size=size)
    for part in parts:
        hasher.update(part.encode("utf-8") if isinstance(part, str) else part)
        hasher.update(b"\0")
    return hasher.hexdigest()


def source_key(data: bytes) -> str:
    """The cache key of a source file: its bytes and the settings."""
    return _digest(hashlib.blake2b(data, digest_size=32).digest(), SETTINGS)


def stem(source: str) -> str:
    """A readable start for the files' names: media/Été 2026.JPG -> ete-2026."""
    name = Path(source).stem.lower()
    name = "-".join(re.findall(r"[a-z0-9]+", name.encode("ascii", "ignore").decode()))
    return name[:48].strip("-") or "picture"


def widths(width: int) -> tuple[int, ...]:
    """The widths made of a picture `width` pixels wide, never wider than it."""
    top = min(width, WIDTHS[-1])
    return (*(w for w in WIDTHS if w * WIDTH_STEP <= top), top)


def plan(source: str, key: str, width: int, height: int, alpha: bool) -> Picture:
    """The Picture a source of this size becomes, with the names of every file."""
    base = stem(source)

    def variant(format: str, w: int, h: int, label: str) -> Variant:
        extension = ENCODINGS[format].extension
        return Variant(f"{base}-{label}.{_digest(key, format, label, size=8)}.{extension}",
                       w, h, format)

    fallback = "png" if alpha else "jpeg"
    variants = tuple(variant(format, w, max(1, round(height * w / width)), str(w))
                     for format in ("avif", "webp", fallback) for w in widths(width))
    top = variants[-1]
    return Picture(source=source, width=top.width, height=top.height, variants=variants,
                   card=variant("jpeg", *CARD_SIZE, "share"))


# --- Reading a picture: every problem an editor can cause, then clean pixels ----------

def _too_large(error: Exception) -> PictureProblem:
    found = re.search(r"\((\d+) pixels\)", str(error))
    size = f"{int(found.group(1)):,} pixels" if found else "too many pixels"
    return PictureProblem(f"is too large to be safe to open: {size}, more than the "
                          f"{MAX_PIXELS:,} the site takes; export a smaller picture")


def open_picture(data: bytes, largest: int | None = None) -> Image.Image:
    """The decoded picture in `data`, or the PictureProblem an editor should read.

    `largest` lets a JPEG be decoded at a reduced scale (Pillow's draft) when only
    widths up to it are wanted; every byte is still decoded, so a cut file is caught.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=INPUT_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_large(error) from None
    except UnidentifiedImageError:
        raise PictureProblem(f"is not a picture the site can read ({FORMAT_NAMES})") from None
    except Exception as error:  # noqa: BLE001 (a hostile file may break a decoder anyhow)
        raise PictureProblem(f"is damaged and cannot be read ({error})") from None
    frames = getattr(image, "n_frames", 1)
    if frames > 1:
        raise PictureProblem(f"is animated ({frames} frames); the site shows still "
                             "pictures only: export one frame")
    if largest and image.format == "JPEG":
        # Decoded at 1/2, 1/4 or 1/8 scale while both sides stay at least `largest`
        # (whichever way EXIF turns it): much faster for a camera's 24 MP.
        image.draft(None, (largest, largest))
    try:
        image.load()
    except Exception as error:  # noqa: BLE001
        raise PictureProblem(f"is damaged or cut short and cannot be read ({error})") from None
    return image


def _has_alpha(image: Image.Image) -> bool:
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        return rgba.getchannel("A").getextrema()[0] < 255
    return False


SRGB = ImageCms.createProfile("sRGB")


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """`image` in RGB or RGBA, its colours converted from its ICC profile to sRGB (what
    browsers assume for a picture with none). An unreadable profile is ignored."""
    if icc and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            mode = "RGBA" if image.mode == "RGBA" else "RGB"
            return ImageCms.profileToProfile(image, profile, SRGB, outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass
    return image


def clean(image: Image.Image) -> tuple[Image.Image, bool]:
    """Upright, sRGB pixels in RGB or RGBA, and nothing else: no EXIF, GPS, XMP, ICC
    profile or comment survives, because a new image is made from the pixels alone.
    Returns the image and whether it has transparency."""
    icc = image.info.get("icc_profile")
    image = ImageOps.exif_transpose(image)
    alpha = _has_alpha(image)
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):  # 16-bit grey
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    if image.mode == "CMYK" and icc:
        image = _to_srgb(image, icc)
        icc = None
    image = image.convert("RGBA" if alpha else "RGB")
    image = _to_srgb(image, icc)
    return Image.frombytes(image.mode, image.size, image.tobytes()), alpha


def resized(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    if image.size == size:
        return image
    if image.mode == "RGBA":  # resample colours weighted by their opacity
        return image.convert("RGBa").resize(size, Image.Resampling.LANCZOS,
                                            reducing_gap=3.0).convert("RGBA")
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def encode(image: Image.Image, format: str) -> bytes:
    out = io.BytesIO()
    encoding = ENCODINGS[format]
    image.save(out, encoding.pillow, **encoding.options)
    return out.getvalue()


def card_crop(image: Image.Image) -> bytes:
    """The 1200x630 JPEG a picture is shared with: cropped to that shape, transparency
    on white (a share card has no background to show through)."""
    if image.mode == "RGBA":
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    fitted = ImageOps.fit(image, CARD_SIZE, Image.Resampling.LANCZOS, centering=CARD_CENTERING)
    out = io.BytesIO()
    fitted.save(out, "JPEG", quality=CARD_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def make_files(picture: Picture, image: Image.Image) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every file of `picture`, from its clean image: each width is
    resampled once and encoded in every format."""
    for variant in picture.in_format("avif"):
        size = (variant.width, variant.height)
        scaled = resized(image, size)
        for same in picture.variants:
            if (same.width, same.height) == size:
                yield same.name, encode(scaled, same.format)
    yield picture.card.name, card_crop(image)


# --- The cache on disk, shared by workers and kept across restarts ----------------------

class MediaCache:
    """`CACHE_DIR/media/`: the files served at /media/, and in `.index/` one record per
    source key (`<key>.json`, written last, so a record means every file is there), the
    locks, and per source file the key it had when last read (`<name>.seen`)."""

    def __init__(self, cache_dir: str | Path, create: bool = True):
        self.folder = Path(cache_dir) / MEDIA_FOLDER
        self.index = self.folder / ".index"
        try:
            if create:
                self.index.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(f"CACHE_DIR {cache_dir} cannot be written ({error.strerror}); "
                              "the site keeps its pictures there") from None

    def read(self, name: str) -> bytes | None:
        try:
            return (self.folder / name).read_bytes()
        except OSError:
            return None

    def record(self, key: str, kind: str = "json") -> dict | None:
        try:
            return json.loads((self.index / f"{key}.{kind}").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def write(self, name: str, data: bytes) -> None:
        files.write_whole(self.folder / name, data)

    def write_record(self, key: str, record: dict, kind: str = "json") -> None:
        files.write_whole(self.index / f"{key}.{kind}",
                          json.dumps(record, sort_keys=True).encode("utf-8"))

    @contextmanager
    def lock(self, key: str, wait: bool = True) -> Iterator[bool]:
        """Hold the lock of `key` (True), or, with wait=False and another process
        holding it, do not (False). The kernel drops it if the holder dies."""
        with open(self.index / f"{key}.lock", "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def made_once(self, name: str, make: Callable[[], bytes]) -> bytes:
        """The file `name`, made by `make` if no process has made it yet."""
        data = self.read(name)
        if data is None:
            with self.lock(name):
                data = self.read(name)
                if data is None:
                    data = make()
                    self.write(name, data)
        return data


# --- Pictures as articles name them -------------------------------------------------------

class Pictures:
    """The pictures of one content folder, as articles reference them (`media/<file>`).

    With a cache and build=True (the site), every file in `media/` is made at once,
    workers sharing the work; get() then only reads records. Without build (the
    editors' `check`), a picture is checked by decoding it, unless a record says it
    was made already; nothing is written.
    """

    def __init__(self, content_dir: str | Path, cache_dir: str | Path | None = None,
                 build: bool = False):
        self.content_dir = Path(content_dir)
        self.folder = self.content_dir / MEDIA_FOLDER
        self.cache = MediaCache(cache_dir, create=build) if cache_dir is not None else None
        self.build = build and self.cache is not None
        self._found: dict[str, Picture | PictureProblem] = {}
        self.built: list[str] = []  # sources this process made (for tests and tools)
        if self.build:
            missing = [codec for codec in ("avif", "webp", "jpg") if not features.check(codec)]
            if missing:
                raise ConfigError(f"this Pillow ({PIL.__version__}) cannot write "
                                  f"{', '.join(missing)}: pip install 'pillow>=11.3'")
            self.prepare_all()

    def get(self, reference: str) -> Picture:
        """The picture `reference` names, or the PictureProblem saying why not."""
        source = self.source_of(reference)
        found = self._found.get(source)
        if found is None:
            found = self._found[source] = self._load(source)
        if isinstance(found, PictureProblem):
            raise found
        return found

    def source_of(self, reference: str) -> str:
        """`media/<file>` for a reference, checked: local, in media/, a picture's name,
        present. (The problem names the reference as the editor wrote it.)"""
        parts = urlsplit(reference)
        if parts.scheme or parts.netloc or reference.startswith("//"):
            raise PictureProblem(f"{reference} is a remote address: the site shows only its "
                                 "own pictures (its CSP allows no others); save the file in "
                                 f"the content folder's {MEDIA_FOLDER}/ and write "
                                 f"{MEDIA_FOLDER}/<file>")
        path = unquote(parts.path)
        inside = (self.content_dir / path).resolve()
        if not path.startswith(f"{MEDIA_FOLDER}/") or self.folder.resolve() not in inside.parents:
            raise PictureProblem(f"{reference} is not in the content folder's {MEDIA_FOLDER}/: "
                                 f"write {MEDIA_FOLDER}/<file>")
        if inside.suffix.lower() not in EXTENSIONS:
            raise PictureProblem(f"{path} is not named as a picture the site takes "
                                 f"({FORMAT_NAMES}: {', '.join(EXTENSIONS)})")
        if not inside.is_file():
            raise PictureProblem(f"{path} does not exist (looked for {inside})")
        return inside.relative_to(self.content_dir.resolve()).as_posix()

    def _load(self, source: str) -> Picture | PictureProblem:
        known = self._known(source)
        if known is not None:
            return _from_record(source, *known)
        try:
            seen, data = self._read(source)
        except OSError as error:
            return PictureProblem(f"{source} cannot be read: {error.strerror}")
        key = source_key(data)
        record = self.cache.record(key) if self.cache else None
        if record is None and self.build:
            with self.cache.lock(key):
                record = self.cache.record(key) or self._make(source, data, key)
        if record is None:
            record = self._inspect(data)
        self._remember(source, seen, key)
        return _from_record(source, key, record)

    def _read(self, source: str) -> tuple[list[int], bytes]:
        """A file's identity on disk (taken first: a change while it is read shows at
        the next start) and its bytes."""
        path = self.content_dir / source
        status = path.stat()
        return [status.st_ino, status.st_size, status.st_mtime_ns], path.read_bytes()

    def _seen_name(self, source: str) -> str:
        return _digest(str(self.content_dir.resolve()), source)

    def _known(self, source: str) -> tuple[str, dict] | None:
        """(key, record) of a file the cache has seen as it is now (same inode, size and
        modification time), so that a restart does not read and hash every picture."""
        if self.cache is None:
            return None
        try:
            status = (self.content_dir / source).stat()
        except OSError:
            return None
        seen = self.cache.record(self._seen_name(source), "seen")
        if not seen or seen["file"] != [status.st_ino, status.st_size, status.st_mtime_ns]:
            return None
        record = self.cache.record(seen["key"])
        return None if record is None else (seen["key"], record)

    def _remember(self, source: str, seen: list[int], key: str) -> None:
        if self.build:
            self.cache.write_record(self._seen_name(source), {"file": seen, "key": key},
                                    "seen")

    @staticmethod
    def _inspect(data: bytes) -> dict:
        try:
            image, alpha = clean(open_picture(data, largest=WIDTHS[-1]))
        except PictureProblem as problem:
            return {"error": str(problem)}
        return {"width": image.width, "height": image.height, "alpha": alpha}

    def _make(self, source: str, data: bytes, key: str) -> dict:
        """Check and make every file of one picture, then its record (the caller holds
        its lock). A picture that cannot be used gets a record saying why, so no other
        worker decodes it again."""
        began, cpu = time.monotonic(), time.process_time()
        try:
            image, alpha = clean(open_picture(data, largest=WIDTHS[-1]))
        except PictureProblem as problem:
            record = {"error": str(problem)}
        else:
            picture = plan(source, key, image.width, image.height, alpha)
            for name, body in make_files(picture, image):
                self.cache.write(name, body)
            record = {"width": image.width, "height": image.height, "alpha": alpha}
        self.built.append(source)
        self.cache.write_record(key, {**record, "built_by": os.getpid(),
                                      "seconds": round(time.monotonic() - began, 3),
                                      "cpu_seconds": round(time.process_time() - cpu, 3)})
        return record

    def media_files(self) -> list[str]:
        """Every picture file in media/ (sources, sorted)."""
        if not self.folder.is_dir():
            return []
        return sorted(path.relative_to(self.content_dir).as_posix()
                      for path in self.folder.rglob("*")
                      if path.is_file() and path.suffix.lower() in EXTENSIONS
                      and not path.name.startswith("."))

    def prepare_all(self) -> None:
        """Make every picture in media/ that no process has made yet, sharing the work:
        a picture another worker is making is left for later, then waited for."""
        later = [source for source in self.media_files() if not self._prepare(source)]
        for source in later:  # made by another worker meanwhile, or now by get()
            self._found[source] = self._load(source)

    def _prepare(self, source: str) -> bool:
        """Find or make one picture; False if another worker is making it now."""
        known = self._known(source)
        if known is None:
            try:
                seen, data = self._read(source)
            except OSError:
                return True  # get() reports it, if an article uses it
            key = source_key(data)
            record = self.cache.record(key)
            if record is None:
                with self.cache.lock(key, wait=False) as mine:
                    if not mine:
                        return False
                    record = self.cache.record(key) or self._make(source, data, key)
            self._remember(source, seen, key)
            known = key, record
        self._found[source] = _from_record(source, *known)
        return True


def _from_record(source: str, key: str, record: dict) -> Picture | PictureProblem:
    if "error" in record:
        return PictureProblem(f"{source} {record['error']}")
    return plan(source, key, record["width"], record["height"], record["alpha"])


# --- Markup: one place that writes <picture>, for templates and article bodies ----------

@dataclass(frozen=True)
class Role:
    """Where a picture is shown: how wide (`sizes`) and whether it is the page's
    first view (loaded at once, first) or further down (loaded as the reader nears)."""

    sizes: str
    eager: bool = False


# The article column: 42rem less 1rem of padding each side; the whole screen less the
# padding below that. The design can change these without touching any markup.
COLUMN = "(min-width: 42rem) 40rem, calc(100vw - 2rem)"
ROLES = {
    "lead": Role(COLUMN, eager=True),  # the article's own picture, in its header
    "body": Role(COLUMN),  # a figure in the text
    "front-lead": Role(COLUMN, eager=True),  # the front page's lead story
    "teaser": Role("(min-width: 42rem) 13rem, 40vw"),  # a small picture beside a headline
}


def _srcset(variants: tuple[Variant, ...]) -> str:
    return ", ".join(f"{v.url} {v.width}w" for v in variants)


def picture_markup(picture: Picture, alt: str, role: str = "body") -> Markup:
    """<picture> with AVIF and WebP sources and a JPEG (or PNG) <img>, in every width,
    with the real width and height, so the browser keeps the space before it loads."""
    shown = ROLES[role]
    parts = [Markup("<picture>")]
    for format in ("avif", "webp"):
        parts.append(Markup('<source type="{}" srcset="{}" sizes="{}">').format(
            ENCODINGS[format].media_type, _srcset(picture.in_format(format)), shown.sizes))
    fallback = picture.in_format(picture.fallback_format)
    middle = min(fallback, key=lambda v: abs(v.width - 800))
    loading = (Markup(' fetchpriority="high"') if shown.eager
               else Markup(' loading="lazy" decoding="async"'))
    parts.append(Markup('<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}"'
                        ).format(middle.url, _srcset(fallback), shown.sizes, picture.width,
                                 picture.height, alt) + loading + Markup(">"))
    parts.append(Markup("</picture>"))
    return Markup("").join(parts)


def figure_markup(figure: Figure, role: str = "body") -> Markup:
    """The picture in a <figure>, with its caption and credit (when there are any) as
    the <figcaption>."""
    caption = []
    if figure.caption:
        caption.append(Markup("{}").format(figure.caption))
    if figure.credit:
        caption.append(Markup('<span class="credit">Photo credit: {}</span>').format(
            figure.credit))
    figcaption = (Markup("<figcaption>{}</figcaption>").format(Markup(" ").join(caption))
                  if caption else Markup(""))
    return Markup('<figure class="figure figure-{}">{}{}</figure>').format(
        role, picture_markup(figure.picture, figure.alt, role), figcaption)


# --- Share cards --------------------------------------------------------------------------

@dataclass(frozen=True)
class ShareCard:
    """The 1200x630 image an article is shared with, and what it shows."""

    name: str
    media_type: str
    alt: str
    width: int = CARD_SIZE[0]
    height: int = CARD_SIZE[1]

    @property
    def url(self) -> str:
        return URL_PREFIX + self.name


DRAWN = re.compile(r"share-([a-z0-9]+(?:-[a-z0-9]+)*)\.[0-9a-f]{16}\.png")


def card_text(article: Article, site_name: str) -> share_cards.CardText:
    return share_cards.CardText(headline=article.title, section=article.section,
                                date=long_date(article.published), site_name=site_name)


def share_card(article: Article, site_name: str) -> ShareCard:
    """The article's lead picture cropped, or, without one, a card drawn from its
    headline, section, date and the site's name (named now, drawn when first asked)."""
    if article.image is not None:
        return ShareCard(article.image.picture.card.name, "image/jpeg", article.image.alt)
    text = card_text(article, site_name)
    name = f"share-{article.slug}.{_digest(text.key(), size=8)}.png"
    return ShareCard(name, "image/png", f"{site_name}: {article.title}")


def drawn_card_slug(name: str) -> str | None:
    """The slug in a drawn card's file name, or None for any other name."""
    found = DRAWN.fullmatch(name)
    return found.group(1) if found else None


def draw_card(cache: MediaCache, article: Article, site_name: str) -> bytes:
    """The drawn card of `article`, drawn once by whichever worker is asked first."""
    text = card_text(article, site_name)
    return cache.made_once(share_card(article, site_name).name, lambda: share_cards.draw(text))
