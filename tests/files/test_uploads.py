"""Uploads as wx.uploadFile sends them: checked by content, images without EXIF, links that expire, and a file
readable only by its owner, a relative they authorised, and staff of the centre handling what it is attached to."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime, timedelta

import pytest
import time_machine
from PIL import Image
from sqlalchemy import func, select, update

from miniapp_api.citizens.models import Citizen
from miniapp_api.files import messages
from miniapp_api.files.models import FileAttachment, StoredFile
from miniapp_api.identity import services as identity
from miniapp_api.identity.models import RelativeAuthorisation
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.platform.models import AuditLog
from tests.factories import CentreFactory, id_number, make_staff
from tests.files import samples

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


def upload(client, headers, data: bytes, *, name: str = "photo.jpg", purpose: str = "material",
           content_type: str = "image/jpeg"):
    return client.post("/api/v1/files", headers=headers, content_type="multipart/form-data",
                       data={"purpose": purpose, "file": (io.BytesIO(data), name, content_type)})


def stored_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(StoredFile))


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_a_phone_photo_comes_back_without_its_gps_and_the_same_photo_twice_is_one_file(client, login, frozen):
    me = login()
    original = samples.photo_with_gps()
    assert samples.has_gps(original)
    first = upload(client, me, original)
    assert first.status_code == 201, first.get_json()
    body = first.get_json()["file"]
    assert body["kind"] == "image" and body["content_type"] == "image/jpeg"
    assert (body["width"], body["height"]) == (640, 480)
    served = client.get(body["url"])
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert not samples.has_gps(served.data)
    assert hashlib.sha256(served.data).hexdigest() == body["sha256"] and len(served.data) == body["size"]
    with Image.open(io.BytesIO(served.data)) as image:
        assert image.size == (640, 480)
    again = upload(client, me, original, name="IMG_0001(1).jpg")
    assert again.status_code == 201 and again.get_json()["file"]["id"] == body["id"]


def test_a_20_mb_image_a_renamed_executable_and_a_pdf_that_does_not_open_are_refused(client, login, db_session,
                                                                                       frozen):
    me = login()
    big = samples.photo_with_gps() + b"\x00" * (20 * 1024 * 1024)
    refused = upload(client, me, big)
    assert refused.status_code == 413
    error = refused.get_json()["error"]
    assert error["code"] == "file_too_large" and "不能超过 10 MB" in error["message"] and "20.0 MB" in error["message"]

    renamed = upload(client, me, samples.executable(), name="身份证正面.jpg")
    assert renamed.status_code == 422
    assert renamed.get_json()["error"]["message"] == messages.TYPE_NOT_ALLOWED
    assert renamed.get_json()["error"]["fields"] == {"file": messages.TYPE_NOT_ALLOWED}

    broken = upload(client, me, samples.broken_pdf(), name="营业执照.pdf", content_type="application/pdf")
    assert broken.status_code == 422 and broken.get_json()["error"]["message"] == messages.PDF_UNREADABLE

    not_an_image = upload(client, me, b"\x89PNG\r\n\x1a\n" + b"garbage" * 100, name="x.png")
    assert not_an_image.status_code == 422
    assert not_an_image.get_json()["error"]["message"] == messages.IMAGE_UNREADABLE
    assert stored_count(db_session) == 0


def test_a_pdf_that_opens_is_kept_as_it_is_but_feedback_takes_only_images(client, login, frozen):
    me = login()
    document = samples.pdf(pages=2)
    kept = upload(client, me, document, name="a.pdf", content_type="application/pdf")
    assert kept.status_code == 201, kept.get_json()
    assert kept.get_json()["file"]["pages"] == 2 and kept.get_json()["file"]["kind"] == "pdf"
    assert client.get(kept.get_json()["file"]["url"]).data == document
    as_photo = upload(client, me, document, name="a.pdf", purpose="feedback", content_type="application/pdf")
    assert as_photo.status_code == 422 and "图片" in as_photo.get_json()["error"]["message"]


def test_a_body_past_the_upload_limit_is_refused_before_it_is_read(client, login, app, frozen):
    me = login()
    limit = app.config["BANSHI_SETTINGS"].upload_max_bytes
    huge = upload(client, me, b"\xff\xd8\xff" + b"\x00" * limit)
    assert huge.status_code == 413 and huge.get_json()["error"]["code"] == "payload_too_large"
    # Every other route keeps the small limit.
    other = client.patch("/api/v1/me", headers=me, data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                         content_type="application/json")
    assert other.status_code == 413


def test_another_citizens_file_is_not_found_and_a_relative_with_the_view_scope_may_read_it(
        client, login, verified_login, db_session, cipher, frozen):
    grandma_number = id_number(8101)
    grandma = verified_login("王秀英", grandma_number, openid="o-files-grandma")
    photo = upload(client, grandma, samples.photo_with_gps()).get_json()["file"]
    stranger = login()
    assert client.get(f"/api/v1/files/{photo['id']}", headers=stranger).status_code == 404
    assert client.get(f"/api/v1/files/{photo['id'] + 999}", headers=grandma).status_code == 404

    son_headers = verified_login("周强", id_number(8102), openid="o-files-son")
    son = db_session.scalars(select(Citizen).where(Citizen.openid == "o-files-son")).one()
    grandma_row = db_session.scalars(select(Citizen).where(Citizen.openid == "o-files-grandma")).one()
    assert client.get(f"/api/v1/files/{photo['id']}", headers=son_headers).status_code == 404
    invitation = identity.invite_relative(db_session, cipher, son, name="王秀英", id_number=grandma_number,
                                          relation="父母", scopes=["book"], valid_days=30, now=NOW)
    identity.accept_invitation(db_session, grandma_row, code=invitation.code, now=NOW)
    db_session.commit()
    assert client.get(f"/api/v1/files/{photo['id']}", headers=son_headers).status_code == 404   # book only
    authorisation = invitation.authorisation
    db_session.execute(update(RelativeAuthorisation).where(RelativeAuthorisation.id == authorisation.id)
                       .values(scopes=["book", "view"]))
    db_session.commit()
    shown = client.get(f"/api/v1/files/{photo['id']}", headers=son_headers)
    assert shown.status_code == 200 and shown.get_json()["file"]["sha256"] == photo["sha256"]
    identity.revoke(db_session, grandma_row, authorisation.id, NOW)
    db_session.commit()
    assert client.get(f"/api/v1/files/{photo['id']}", headers=son_headers).status_code == 404


def test_a_signed_link_expires_and_a_forged_one_is_not_found(client, login, app, frozen):
    me = login()
    photo = upload(client, me, samples.photo_with_gps()).get_json()["file"]
    assert client.get(photo["url"]).status_code == 200
    token = photo["url"].removeprefix("/files/")
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.get(f"/files/{forged}").status_code == 404
    frozen.shift(timedelta(seconds=app.config["FILE_LINK_SECONDS"] + 1))
    expired = client.get(photo["url"])
    assert expired.status_code == 403 and expired.get_json()["error"]["message"] == messages.LINK_EXPIRED
    fresh = client.get(f"/api/v1/files/{photo['id']}", headers=me).get_json()["file"]
    assert client.get(fresh["url"]).status_code == 200


def test_feedback_photos_are_the_citizens_own_images_and_staff_of_its_centre_read_them(
        client, login, db_session, staff_login, frozen):
    home, other = CentreFactory(), CentreFactory()
    handler, outsider = make_staff(db_session, [home], ("feedback_handler",)), make_staff(db_session, [other],
                                                                                            ("feedback_handler",))
    db_session.commit()
    me, someone = login(), login()
    mine = upload(client, me, samples.photo_with_gps(), purpose="feedback").get_json()["file"]
    theirs = upload(client, someone, samples.photo_with_gps(colour=(0, 0, 255)), purpose="feedback").get_json()["file"]
    complaint = {"kind": "complaint", "text": "叫号屏坏了一上午，没人处理。", "centre_id": home.id}
    refused = client.post("/api/v1/feedback", headers=me, json={**complaint, "photos": [mine["id"], theirs["id"]]})
    assert refused.status_code == 422
    assert list(refused.get_json()["error"]["fields"]) == ["photos[1]"]
    filed = client.post("/api/v1/feedback", headers=me, json={**complaint, "photos": [mine["id"]]})
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["photos"] == [mine["id"]]
    assert db_session.scalar(select(func.count()).select_from(FileAttachment)) == 1

    seen = client.get(f"/api/staff/v1/files/{mine['id']}", headers=staff_login(handler))
    assert seen.status_code == 200 and client.get(seen.get_json()["file"]["url"]).status_code == 200
    assert db_session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "file.view")) == 1
    assert client.get(f"/api/staff/v1/files/{mine['id']}", headers=staff_login(outsider)).status_code == 404
    assert client.get(f"/api/staff/v1/files/{theirs['id']}", headers=staff_login(handler)).status_code == 404
