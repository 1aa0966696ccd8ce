"""A person's exports of everything the platform holds about them."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from conference.enums import DataExportStatus
from conference.extensions import db
from conference.models.types import UTCDateTime, enum_column, utcnow


def new_download_token() -> str:
    return secrets.token_urlsafe(32)


class DataExport(db.Model):
    """A ZIP of one person's data, built by a job, downloadable until ``expires_at``."""

    __tablename__ = "data_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The secret part of the download link (which also needs the owner's login).
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_download_token)
    status: Mapped[DataExportStatus] = mapped_column(
        enum_column(DataExportStatus), default=DataExportStatus.queued
    )
    #: The ZIP's name under ``INSTANCE_PATH/exports``; None until built.
    filename: Mapped[str | None] = mapped_column(sa.String(120))
    size: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
