"""Sponsors of an event: packages and their entitlements, sponsors, their staff and
seats, and the organizer's overview.

Entitlements are read from the sponsor's package at the moment of each action (see
``conference.permissions`` for the rules that depend on them), so a changed package
takes effect at once.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from conference.extensions import db
from conference.models import Event, Sponsor, SponsorPackage


def sponsor_in(event: Event, sponsor_id: int | None) -> Sponsor | None:
    """The sponsor ``sponsor_id`` of ``event``; None for another event's or none."""
    if sponsor_id is None:
        return None
    return db.session.scalar(
        sa.select(Sponsor).where(Sponsor.event_id == event.id, Sponsor.id == sponsor_id)
    )


def packages_of(event: Event) -> list[SponsorPackage]:
    """The event's packages in tier order."""
    return list(
        db.session.scalars(
            sa.select(SponsorPackage)
            .where(SponsorPackage.event_id == event.id)
            .order_by(SponsorPackage.position, SponsorPackage.id)
        )
    )


def sponsors_by_tier(event: Event) -> list[tuple[SponsorPackage, list[Sponsor]]]:
    """The event's sponsors grouped by package, tiers in order and names sorted within;
    packages nobody bought are left out."""
    sponsors = db.session.scalars(
        sa.select(Sponsor)
        .where(Sponsor.event_id == event.id)
        .options(selectinload(Sponsor.package))
        .order_by(Sponsor.name)
    ).all()
    groups: dict[int, list[Sponsor]] = {}
    for sponsor in sponsors:
        groups.setdefault(sponsor.package_id, []).append(sponsor)
    return [(package, groups[package.id]) for package in packages_of(event) if package.id in groups]
