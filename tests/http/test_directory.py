"""GET /e/<slug>/people/: who may see it, search, filters, pages, and its query count."""

from __future__ import annotations

import pytest

from conference.extensions import db
from conference.services.search import refresh_search_keys
from tests import factories
from tests.conftest import IDENTITIES
from tests.queries import count_queries

REFUSED = ["anonymous", "outsider", "other_participant", "pending"]
ALLOWED = [name for name in IDENTITIES if name not in REFUSED]
URL = "/e/northwind/people/"


def hide(person) -> None:
    """What saving "hidden" in the profile form does."""
    person.profile.directory_visible = False
    refresh_search_keys(person)
    db.session.commit()


@pytest.fixture
def listed(event):
    return factories.participant(event, "Lena Listed")


@pytest.mark.parametrize("identity", REFUSED)
def test_directory_shows_participants_only_page_to(identity, client, listed, as_identity):
    as_identity(identity)

    response = client.get(URL)

    body = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "visible to registered participants only" in body
    assert "Lena Listed" not in body


@pytest.mark.parametrize("identity", ALLOWED)
def test_directory_lists_participants_to(identity, client, listed, as_identity):
    as_identity(identity)

    response = client.get(URL)

    assert response.status_code == 200
    assert "Lena Listed" in response.get_data(as_text=True)


def test_directory_of_unknown_event_is_not_found(client, attendee, login):
    login(attendee)

    assert client.get("/e/no-such-event/people/").status_code == 404


def test_directory_search_in_cyrillic_lists_only_matches(client, event, attendee, listed, login):
    factories.participant(event, "Иван Петров")
    factories.participant(event, "山田 太郎")
    login(attendee)

    body = client.get(URL, query_string={"q": "иван"}).get_data(as_text=True)

    assert ("Иван Петров" in body, "山田 太郎" in body, "Lena Listed" in body) == (
        True,
        False,
        False,
    )


def test_directory_filters_combine_from_the_query_string(client, event, attendee, listed, login):
    factories.participant(event, "Fiona Finance", industry="Finance", region="APAC")
    factories.participant(event, "Fred Finance", industry="Finance", region="EMEA")
    login(attendee)
    finance = factories.term(event, "industry", "Finance").id
    apac = factories.term(event, "region", "APAC").id

    body = client.get(URL, query_string={"industry": finance, "region": apac}).get_data(
        as_text=True
    )

    assert ("Fiona Finance" in body, "Fred Finance" in body, "Lena Listed" in body) == (
        True,
        False,
        False,
    )
    assert "1 person matches" in body


def test_directory_ignores_malformed_parameters(client, attendee, listed, login):
    login(attendee)

    response = client.get(URL, query_string={"page": "x", "industry": "abc", "topic": "99999"})

    assert response.status_code == 200
    assert "Lena Listed" in response.get_data(as_text=True)


def test_directory_pages_keep_the_filters(app, client, event, attendee, login, monkeypatch):
    monkeypatch.setitem(app.config, "DIRECTORY_PAGE_SIZE", 2)
    for name in ("Bea B", "Cem C", "Dan D", "Eli E"):
        factories.participant(event, name, industry="Finance")
    login(attendee)
    finance = factories.term(event, "industry", "Finance").id

    body = client.get(URL, query_string={"industry": finance, "page": 2}).get_data(as_text=True)

    assert ("Dan D" in body, "Eli E" in body, "Bea B" in body) == (True, True, False)
    assert "3\u20134 of 4" in body
    assert f"industry={finance}&amp;page=1" in body


def test_directory_hides_hidden_people_from_attendees(client, event, attendee, login):
    hidden = factories.participant(event, "Hilda Hidden")
    hide(hidden)
    login(attendee)

    assert "Hilda Hidden" not in client.get(URL).get_data(as_text=True)


def test_directory_shows_hidden_people_to_organizers_marked(client, event, organizer, login):
    hidden = factories.participant(event, "Hilda Hidden")
    hide(hidden)
    login(organizer)

    body = client.get(URL).get_data(as_text=True)

    assert "Hilda Hidden" in body
    assert "Hidden from attendees" in body


def test_directory_never_lists_other_events_or_unapproved(client, event, other_event, login):
    viewer = factories.participant(event, "Vic Viewer")
    factories.participant(other_event, "Oscar Other")
    factories.participant(event, "Pat Pending", status="pending")
    factories.participant(event, "Dora Declined", status="declined")
    login(viewer)

    body = client.get(URL).get_data(as_text=True)

    assert [name in body for name in ("Oscar Other", "Pat Pending", "Dora Declined")] == [
        False,
        False,
        False,
    ]


def test_directory_page_runs_a_fixed_number_of_queries(client, event, attendee, login):
    """Event, the viewer's standing (2), vocabulary (2), the page, its interests, the
    featured sponsors, and the unread-messages, meetings and sponsor-requests badges in
    the navigation.

    (The signed-in user comes from the test session's identity map: no query.)
    """
    login(attendee)
    few = count_queries(client, URL)
    for n in range(30):
        factories.participant(event, f"Person {n:02d}", interests=["AI", "Payments", "Security"])

    many = count_queries(
        client, URL + "?q=person&topic=" + str(factories.term(event, "topic", "AI").id)
    )

    assert (few, many) == (12, 12)
