"""What happens to files nobody uses, and to the files of an erased account."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from sqlalchemy import select

from miniapp_api.accounts import services as accounts
from miniapp_api.files import services as files
from miniapp_api.files.models import StoredFile
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.platform.storage import LocalStorage, blob_key
from miniapp_api.reports.services import XLSX
from tests.factories import CentreFactory, citizen_with_identity
from tests.files import samples

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


def test_an_upload_nobody_used_goes_after_a_week_and_one_in_use_stays(app, db_session):
    storage = app.extensions["banshi.storage"]
    citizen = citizen_with_identity(db_session, app.extensions["banshi.cipher"], 9301)
    centre = CentreFactory()
    used = files.store(db_session, storage, citizen, samples.photo_with_gps(colour=(1, 2, 3)), "feedback", NOW)
    unused = files.store(db_session, storage, citizen, samples.photo_with_gps(colour=(9, 9, 9)), "material", NOW)
    files.attach(db_session, citizen.id, [used.id], subject=("feedback", 1), centre_id=centre.id, field="photos",
                 now=NOW)
    assert files.drop_unused(db_session, NOW + timedelta(days=6)) == []
    gone = files.drop_unused(db_session, NOW + timedelta(days=8))
    assert gone == [unused.sha256]
    assert files.drop_blobs(db_session, storage, gone) == 1
    assert not storage.exists(blob_key(unused.sha256)) and storage.exists(blob_key(used.sha256))
    assert db_session.scalars(select(StoredFile.id)).all() == [used.id]


def test_a_blob_shared_with_another_record_outlives_one_of_them(app, db_session):
    storage, cipher = app.extensions["banshi.storage"], app.extensions["banshi.cipher"]
    photo = samples.photo_with_gps(colour=(5, 6, 7))
    one, two = citizen_with_identity(db_session, cipher, 9302), citizen_with_identity(db_session, cipher, 9303)
    first, second = (files.store(db_session, storage, c, photo, "material", NOW) for c in (one, two))
    assert first.id != second.id and first.sha256 == second.sha256
    dropped = files.drop_citizen_files(db_session, one.id)
    assert files.drop_blobs(db_session, storage, dropped) == 0   # the other still uses the bytes
    assert storage.exists(blob_key(first.sha256))


def test_erasing_an_account_deletes_its_files_and_queues_their_blobs(app, db_session, redis_client):
    storage, cipher = app.extensions["banshi.storage"], app.extensions["banshi.cipher"]
    citizen = citizen_with_identity(db_session, cipher, 9304)
    stored = files.store(db_session, storage, citizen, samples.photo_with_gps(colour=(3, 3, 3)), "material", NOW)
    accounts.request_deletion(db_session, citizen, NOW, grace=timedelta(minutes=60))
    assert accounts.erase(db_session, cipher, citizen.id, NOW + timedelta(minutes=61))
    db_session.commit()
    assert db_session.get(StoredFile, stored.id) is None
    queued = redis_client.lrange("rq:queue:default", 0, -1)
    assert f"drop-blobs-citizen-{citizen.id}".encode() in queued


def test_the_stray_blob_sweep_leaves_a_reports_file_alone(db_session, tmp_path):
    """A report's file (`reports/<id>.xlsx`) has no upload record: it is its export's, and its own sweep removes it."""
    storage = LocalStorage(tmp_path)
    stray = "ab" + "c" * 62
    storage.put(blob_key(stray), b"left by a request that died", "image/jpeg")
    storage.put("reports/7.xlsx", b"PK report", XLSX)
    dropped = files.drop_stray_blobs(db_session, storage, time.time() + 7200)
    assert dropped == 1
    assert not storage.exists(blob_key(stray)) and storage.exists("reports/7.xlsx")
