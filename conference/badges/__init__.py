"""Badge documents: print-ready PDFs of badges with QR codes, rendered by WeasyPrint.

This package knows nothing of the database or of requests: it turns ``BadgeData``
(everything one badge shows, already loaded and translated) into PDF pages, so it
runs the same in a request, a background job, a worker process and the benchmark.
``conference.services.badges`` loads the data and records what was printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conference.enums import BadgeLayout, BadgeRole


@dataclass(frozen=True)
class DesignSpec:
    """How a badge looks (from a ``BadgeDesign``, with the event's logo)."""

    layout: BadgeLayout = BadgeLayout.a6
    #: Band colour per role value ("speaker" -> "#c2410c"), complete for every role.
    colors: dict[str, str] = field(default_factory=dict)
    show_logo: bool = True
    show_company: bool = True
    show_job_title: bool = True
    show_ribbon: bool = True
    show_qr: bool = True
    #: The event logo as PNG bytes (re-encoded by Pillow on upload), or None.
    logo_png: bytes | None = None


@dataclass(frozen=True)
class BadgeData:
    """Everything one badge shows."""

    name: str
    company: str
    job_title: str
    role: BadgeRole
    #: The ribbon's text in the event's language ("SPEAKER"); empty for none.
    ribbon: str
    ticket_type: str
    event_name: str
    #: What the QR code encodes (``BadgeCode.qr_payload``); None for no QR code.
    qr_payload: str | None
    design: DesignSpec
    #: The registration it belongs to (for print records and warnings); None in samples.
    registration_id: int | None = None
    #: The logo of the sponsor whose staff the person is (PNG), when the sponsor's
    #: package puts it on badges; ``company`` is then the sponsor's name.
    sponsor_logo_png: bytes | None = None


@dataclass(frozen=True)
class FitWarning:
    """A field that did not fit its box even at the smallest size and was wrapped."""

    registration_id: int | None
    name: str
    field: str
