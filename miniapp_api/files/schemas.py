from __future__ import annotations

from typing import Literal

from flask_openapi3 import FileStorage
from pydantic import BaseModel, Field

from miniapp_api.files.models import StoredFile
from miniapp_api.files.services import Link
from miniapp_api.platform.clock import local_iso
from miniapp_api.platform.schemas import Id


class UploadForm(BaseModel):
    """`wx.uploadFile({name: "file", formData: {purpose}})`: multipart with one file."""

    file: FileStorage = Field(description="the image (JPG/PNG, ≤10 MB) or PDF (≤20 MB); its type is read from "
                                          "its content, not its name")
    purpose: Literal["material", "feedback", "inspection"] = Field(
        description="material 申请材料 (image or PDF), feedback 诉求照片 (image), inspection 踏勘照片 (image)")


class FilePath(BaseModel):
    file_id: Id


class LinkPath(BaseModel):
    token: str = Field(min_length=10, max_length=300)


class FileOut(BaseModel):
    id: int
    purpose: str
    kind: Literal["image", "pdf", "video"]
    content_type: str
    size: int
    sha256: str = Field(description="hash of the stored bytes (after re-encoding): integrity and deduplication")
    width: int | None
    height: int | None
    pages: int | None
    seconds: int | None = Field(description="a video's length")
    created_at: str
    url: str = Field(description="signed link to the bytes; works until url_expires_at")
    url_expires_at: str

    @classmethod
    def of(cls, stored: StoredFile, link: Link) -> FileOut:
        return cls(id=stored.id, purpose=stored.purpose, kind=stored.kind, content_type=stored.content_type,
                   size=stored.size, sha256=stored.sha256, width=stored.width, height=stored.height,
                   pages=stored.pages, seconds=stored.seconds, created_at=local_iso(stored.created_at) or "", url=link.url,
                   url_expires_at=local_iso(link.expires_at) or "")


class FileEnvelope(BaseModel):
    file: FileOut

