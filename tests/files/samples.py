"""Real files built in memory: a phone photo with GPS in its EXIF, a PDF, and things pretending to be them."""

from __future__ import annotations

import io
import struct
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


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


LOCATION = b"+36.4500+115.9800/"       # where a phone says it filmed (Android's ©xyz)


def video(seconds: float = 12, *, media: bytes = b"\x00\x00\x00\x10mdat-frames" * 64, brand: bytes = b"isom",
          moov_first: bool = True) -> bytes:
    """A small MP4 as phones write one, box by box: ftyp, moov (mvhd with the length, a track and user data
    carrying the filming location), mdat. Not decodable frames — the checker reads structure, not pictures."""
    mvhd = _box(b"mvhd", struct.pack(">B3xIIII", 0, 0, 0, 1000, int(seconds * 1000)) + bytes(80))
    located = _box(b"udta", _box(b"\xa9xyz", struct.pack(">HH", len(LOCATION), 0x15c7) + LOCATION))
    trak = _box(b"trak", _box(b"tkhd", bytes(84)) + located)
    moov = _box(b"moov", mvhd + trak + located)
    ftyp = _box(b"ftyp", brand + struct.pack(">I", 0x200) + brand + b"mp41")
    mdat = _box(b"mdat", media)
    return ftyp + (moov + mdat if moov_first else mdat + moov)
