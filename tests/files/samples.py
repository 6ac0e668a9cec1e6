"""Real files built in memory: a phone photo with GPS in its EXIF, a PDF, and things pretending to be them."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pypdf
from PIL import Image

GPS_IFD = 0x8825
MAKE = 0x010F


def photo_with_gps(size: tuple[int, int] = (640, 480), colour: tuple[int, int, int] = (200, 80, 40)) -> bytes:
    """A JPEG as a phone takes it: camera make and a GPS position (聊城, 36.45 N 115.98 E) in the EXIF."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[MAKE] = "TestPhone"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (36.0, 27.0, 0.0), 3: "E", 4: (115.0, 58.0, 0.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=90)
    return out.getvalue()


def has_gps(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return bool(exif.get_ifd(GPS_IFD)) or MAKE in exif


def noisy_jpeg(target_bytes: int) -> bytes:
    """A photo of about `target_bytes` (random pixels do not compress)."""
    side = int((target_bytes / 0.6) ** 0.5 / 1.7)
    image = Image.frombytes("RGB", (side, side), Path("/dev/urandom").open("rb").read(side * side * 3))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95)
    return out.getvalue()


def pdf(pages: int = 1) -> bytes:
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def broken_pdf() -> bytes:
    """Starts like a PDF, is not one: a download cut off after its header."""
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R" + b"\x00" * 2048


def executable() -> bytes:
    """This very Python interpreter's first 64 KB: an ELF executable, whatever name it is given."""
    return Path(sys.executable).resolve().read_bytes()[:65536]
