from __future__ import annotations

from pydantic import BaseModel, Field

from miniapp_api.mydata import messages
from miniapp_api.mydata.models import DataExport
from miniapp_api.mydata.services import Link
from miniapp_api.platform.clock import local_iso
from miniapp_api.platform.schemas import QueryModel


class ExportFileOut(BaseModel):
    format: str = Field(description="json or pdf")
    name: str
    url: str = Field(description="signed; GET it with the bearer header until expires_at")
    size: int
    expires_at: str


class DataExportOut(BaseModel):
    id: int
    state: str = Field(description="queued, building, done, expired, cancelled or failed")
    state_name: str
    requested_at: str
    done_at: str | None
    expires_at: str | None
    counts: dict[str, int] = Field(description="rows per section")
    files: list[ExportFileOut] = Field(description="only while done")

    @classmethod
    def of(cls, export: DataExport, links: dict[str, Link]) -> DataExportOut:
        sizes = {"json": export.json_size or 0, "pdf": export.pdf_size or 0}
        return cls(id=export.id, state=export.state, state_name=messages.STATE_NAMES[export.state],
                   requested_at=local_iso(export.requested_at) or "", done_at=local_iso(export.done_at),
                   expires_at=local_iso(export.expires_at), counts=export.counts or {},
                   files=[ExportFileOut(format=fmt, name=messages.FORMAT_NAMES[fmt], url=link.url, size=sizes[fmt],
                                        expires_at=local_iso(link.expires_at) or "") for fmt, link in links.items()])


class DataExportEnvelope(BaseModel):
    export: DataExportOut


class DataExportList(BaseModel):
    exports: list[DataExportOut]


class ExportFilePath(BaseModel):
    token: str = Field(min_length=8, max_length=200, pattern=r"^[A-Za-z0-9_.-]+$")


class AccessLogQuery(QueryModel):
    page: int = Field(default=1, ge=1, le=1000)


class AccessOut(BaseModel):
    at: str = Field(description="Beijing time")
    what: str
    staff_name: str = Field(description="masked: 王**")
    role: str
    centre: str


class AccessLogOut(BaseModel):
    accesses: list[AccessOut]
    total: int
    page: int
    has_more: bool
