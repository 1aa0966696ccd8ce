"""The organizer's data out: API tokens, webhooks and their deliveries, and the record
of every CRM export.

An API token is shown once when it is made; only its SHA-256 is kept (tokens are 256
random bits, so a fast hash is enough), with a short prefix to tell tokens apart. A
webhook's secret signs its deliveries and so is kept as it is.

Each thing that happens (a registration approved, a check-in) becomes one
``WebhookDelivery`` per webhook that wants it, written in the same transaction as the
change itself; ``(webhook_id, event_uid)`` is unique, so one happening is never
delivered twice, however often the job that sends it runs.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.enums import WebhookDeliveryStatus, WebhookEventKind
from conference.extensions import db
from conference.models.events import Event
from conference.models.people import User
from conference.models.types import UTCDateTime, enum_column, utcnow


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    #: The first characters of the token, shown in lists ("ct_3F9a…").
    prefix: Mapped[str] = mapped_column(sa.String(16))
    #: SHA-256 of the whole token, hex.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: ``ApiScope`` values the token may read.
    scopes: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Webhook(db.Model):
    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    #: An http(s) URL; its host must not be loopback or private unless the platform
    #: allows it (``WEBHOOKS_ALLOW_PRIVATE``).
    url: Mapped[str] = mapped_column(sa.String(1000))
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Signs each delivery (HMAC-SHA256 over the timestamp and the body).
    secret: Mapped[str] = mapped_column(sa.String(100))
    #: ``WebhookEventKind`` values it wants.
    kinds: Mapped[list] = mapped_column(sa.JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped[Event] = relationship()


class WebhookDelivery(db.Model):
    """One happening sent (or to be sent) to one webhook, with what became of it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("webhook_id", "event_uid"),
        sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        sa.Index("ix_webhook_deliveries_webhook", "webhook_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(sa.ForeignKey("webhooks.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    kind: Mapped[WebhookEventKind] = mapped_column(enum_column(WebhookEventKind))
    #: The happening's own id, the same for every webhook it goes to; receivers use it
    #: to recognise a replay. A replay from the log gets a new delivery with a new uid.
    event_uid: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[WebhookDeliveryStatus] = mapped_column(
        enum_column(WebhookDeliveryStatus), default=WebhookDeliveryStatus.pending
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=utcnow)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(sa.String(300), default="")
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The delivery this one replays, when an organizer sent it again from the log.
    replay_of_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("webhook_deliveries.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    webhook: Mapped[Webhook] = relationship()


class ContactExport(db.Model):
    """One CRM export of the participants who agreed to be contacted: who, when, rows."""

    __tablename__ = "contact_exports"
    __table_args__ = (sa.Index("ix_contact_exports_event", "event_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    exported_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    row_count: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    exported_by: Mapped[User | None] = relationship()
