"""What an upload really is, judged by its bytes, and the form it is stored in.

The type comes from the content's signature (filetype reads the magic bytes), never from the name or the
multipart Content-Type a phone sends. Images are decoded and written again by Pillow: what is stored is a
fresh JPEG or PNG without EXIF (GPS position, camera, time), turned upright first so a phone photo still
stands the right way. A PDF must open in pypdf, have a page and no password, since staff must read it. A short
video (inspection evidence only) is checked box by box and has its metadata blanked (video.py).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import filetype

from miniapp_api.files import messages, video
from miniapp_api.platform.errors import DomainError

FILE_REFUSED = "file_refused"
FILE_TOO_LARGE = "file_too_large"

MB = 1024 * 1024
LIMITS = {"image": 10 * MB, "pdf": 20 * MB, "video": 20 * MB}
# Signature MIME type → our kind.
KINDS = {"image/jpeg": "image", "image/png": "image", "image/webp": "image", "application/pdf": "pdf",
         "video/mp4": "video", "video/quicktime": "video"}
# What each purpose takes: a remote inspection's evidence may be a short video of the site.
PURPOSES = {"material": ("image", "pdf"), "feedback": ("image",), "inspection": ("image", "video")}
MAX_VIDEO_SECONDS = 60
MAX_PIXELS = 40_000_000   # a decompression bomb is refused before it is decoded
LONG_SIDE = 4096          # larger photos are scaled down on re-encoding


@dataclass(frozen=True)
class Checked:
    kind: str
    content_type: str
    data: bytes
    width: int | None = None
    height: int | None = None
    pages: int | None = None
    seconds: float | None = None


def _refuse(message: str, code: str = FILE_REFUSED, status: int = 422) -> DomainError:
    return DomainError(message, code=code, status=status, fields={"file": message})


def sniff(data: bytes) -> str | None:
    guess = filetype.guess(data[:8192])
    return guess.mime if guess is not None else None


def check(data: bytes, purpose: str) -> Checked:
    """The stored form of an upload for `purpose`, or a DomainError in Chinese saying what is wrong."""
    if purpose not in PURPOSES:
        raise _refuse(messages.PURPOSE_UNKNOWN)
    if not data:
        raise _refuse(messages.EMPTY_FILE)
    kind = KINDS.get(sniff(data) or "")
    if kind is None:
        raise _refuse(messages.TYPE_NOT_ALLOWED)
    if kind not in PURPOSES[purpose]:
        raise _refuse(messages.TYPE_NOT_ALLOWED_FOR_PURPOSE.format(
            kinds="或".join(messages.KIND_NAMES[k] for k in PURPOSES[purpose])))
    if len(data) > LIMITS[kind]:
        raise _refuse(messages.TOO_LARGE.format(kind=messages.KIND_NAMES[kind], limit=LIMITS[kind] // MB,
                                                size=f"{len(data) / MB:.1f}"), code=FILE_TOO_LARGE, status=413)
    return {"image": _image, "pdf": _pdf, "video": _video}[kind](data)


def _image(data: bytes) -> Checked:
    # Pillow and pypdf are imported by their checks (~7 MB a process): most web workers never see an upload.
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as source:
                if source.width * source.height > MAX_PIXELS:
                    raise _refuse(messages.IMAGE_TOO_MANY_PIXELS)
                source.load()
                upright = ImageOps.exif_transpose(source)
                keep_png = source.format == "PNG"
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(messages.IMAGE_TOO_MANY_PIXELS) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _refuse(messages.IMAGE_UNREADABLE) from None
    upright.thumbnail((LONG_SIDE, LONG_SIDE))
    out = io.BytesIO()
    # No exif= and no pnginfo=: Pillow writes none of the source's metadata.
    if keep_png:
        upright = upright if upright.mode in ("RGB", "RGBA", "L", "LA", "P") else upright.convert("RGBA")
        upright.save(out, format="PNG")
        content_type = "image/png"
    else:
        upright = upright if upright.mode in ("RGB", "L") else upright.convert("RGB")
        upright.save(out, format="JPEG", quality=88, optimize=True)
        content_type = "image/jpeg"
    return Checked("image", content_type, out.getvalue(), width=upright.width, height=upright.height)


def _pdf(data: bytes) -> Checked:
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise _refuse(messages.PDF_ENCRYPTED)
        pages = len(reader.pages)
        if pages:
            reader.pages[0].mediabox  # noqa: B018  (reading the first page proves the page tree opens)
    except DomainError:
        raise
    except Exception:  # noqa: BLE001  (pypdf raises many kinds on broken files; each means "does not open")
        raise _refuse(messages.PDF_UNREADABLE) from None
    if not pages:
        raise _refuse(messages.PDF_EMPTY)
    return Checked("pdf", "application/pdf", data, pages=pages)


def _video(data: bytes) -> Checked:
    """A short MP4/QuickTime video: well-formed boxes, at most a minute, with its location and time metadata
    blanked (files/video.py). Stored as video/mp4 (QuickTime files are served as such, which phones play)."""
    try:
        cleaned, seconds = video.clean(data)
    except video.TooComplex:
        raise _refuse(messages.VIDEO_TOO_COMPLEX) from None
    except video.NotAVideo:
        raise _refuse(messages.VIDEO_UNREADABLE) from None
    if seconds <= 0:
        raise _refuse(messages.VIDEO_UNREADABLE)
    if seconds > MAX_VIDEO_SECONDS:
        raise _refuse(messages.VIDEO_TOO_LONG.format(limit=MAX_VIDEO_SECONDS, seconds=round(seconds)))
    return Checked("video", "video/mp4", cleaned, seconds=seconds)
