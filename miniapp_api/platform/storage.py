"""Where uploaded files' bytes live: a folder under the instance path by default, S3-compatible object storage
in production (FILE_STORAGE=s3).

Blobs are content-addressed (the SHA-256 of the stored bytes is the key), so two records of the same bytes
share one blob, and a blob is whole or absent: the local store writes a temporary file and renames it into
place, S3 stores an object in one PUT. A request that dies after the blob is written but before its record
commits leaves an unreferenced blob, which `unreferenced` lets the files sweep find and delete.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

TMP_DIR = "tmp"
# A temporary file older than this belongs to a write that died.
TMP_MAX_AGE_SECONDS = 3600


class BlobMissing(LookupError):
    pass


class StorageUnavailable(RuntimeError):
    """The store could not be reached or refused the write (disk full, S3 down or timing out)."""


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...
    def put_file(self, key: str, path: Path, content_type: str) -> None: ...
    def temporary_dir(self) -> Path: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...
    def modified(self, key: str) -> float: ...
    def keys(self) -> Iterator[str]: ...
    def clean_temporary(self, now_epoch: float | None = None) -> int: ...


def blob_key(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256}"


def is_blob_key(key: str) -> bool:
    """A content-addressed upload's key (`ab/abcdef…`). Other keys (a data export's files, `exports/…`; a
    report's file, `reports/…`) are kept by their own records and are not the stray-blob sweep's to judge."""
    folder, _, name = key.partition("/")
    return len(name) == 64 and folder == name[:2] and all(c in "0123456789abcdef" for c in name)


class LocalStorage:
    """Blobs as files under `root` (`ab/abcdef…`); writes land atomically through `root/tmp`."""

    def __init__(self, root: Path):
        self.root = root

    def _path(self, key: str) -> Path:
        if ".." in key or key.startswith("/"):
            raise ValueError("bad blob key")
        return self.root / key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        target = self._path(key)
        if target.exists():
            # Content-addressed: the same key is the same bytes. Touched, so the stray-blob sweep (which
            # spares young blobs) cannot take it from under a record about to commit.
            os.utime(target)
            return
        tmp_dir = self.root / TMP_DIR
        tmp_dir.mkdir(parents=True, exist_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            handle, name = tempfile.mkstemp(dir=tmp_dir)
        except OSError as exc:
            raise StorageUnavailable(str(exc)) from exc
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(name, target)
        except OSError as exc:
            Path(name).unlink(missing_ok=True)
            raise StorageUnavailable(str(exc)) from exc
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise

    def put_file(self, key: str, path: Path, content_type: str) -> None:
        """Move a finished file (written by the caller under `temporary_dir`) to `key`, replacing what was there:
        the bytes never pass through memory."""
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(path, target)
        except OSError as exc:
            raise StorageUnavailable(str(exc)) from exc

    def temporary_dir(self) -> Path:
        """Where a file about to be `put_file` is written (the same file system, so the move is a rename)."""
        folder = self.root / TMP_DIR
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise BlobMissing(key) from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def modified(self, key: str) -> float:
        try:
            return self._path(key).stat().st_mtime
        except FileNotFoundError:
            raise BlobMissing(key) from None

    def keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for folder in sorted(self.root.iterdir()):
            if folder.name == TMP_DIR or not folder.is_dir():
                continue
            for blob in sorted(folder.iterdir()):
                yield f"{folder.name}/{blob.name}"

    def clean_temporary(self, now_epoch: float | None = None) -> int:
        """Remove the leftovers of writes that died mid-way (older than an hour)."""
        now_epoch = time.time() if now_epoch is None else now_epoch
        removed = 0
        for leftover in (self.root / TMP_DIR).glob("*") if (self.root / TMP_DIR).is_dir() else ():
            if now_epoch - leftover.stat().st_mtime > TMP_MAX_AGE_SECONDS:
                leftover.unlink(missing_ok=True)
                removed += 1
        return removed


class S3Storage:
    """Blobs as objects in an S3-compatible bucket (the city's object store), each call with a timeout."""

    def __init__(self, *, bucket: str, endpoint_url: str | None, region: str | None, access_key_id: str | None,
                 secret_access_key: str | None, timeout_seconds: float, prefix: str = "files/"):
        import boto3  # noqa: PLC0415  (only a process configured for S3 loads boto3)
        from botocore.config import Config  # noqa: PLC0415
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        self.bucket, self.prefix = bucket, prefix
        self._failures = (BotoCoreError, ClientError)
        self.client = boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region, aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(connect_timeout=timeout_seconds, read_timeout=timeout_seconds,
                          retries={"max_attempts": 2, "mode": "standard"}))

    def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data, ContentType=content_type)
        except self._failures as exc:
            raise StorageUnavailable(str(exc)) from exc

    def put_file(self, key: str, path: Path, content_type: str) -> None:
        """Upload a finished file in parts (boto3 reads it in chunks), then remove the local copy."""
        try:
            self.client.upload_file(str(path), self.bucket, self.prefix + key, ExtraArgs={"ContentType": content_type})
        except self._failures as exc:
            raise StorageUnavailable(str(exc)) from exc
        finally:
            Path(path).unlink(missing_ok=True)

    def temporary_dir(self) -> Path:
        return Path(tempfile.gettempdir())

    def get(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            raise BlobMissing(key) from None
        except self._failures as exc:
            raise StorageUnavailable(str(exc)) from exc

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + key)

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.prefix + key)
            return True
        except self._failures as exc:
            if getattr(exc, "response", {}).get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise StorageUnavailable(str(exc)) from exc

    def modified(self, key: str) -> float:
        return self.client.head_object(Bucket=self.bucket, Key=self.prefix + key)["LastModified"].timestamp()

    def keys(self) -> Iterator[str]:
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
            for entry in page.get("Contents", []):
                yield entry["Key"].removeprefix(self.prefix)

    def clean_temporary(self, now_epoch: float | None = None) -> int:
        return 0  # a PUT is whole or absent: nothing temporary is left behind
