"""Pictures made by Pillow for the tests, each one way an editor's file can be: a phone's
portrait with its orientation in EXIF and a GPS position, a decompression bomb, a CMYK
JPEG, a palette PNG with transparency, an animated GIF, a truncated file, a text file
named .jpg. Shared by tests/test_media.py and the browser tests.
"""
from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from PIL import Image, ImageCms, ImageDraw

RED = (220, 30, 30)
# Somewhere in Paris, as a phone writes it: what must never leave the site.
GPS = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
       b'02/22-rdf-syntax-ns#"><rdf:Description xmlns:photoshop="http://ns.adobe.com/'
       b'photoshop/1.0/" photoshop:City="Paris"/></rdf:RDF></x:xmpmeta>')
COMMENT = b"taken by a reporter at a secret place"
ORIENTATION = 274  # EXIF's tag
GPS_IFD = 0x8825


def photo(width: int, height: int, seed: int = 0) -> Image.Image:
    """Something like a photograph (gradients, edges, noise), its top band red."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.effect_noise((width, height), 30 + seed % 7).convert("RGB")
    image = Image.blend(image, noise, 0.35)
    pen = ImageDraw.Draw(image)
    for step in range(6):
        box = (width * step // 7, height // 3, width * step // 7 + width // 9, height * 2 // 3)
        pen.ellipse(box, fill=((seed * 40 + step * 30) % 255, 120, 200 - step * 20))
    pen.rectangle((0, 0, width, height // 10), fill=RED)
    return image


def phone_portrait(path: Path, shown: tuple[int, int] = (900, 1200)) -> Path:
    """A JPEG stored on its side with EXIF orientation 6 (shown as `shown`: a portrait
    whose top band is red), a GPS position, XMP, a comment and an ICC profile."""
    upright = photo(*shown)
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # orientation 6 turns it back
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif.get_ifd(GPS_IFD).update(GPS)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    stored.save(path, "JPEG", quality=90, exif=exif.tobytes(), xmp=XMP, comment=COMMENT,
                icc_profile=icc)
    return path


def bomb(path: Path, side: int = 100_000) -> Path:
    """A PNG that says it is side x side pixels (10 gigapixels): only its header."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
    return path


def cmyk_jpeg(path: Path, size: tuple[int, int] = (500, 400)) -> Path:
    """A printer's JPEG: CMYK, all of it red (no cyan, full magenta and yellow)."""
    Image.new("CMYK", size, (0, 255, 255, 0)).save(path, "JPEG", quality=90)
    return path


def palette_png(path: Path, size: tuple[int, int] = (600, 300)) -> Path:
    """A palette PNG whose left half is transparent and right half red."""
    image = Image.new("P", size, 0)
    image.putpalette([255, 255, 255, *RED] + [0] * (256 - 2) * 3)
    ImageDraw.Draw(image).rectangle((size[0] // 2, 0, size[0], size[1]), fill=1)
    image.save(path, "PNG", transparency=0)
    return path


def animated_gif(path: Path, frames: int = 3) -> Path:
    images = [Image.new("RGB", (120, 80), (60 * n, 200 - 50 * n, 90)) for n in range(frames)]
    images[0].save(path, "GIF", save_all=True, append_images=images[1:], duration=100,
                   loop=0)
    return path


def truncated_jpeg(path: Path) -> Path:
    """A real JPEG cut short halfway, as a failed upload leaves it."""
    out = io.BytesIO()
    photo(800, 600).save(out, "JPEG", quality=90)
    path.write_bytes(out.getvalue()[: len(out.getvalue()) // 2])
    return path


def text_named_jpg(path: Path) -> Path:
    path.write_text("This is the caption, not the picture.\n", encoding="utf-8")
    return path


def jpeg(path: Path, size: tuple[int, int] = (1600, 1000), seed: int = 0) -> Path:
    photo(*size, seed=seed).save(path, "JPEG", quality=88)
    return path
