"""Badge codes: unguessable, one live code per registration, revoked on reissue, and
resolved only inside their own event."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.enums import BadgeRole, EventRoleKind, ScanOutcome
from conference.extensions import db
from conference.models import BadgeCode
from conference.permissions import can
from conference.services import badges
from tests.factories import registration_of as _registration


def test_a_code_is_random_and_fits_qr_alphanumeric_mode(event, attendee, speaker):
    first = badges.live_code(_registration(event, attendee))
    second = badges.live_code(_registration(event, speaker))
    assert first.token != second.token
    assert len(first.token) == 26
    assert set(first.qr_payload) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ:")
    assert str(first.registration_id) not in first.token


def test_live_code_is_stable_until_reissued(event, attendee):
    registration = _registration(event, attendee)
    code = badges.live_code(registration)
    assert badges.live_code(registration).token == code.token

    new = badges.reissue(registration)
    db.session.commit()
    assert new.token != code.token
    assert badges.resolve(event, code.qr_payload).outcome == ScanOutcome.revoked
    assert badges.resolve(event, new.qr_payload).registration.id == registration.id
    live = db.session.scalars(
        sa.select(BadgeCode).where(
            BadgeCode.registration_id == registration.id, BadgeCode.revoked_at.is_(None)
        )
    ).all()
    assert [c.token for c in live] == [new.token]


def test_the_database_refuses_two_live_codes(event, attendee):
    registration = _registration(event, attendee)
    badges.live_code(registration)
    db.session.add(BadgeCode(event_id=event.id, registration_id=registration.id))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_code_resolves_only_in_its_own_event(event, other_event, attendee, other_participant):
    mine = badges.live_code(_registration(event, attendee))
    theirs = badges.live_code(_registration(other_event, other_participant))
    db.session.commit()

    assert badges.resolve(event, mine.qr_payload).outcome == ScanOutcome.ok
    refused = badges.resolve(event, theirs.qr_payload)
    assert refused.outcome == ScanOutcome.other_event
    assert refused.registration is None


@pytest.mark.parametrize("typed", ["", "B1:", "nonsense", "B1:" + "A" * 26, "x" * 500])
def test_unknown_payloads(event, typed):
    assert badges.resolve(event, typed).outcome == ScanOutcome.unknown


def test_payload_is_read_as_typed(event, attendee):
    code = badges.live_code(_registration(event, attendee))
    db.session.commit()
    for typed in (code.token.lower(), f"  {code.qr_payload}\n", code.token):
        assert badges.resolve(event, typed).outcome == ScanOutcome.ok


def test_issue_missing_codes_keeps_existing_ones(event, attendee, speaker):
    kept = badges.live_code(_registration(event, attendee))
    ids = [_registration(event, p).id for p in (attendee, speaker)]
    codes = badges.issue_missing_codes(event, ids)
    assert codes[ids[0]].token == kept.token
    assert codes[ids[1]].event_id == event.id


@pytest.mark.parametrize(
    ("roles", "shown"),
    [
        ([], BadgeRole.attendee),
        ([EventRoleKind.speaker], BadgeRole.speaker),
        ([EventRoleKind.sponsor_staff, EventRoleKind.speaker], BadgeRole.speaker),
        ([EventRoleKind.checkin_staff], BadgeRole.staff),
        ([EventRoleKind.moderator, EventRoleKind.organizer], BadgeRole.organizer),
        ([EventRoleKind.sponsor_staff], BadgeRole.sponsor),
    ],
)
def test_badge_role(roles, shown):
    assert badges.badge_role(roles) == shown


def test_who_may_do_what_with_badges(
    event, organizer, checkin_staff, attendee, pending, sponsor_staff, other_participant
):
    registration = _registration(event, attendee)
    assert can(organizer, "badges.manage", event)
    assert not can(checkin_staff, "badges.manage", event)
    for person in (organizer, checkin_staff):
        assert can(person, "badge.print", registration)
        assert can(person, "checkin.scan", event)
    for person in (attendee, sponsor_staff, other_participant, None):
        assert not can(person, "badge.print", registration)
        assert not can(person, "checkin.scan", event)
    assert can(attendee, "badge.mine", registration)
    assert not can(sponsor_staff, "badge.mine", registration)
    assert not can(pending, "badge.mine", _registration(event, pending))
