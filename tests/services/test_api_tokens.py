"""API tokens: made once and kept hashed, scoped, revocable; the API's paged reads."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from conference.extensions import db
from conference.models import CheckIn, SessionAttendance
from conference.models.types import utcnow
from conference.services import ServiceError
from conference.services import api_tokens as service
from tests import factories
from tests import program_helpers as ph


def test_create_token_keeps_only_hash_and_prefix(event, organizer):
    token, raw = service.create_token(organizer, event, " CRM sync ", ["registrations", "events"])
    db.session.commit()
    assert raw.startswith("ct_")
    assert len(raw) == 46
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:10]
    assert token.name == "CRM sync"
    assert token.scopes == ["events", "registrations"]
    assert raw not in {token.name, token.prefix, token.token_hash}


def test_create_token_two_tokens_differ(event, organizer):
    _first, one = service.create_token(organizer, event, "A", ["events"])
    _second, two = service.create_token(organizer, event, "B", ["events"])
    assert one != two


@pytest.mark.parametrize(
    ("name", "scopes", "field"),
    [
        ("", ["events"], "name"),
        ("x" * 121, ["events"], "name"),
        ("CRM", [], "scopes"),
        ("CRM", ["events", "webhooks"], "scopes"),
    ],
)
def test_create_token_refuses_bad_input(event, organizer, name, scopes, field):
    with pytest.raises(ServiceError) as caught:
        service.create_token(organizer, event, name, scopes)
    assert caught.value.field == field


def test_create_token_refuses_non_organizer(event, attendee):
    with pytest.raises(ServiceError) as caught:
        service.create_token(attendee, event, "Mine", ["events"])
    assert caught.value.code == "forbidden"


def test_authenticate_finds_live_token_and_notes_use(event, organizer):
    token, raw = service.create_token(organizer, event, "CRM", ["events"])
    db.session.commit()
    assert token.last_used_at is None
    assert service.authenticate(raw) == token
    assert token.last_used_at is not None


def test_authenticate_writes_last_use_at_most_once_a_minute(event, organizer):
    token, raw = service.create_token(organizer, event, "CRM", ["events"])
    first = utcnow()
    service.authenticate(raw, now=first)
    service.authenticate(raw, now=first + timedelta(seconds=30))
    assert token.last_used_at == first
    later = first + timedelta(minutes=2)
    service.authenticate(raw, now=later)
    assert token.last_used_at == later


def test_authenticate_refuses_revoked_token_at_once(event, organizer):
    token, raw = service.create_token(organizer, event, "CRM", ["events"])
    db.session.commit()
    service.revoke_token(organizer, token)
    db.session.commit()
    assert service.authenticate(raw) is None


@pytest.mark.parametrize("raw", [None, "", "ct_unknown", "not-a-token"])
def test_authenticate_refuses_unknown(event, organizer, raw):
    service.create_token(organizer, event, "CRM", ["events"])
    assert service.authenticate(raw) is None


def test_revoke_token_twice_keeps_first_time(event, organizer):
    token, _raw = service.create_token(organizer, event, "CRM", ["events"])
    service.revoke_token(organizer, token)
    first = token.revoked_at
    service.revoke_token(organizer, token)
    assert token.revoked_at == first


def test_revoke_token_refuses_other_events_organizer(event, organizer, other_event):
    token, _raw = service.create_token(organizer, event, "CRM", ["events"])
    stranger = factories.organizer(other_event, name="Other Organizer")
    with pytest.raises(ServiceError):
        service.revoke_token(stranger, token)
    assert token.revoked_at is None


def test_tokens_of_lists_live_first_and_only_own_event(event, organizer, other_event):
    old, _ = service.create_token(organizer, event, "Old", ["events"])
    live, _ = service.create_token(organizer, event, "Live", ["events"])
    service.create_token(factories.organizer(other_event), other_event, "Theirs", ["events"])
    service.revoke_token(organizer, old)
    db.session.commit()
    assert service.tokens_of(event) == [live, old]


def test_registrations_page_walks_by_cursor(event, organizer, attendee, other_event):
    people = [factories.participant(event, name=f"P{i}") for i in range(3)]
    factories.participant(other_event, name="Elsewhere")
    seen = []
    after = 0
    while True:
        page = service.registrations_page(event, after, 2)
        seen.extend(reg.user.display_name for reg in page.items)
        if page.next_cursor is None:
            break
        after = int(page.next_cursor)
    assert seen == ["Olga Organizer", "Anna Attendee", "P0", "P1", "P2"]
    assert len(people) == 3


def test_sessions_page_includes_drafts_of_own_event(event, other_event):
    talk = ph.session(event, "Keynote")
    draft = ph.session(event, "Draft", published=False)
    ph.session(other_event, "Theirs")
    page = service.sessions_page(event, 0, 10)
    assert page.items == [talk, draft]
    assert page.next_cursor is None


def test_attendance_page_lists_people_who_came(event, attendee, speaker, organizer):
    talk = ph.session(event, "Keynote")
    came = factories.registration_of(event, attendee)
    only_session = factories.registration_of(event, speaker)
    db.session.add(CheckIn(registration_id=came.id, event_id=event.id))
    db.session.add(
        SessionAttendance(session_id=talk.id, registration_id=came.id, event_id=event.id)
    )
    db.session.add(
        SessionAttendance(session_id=talk.id, registration_id=only_session.id, event_id=event.id)
    )
    db.session.commit()
    page = service.attendance_page(event, 0, 1)
    assert [item.id for item in page.items] == [came.id]
    assert page.items[0].check_in.registration_id == came.id
    assert [row.session_id for row in page.items[0].sessions] == [talk.id]
    rest = service.attendance_page(event, int(page.next_cursor), 1)
    assert [item.id for item in rest.items] == [only_session.id]
    assert rest.items[0].check_in is None
    assert rest.next_cursor is None
