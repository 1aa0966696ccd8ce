"""``/e/<slug>/search``: who may search, grouped results with counts and links, and no
held, hidden or participants-only content for those not allowed to see it."""

from __future__ import annotations

import pytest

from conference.enums import ContentStatus
from conference.extensions import db
from tests import program_helpers as program
from tests.services.test_event_search import material, news, thread


@pytest.fixture
def content(event, organizer, attendee):
    talk = program.session(event, "Quantum payments")
    program.session(event, "Quantum drafts", published=False)
    material(talk, "Quantum slides", public=True)
    material(talk, "Quantum notes")
    thread(event, attendee, "Quantum coffee", "Who wants quantum coffee?")
    thread(event, attendee, "Quantum held", "quantum", statuses=[ContentStatus.held])
    news(event, organizer, "Quantum keynote moved", "Public news", public=True)
    news(event, organizer, "Quantum dinner", "Participants only")
    news(event, organizer, "Quantum hidden", "x", public=True, status=ContentStatus.hidden)
    return talk


def _get(client, event, q="quantum"):
    return client.get(f"/e/{event.slug}/search", query_string={"q": q})


def test_attendee_gets_every_group_with_counts_and_links(client, login, event, attendee, content):
    login(attendee)
    response = _get(client, event)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f'href="/e/{event.slug}/program/{content.id}"' in body
    assert "<mark>Quantum</mark> payments" in body
    assert "Quantum drafts" not in body
    assert "<mark>Quantum</mark> slides" in body and "<mark>Quantum</mark> notes" in body
    assert "<mark>Quantum</mark> coffee" in body
    assert "Quantum held" not in body
    assert "<mark>Quantum</mark> keynote moved" in body
    assert "<mark>Quantum</mark> dinner" in body
    assert "Quantum hidden" not in body
    assert 'id="group-discussions"' in body
    assert "6 results for" in body  # 1 session, 2 materials, 1 thread, 2 news


def test_anonymous_visitor_of_a_public_event_sees_public_things(client, event, content):
    response = _get(client, event)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<mark>Quantum</mark> payments" in body
    assert "<mark>Quantum</mark> slides" in body
    assert "Quantum notes" not in body
    assert "<mark>Quantum</mark> keynote moved" in body
    assert "Quantum dinner" not in body
    assert "Quantum coffee" not in body
    assert 'id="group-people"' not in body


def test_organizer_finds_drafts(client, login, event, organizer, content):
    login(organizer)
    body = _get(client, event).get_data(as_text=True)
    assert "<mark>Quantum</mark> drafts" in body
    assert "Quantum held" not in body


@pytest.mark.parametrize("identity", ["anonymous", "outsider", "other_participant", "pending"])
def test_invitation_only_event_is_for_participants(client, as_identity, event, content, identity):
    event.visibility = "invitation"
    db.session.commit()
    as_identity(identity)
    response = _get(client, event)
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "visible to registered participants only" in body
    assert "Quantum" not in body


@pytest.mark.parametrize("identity", ["anonymous", "attendee", "organizer"])
def test_empty_search_shows_the_box(client, as_identity, event, identity):
    as_identity(identity)
    response = client.get(f"/e/{event.slug}/search")
    assert response.status_code == 200
    assert 'role="search"' in response.get_data(as_text=True)


def test_people_in_cyrillic_with_case_folding(client, login, event, attendee):
    from tests import factories

    factories.participant(event, "Ёлка Петрова", company="Снег")
    login(attendee)
    body = _get(client, event, "ПЕТРОВА").get_data(as_text=True)
    assert "<mark>Петрова</mark>" in body
    assert "1 result for" in body


def test_too_long_query_is_refused_on_the_form(client, login, event, attendee):
    login(attendee)
    response = _get(client, event, "x" * 500)
    assert response.status_code == 200
    assert "is-invalid" in response.get_data(as_text=True)
