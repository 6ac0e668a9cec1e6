"""Short videos (MP4 / QuickTime) for remote inspection evidence, checked without a decoder.

No video decoder is installed on web hosts, so a video is not re-encoded as photos are. Instead its box
structure (ISO/IEC 14496-12) is walked: the top-level boxes must tile the file exactly, with `ftyp`, a
`moov` holding `mvhd` (whose timescale and duration give the length) and an `mdat`. Metadata that can
hold where and when it was filmed — `udta` and `meta` boxes inside `moov` and inside each `trak`
(Android's ©xyz location, Apple's ISO 6709 location key) — is blanked in place: each becomes a `free`
box of the same size with zeroed content, so the media offsets in `stco`/`co64` stay valid.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

HEADER = 8
CONTAINERS = (b"moov", b"trak")           # where metadata boxes are looked for and blanked
METADATA = (b"udta", b"meta")


class NotAVideo(ValueError):
    """The bytes are not a well-formed MP4/QuickTime file."""


@dataclass(frozen=True)
class Box:
    kind: bytes
    start: int          # where the box's header begins
    body: int           # where its content begins
    end: int


def boxes(data: bytes | bytearray, start: int, end: int) -> list[Box]:
    """The boxes that exactly tile data[start:end]; anything else is NotAVideo."""
    found, at = [], start
    while at < end:
        if end - at < HEADER:
            raise NotAVideo("truncated box header")
        size, kind = struct.unpack(">I4s", data[at:at + HEADER])
        body = at + HEADER
        if size == 1:                                   # 64-bit size follows
            if end - at < 16:
                raise NotAVideo("truncated large size")
            size = struct.unpack(">Q", data[body:body + 8])[0]
            body += 8
        elif size == 0:                                 # to the end of the enclosing space
            size = end - at
        if size < body - at or at + size > end:
            raise NotAVideo(f"box {kind!r} overruns its container")
        found.append(Box(kind, at, body, at + size))
        at += size
    return found


def _duration_seconds(data: bytearray, mvhd: Box) -> float:
    version = data[mvhd.body]
    if version == 1:
        timescale, duration = struct.unpack(">IQ", data[mvhd.body + 20:mvhd.body + 32])
    else:
        timescale, duration = struct.unpack(">II", data[mvhd.body + 12:mvhd.body + 20])
    if not timescale:
        raise NotAVideo("mvhd without a timescale")
    return duration / timescale


def _blank(data: bytearray, box: Box) -> None:
    """The box becomes `free` of the same size, its content zeroed."""
    data[box.start + 4:box.start + 8] = b"free"
    data[box.body:box.end] = bytes(box.end - box.body)


def _blank_metadata(data: bytearray, container: Box) -> None:
    for child in boxes(data, container.body, container.end):
        if child.kind in METADATA:
            _blank(data, child)
        elif child.kind in CONTAINERS:
            _blank_metadata(data, child)


def clean(data: bytes) -> tuple[bytes, float]:
    """(the file with its metadata blanked, its length in seconds), or NotAVideo."""
    out = bytearray(data)
    top = boxes(out, 0, len(out))
    kinds = [b.kind for b in top]
    if not kinds or kinds[0] != b"ftyp" or kinds.count(b"moov") != 1 or b"mdat" not in kinds:
        raise NotAVideo("needs ftyp first, one moov and media data")
    moov = top[kinds.index(b"moov")]
    mvhd = next((b for b in boxes(out, moov.body, moov.end) if b.kind == b"mvhd"), None)
    if mvhd is None or mvhd.end - mvhd.body < 32:
        raise NotAVideo("moov without a movie header")
    seconds = _duration_seconds(out, mvhd)
    for box in top:
        if box.kind in METADATA:
            _blank(out, box)
    _blank_metadata(out, moov)
    return bytes(out), seconds
