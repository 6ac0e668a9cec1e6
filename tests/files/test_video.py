"""Short videos as remote-inspection evidence: checked by their box structure (no decoder on web hosts), at
most a minute, with the filming location blanked in place so the media stays playable (offsets unchanged)."""

from __future__ import annotations

import struct
import tracemalloc

import pytest

from miniapp_api.files import checks, messages, video
from miniapp_api.files.checks import MAX_VIDEO_SECONDS
from miniapp_api.platform.errors import DomainError
from tests.files import samples
from tests.files.test_uploads import frozen, stored_count, upload  # noqa: F401

MB = 1024 * 1024
ALLOWED = checks.LIMITS["video"]      # the largest video upload (files/checks.py LIMITS; the request itself is
                                      # capped by UPLOAD_MAX_BYTES in config/settings.py, 25 MB)


def nested_traks(depth: int) -> bytes:
    """A video whose moov holds a chain of `depth` trak boxes, each inside the one before."""
    chain = b""
    for _ in range(depth):
        chain = struct.pack(">I4s", 8 + len(chain), b"trak") + chain
    mvhd = struct.pack(">I4sB3xIIII", 8 + 100, b"mvhd", 0, 0, 0, 1000, 5000) + bytes(80)
    moov = struct.pack(">I4s", 8 + len(mvhd) + len(chain), b"moov") + mvhd + chain
    ftyp = samples.video()[:24]
    return ftyp + moov + struct.pack(">I4s", 16, b"mdat") + bytes(8)


def with_free_boxes(count: int) -> bytes:
    """A valid video followed by `count` empty 8-byte `free` boxes (legal filler, one header each)."""
    return samples.video() + struct.pack(">I4s", 8, b"free") * count


def check_measured(data: bytes) -> tuple[checks.Checked | DomainError, int]:
    """What checking the upload answers, and the most memory (bytes) it held at once on the way."""
    tracemalloc.start()
    try:
        outcome = checks.check(data, "inspection")
    except DomainError as refused:
        outcome = refused
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return outcome, peak


def test_a_site_video_keeps_its_pictures_and_loses_where_it_was_filmed(client, login, db_session, frozen):  # noqa: F811
    me = login()
    for original in (samples.video(seconds=12.4), samples.video(moov_first=False)):
        assert samples.LOCATION in original
        answer = upload(client, me, original, name="VID_20261123.mp4", purpose="inspection", content_type="video/mp4")
        assert answer.status_code == 201, answer.get_json()
        body = answer.get_json()["file"]
        assert (body["kind"], body["content_type"]) == ("video", "video/mp4")
        served = client.get(body["url"])
        assert served.status_code == 200 and served.mimetype == "video/mp4"
        assert samples.LOCATION not in served.data and len(served.data) == len(original)
        media = original.index(b"mdat")
        assert served.data[media:media + 200] == original[media:media + 200]    # the frames where they were
    assert body["seconds"] == 12
    assert stored_count(db_session) == 2


@pytest.mark.parametrize(("data", "purpose", "status", "message"), [
    (samples.video(seconds=MAX_VIDEO_SECONDS + 30), "inspection", 422,
     messages.VIDEO_TOO_LONG.format(limit=MAX_VIDEO_SECONDS, seconds=MAX_VIDEO_SECONDS + 30)),
    (samples.video()[:-7], "inspection", 422, messages.VIDEO_UNREADABLE),                 # cut off mid-upload
    (samples.video(seconds=0), "inspection", 422, messages.VIDEO_UNREADABLE),
    (samples.video(media=bytes(21 * 1024 * 1024)), "inspection", 413,
     messages.TOO_LARGE.format(kind=messages.KIND_NAMES["video"], limit=20, size="21.0")),
    (samples.video(), "material", 422, messages.TYPE_NOT_ALLOWED_FOR_PURPOSE.format(kinds="图片（JPG、PNG）或PDF 文件")),
    (samples.video(), "feedback", 422, messages.TYPE_NOT_ALLOWED_FOR_PURPOSE.format(kinds="图片（JPG、PNG）")),
    (nested_traks(1200), "inspection", 422, messages.VIDEO_TOO_COMPLEX),                # was a RecursionError, 500
])
def test_videos_that_are_too_long_broken_too_big_or_in_the_wrong_place_are_refused(
        client, login, db_session, frozen, data, purpose, status, message):  # noqa: F811
    answer = upload(client, login(), data, name="v.mp4", purpose=purpose, content_type="video/mp4")
    assert answer.status_code == status, answer.get_json()
    assert answer.get_json()["error"]["fields"] == {"file": message}
    assert stored_count(db_session) == 0


def test_the_box_walker_reads_64_bit_sizes_and_refuses_boxes_that_overrun():
    large = struct.pack(">I4sQ", 1, b"mdat", 16 + 4) + b"abcd"
    assert [(b.kind, b.body, b.end) for b in video.boxes(large, 0, len(large))] == [(b"mdat", 16, 20)]
    with pytest.raises(video.NotAVideo):
        list(video.boxes(struct.pack(">I4s", 400, b"moov") + bytes(10), 0, 18))
    with pytest.raises(video.NotAVideo):
        video.clean(samples.video()[8:])          # no ftyp first


def test_a_video_of_the_allowed_size_made_of_8_byte_boxes_is_refused_without_copying_it():
    filler = (ALLOWED - len(samples.video())) // 8
    data = with_free_boxes(filler)
    assert ALLOWED - 8 < len(data) <= ALLOWED and filler > 100 * video.MAX_BOXES
    refused, peak = check_measured(data)
    assert isinstance(refused, DomainError) and refused.status == 422
    assert refused.fields == {"file": messages.VIDEO_TOO_COMPLEX}
    assert peak < MB                    # before: ~33 bytes held per byte uploaded, 650 MB for this file


def test_the_box_count_and_nesting_limits_pass_what_a_camera_writes_and_refuse_one_past_them():
    """The limits are exact: a file at them is checked (its location still blanked), one past is refused."""
    top, in_moov, in_trak = 3, 4, 2         # ftyp moov mdat; mvhd (read twice) trak udta; tkhd udta
    within, peak = check_measured(with_free_boxes(video.MAX_BOXES - top - in_moov - in_trak))
    assert isinstance(within, checks.Checked) and within.seconds == 12, within
    assert samples.LOCATION not in within.data
    assert peak < 2 * len(within.data) + MB
    past, _ = check_measured(with_free_boxes(video.MAX_BOXES - top - in_moov - in_trak + 1))
    assert isinstance(past, DomainError) and past.fields == {"file": messages.VIDEO_TOO_COMPLEX}

    deepest, _ = check_measured(nested_traks(video.MAX_DEPTH - 1))      # moov is depth 1
    assert isinstance(deepest, checks.Checked) and deepest.seconds == 5
    too_deep, peak = check_measured(nested_traks(1200))
    assert isinstance(too_deep, DomainError) and too_deep.fields == {"file": messages.VIDEO_TOO_COMPLEX}
    assert peak < MB


def test_a_video_of_the_allowed_size_is_cleaned_holding_about_one_copy_of_it():
    data = samples.video(media=bytes(ALLOWED - len(samples.video(media=b""))))
    assert len(data) == ALLOWED and samples.LOCATION in data
    cleaned, peak = check_measured(data)
    assert isinstance(cleaned, checks.Checked) and len(cleaned.data) == ALLOWED
    assert samples.LOCATION not in cleaned.data
    assert peak <= ALLOWED + MB          # the cleaned copy and little else; the stated bound is 4 × ALLOWED
