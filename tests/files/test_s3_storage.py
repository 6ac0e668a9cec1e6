"""The S3 backend through boto3 against moto's S3 server over HTTP (the city's object store is out of reach here):
the same contract as the local store: put, get, a missing blob, keys, age, delete."""

from __future__ import annotations

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import func, select

from bench.harness import free_port
from miniapp_api.files.models import StoredFile
from miniapp_api.platform.storage import BlobMissing, LocalStorage, S3Storage, StorageUnavailable, is_blob_key
from tests.files.samples import photo_with_gps
from tests.files.test_uploads import upload

CREDENTIALS = {"access_key_id": "testing-key", "secret_access_key": "testing-secret"}


@pytest.fixture(scope="module")
def s3_url():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    url = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=url, region_name="cn-north-1", aws_access_key_id="testing-key",
                 aws_secret_access_key="testing-secret").create_bucket(
        Bucket="banshi-files", CreateBucketConfiguration={"LocationConstraint": "cn-north-1"})
    yield url
    server.stop()


def test_the_s3_store_keeps_the_local_stores_contract(s3_url):
    store = S3Storage(bucket="banshi-files", endpoint_url=s3_url, region="cn-north-1", timeout_seconds=3,
                      **CREDENTIALS)
    key = "ab/" + "ab" * 32
    assert not store.exists(key)
    with pytest.raises(BlobMissing):
        store.get(key)
    store.put(key, b"\xff\xd8\xffphoto", "image/jpeg")
    assert store.exists(key) and store.get(key) == b"\xff\xd8\xffphoto"
    assert list(store.keys()) == [key]
    later = "cd/" + "cd" * 32
    store.put(later, b"%PDF-1.7", "application/pdf")
    assert store.modified(later) >= store.modified(key) > 0
    store.delete(later)
    store.delete(key)
    assert not store.exists(key) and list(store.keys()) == []


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_a_finished_file_is_moved_in_whole_and_is_no_stray_blob(s3_url, tmp_path, backend):
    """我的数据 writes its files on disk and hands them over (put_file): the bytes land under the key, replacing
    what was there, and the local copy is gone; such keys are not content-addressed blobs."""
    store = (S3Storage(bucket="banshi-files", endpoint_url=s3_url, region="cn-north-1", timeout_seconds=3,
                       **CREDENTIALS) if backend == "s3" else LocalStorage(tmp_path / "files"))
    key = "exports/7/banshi-mydata-7.json"
    for content in (b'{"first":1}', b'{"second":2}'):
        written = store.temporary_dir() / f"export-{backend}.json"
        written.write_bytes(content)
        store.put_file(key, written, "application/json")
        assert not written.exists() and store.get(key) == content
    assert not is_blob_key(key) and is_blob_key("ab/" + "ab" * 32) and not is_blob_key("ab/" + "cd" * 32)
    store.delete(key)
    assert not store.exists(key)


def test_an_unreachable_store_is_an_error_not_a_hang():
    store = S3Storage(bucket="banshi-files", endpoint_url=f"http://127.0.0.1:{free_port()}", region="cn-north-1",
                      timeout_seconds=0.5, **CREDENTIALS)
    with pytest.raises(StorageUnavailable):
        store.exists("ab/" + "cd" * 32)


def test_an_upload_while_the_store_is_out_of_reach_is_503_in_chinese_and_keeps_nothing(app, client, login,
                                                                                      db_session):
    down = S3Storage(bucket="banshi-files", endpoint_url=f"http://127.0.0.1:{free_port()}", region="cn-north-1",
                     timeout_seconds=0.5, **CREDENTIALS)
    kept, app.extensions["banshi.storage"] = app.extensions["banshi.storage"], down
    try:
        refused = upload(client, login(), photo_with_gps())
    finally:
        app.extensions["banshi.storage"] = kept
    assert refused.status_code == 503
    assert refused.get_json()["error"]["code"] == "file_storage_unavailable"
    assert "文件服务暂时不可用" in refused.get_json()["error"]["message"]
    assert db_session.scalar(select(func.count()).select_from(StoredFile)) == 0
