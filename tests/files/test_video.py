"""Short videos as remote-inspection evidence: checked by their box structure (no decoder on web hosts), at
most a minute, with the filming location blanked in place so the media stays playable (offsets unchanged)."""

from __future__ import annotations

import struct

import pytest

from miniapp_api.files import messages, video
from miniapp_api.files.checks import MAX_VIDEO_SECONDS
from tests.files import samples
from tests.files.test_uploads import frozen, stored_count, upload  # noqa: F401


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
        video.boxes(struct.pack(">I4s", 400, b"moov") + bytes(10), 0, 18)
    with pytest.raises(video.NotAVideo):
        video.clean(samples.video()[8:])          # no ftyp first
