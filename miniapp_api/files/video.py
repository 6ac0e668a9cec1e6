"""Short videos (MP4 / QuickTime) for remote inspection evidence, checked without a decoder.

No video decoder is installed on web hosts, so a video is not re-encoded as photos are. Instead its box
structure (ISO/IEC 14496-12) is walked: the top-level boxes must tile the file exactly, with `ftyp`, a
`moov` holding `mvhd` (whose timescale and duration give the length) and an `mdat`. Metadata that can
hold where and when it was filmed — `udta` and `meta` boxes inside `moov` and inside each `trak`
(Android's ©xyz location, Apple's ISO 6709 location key) — is blanked in place: each becomes a `free`
box of the same size with zeroed content, so the media offsets in `stco`/`co64` stay valid.

The walk is bounded whatever the upload holds: boxes are read one at a time from the upload's own bytes
(no list of them is kept, only the few metadata boxes to blank), containers are walked with an explicit
stack rather than recursion, and both the number of boxes and the nesting depth are capped (TooComplex).
Nothing is copied until the file has passed; the cleaned file is then built once, so the peak is about
one copy of the upload.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

HEADER = 8
CONTAINERS = (b"moov", b"trak")           # where metadata boxes are looked for and blanked
METADATA = (b"udta", b"meta")
# A phone's MP4 has a handful of top-level boxes (a fragmented one, a few hundred moof/mdat pairs for a
# minute), a few children in moov and about six in each trak: 10,000 is far above any camera and keeps a
# file of 8-byte boxes (2.6 million in 20 MB) from costing more than a moment to refuse.
MAX_BOXES = 10_000
# Walked containers nest as moov (depth 1) → trak (2); deeper nesting is no camera's and is refused, so a
# crafted chain of thousands of trak boxes never deepens anything.
MAX_DEPTH = 4
_ZEROS = memoryview(bytes(64 * 1024))     # the blanked content is written from this block, never allocated whole


class NotAVideo(ValueError):
    """The bytes are not a well-formed MP4/QuickTime file."""


class TooComplex(NotAVideo):
    """More boxes, or boxes nested deeper, than any camera writes (MAX_BOXES, MAX_DEPTH)."""


@dataclass(frozen=True)
class Box:
    kind: bytes
    start: int          # where the box's header begins
    body: int           # where its content begins
    end: int


def boxes(data: bytes | bytearray, start: int, end: int) -> Iterator[Box]:
    """The boxes that exactly tile data[start:end], one at a time; a malformed one raises NotAVideo when reached."""
    at = start
    while at < end:
        if end - at < HEADER:
            raise NotAVideo("truncated box header")
        size, kind = struct.unpack_from(">I4s", data, at)
        body = at + HEADER
        if size == 1:                                   # 64-bit size follows
            if end - at < 16:
                raise NotAVideo("truncated large size")
            size = struct.unpack_from(">Q", data, body)[0]
            body += 8
        elif size == 0:                                 # to the end of the enclosing space
            size = end - at
        if size < body - at or at + size > end:
            raise NotAVideo(f"box {kind!r} overruns its container")
        yield Box(kind, at, body, at + size)
        at += size


class _Walk:
    """Counts every box read against MAX_BOXES, across all the containers of one file."""

    def __init__(self, data: bytes):
        self.data = data
        self.seen = 0

    def children(self, start: int, end: int) -> Iterator[Box]:
        for box in boxes(self.data, start, end):
            self.seen += 1
            if self.seen > MAX_BOXES:
                raise TooComplex(f"more than {MAX_BOXES} boxes")
            yield box


def _duration_seconds(data: bytes, mvhd: Box) -> float:
    version = data[mvhd.body]
    if version == 1:
        timescale, duration = struct.unpack_from(">IQ", data, mvhd.body + 20)
    else:
        timescale, duration = struct.unpack_from(">II", data, mvhd.body + 12)
    if not timescale:
        raise NotAVideo("mvhd without a timescale")
    return duration / timescale


def _metadata_in(walk: _Walk, moov: Box) -> list[Box]:
    """The metadata boxes in moov and (at any depth up to MAX_DEPTH) its tracks, without recursion."""
    found: list[Box] = []
    pending = [(moov, 1)]
    while pending:
        container, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise TooComplex(f"containers nested deeper than {MAX_DEPTH}")
        for child in walk.children(container.body, container.end):
            if child.kind in METADATA:
                found.append(child)
            elif child.kind in CONTAINERS:
                pending.append((child, depth + 1))
    return found


def _blanked(data: bytes, blanks: list[Box]) -> bytes:
    """The file with each of `blanks` turned into a `free` box of the same size and zeroed content, built in one
    allocation from views of the original (boxes to blank never overlap: the walk does not enter them)."""
    view = memoryview(data)
    pieces: list[bytes | memoryview] = []
    at = 0
    for box in sorted(blanks, key=lambda b: b.start):
        pieces += [view[at:box.start + 4], b"free", view[box.start + 8:box.body]]
        for offset in range(box.body, box.end, len(_ZEROS)):
            pieces.append(_ZEROS[:min(len(_ZEROS), box.end - offset)])
        at = box.end
    pieces.append(view[at:])
    return b"".join(pieces)


def clean(data: bytes) -> tuple[bytes, float]:
    """(the file with its metadata blanked, its length in seconds), or NotAVideo (TooComplex past the limits)."""
    walk = _Walk(data)
    first, moov, has_media, blanks = None, None, False, []
    for box in walk.children(0, len(data)):
        first = first or box.kind
        if box.kind == b"moov":
            if moov is not None:
                raise NotAVideo("more than one moov")
            moov = box
        has_media = has_media or box.kind == b"mdat"
        if box.kind in METADATA:
            blanks.append(box)
    if first != b"ftyp" or moov is None or not has_media:
        raise NotAVideo("needs ftyp first, one moov and media data")
    mvhd = next((b for b in walk.children(moov.body, moov.end) if b.kind == b"mvhd"), None)
    if mvhd is None or mvhd.end - mvhd.body < 32:
        raise NotAVideo("moov without a movie header")
    seconds = _duration_seconds(data, mvhd)
    blanks += _metadata_in(walk, moov)
    return _blanked(data, blanks), seconds
