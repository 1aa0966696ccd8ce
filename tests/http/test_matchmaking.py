"""The "people to meet" page, its feedback buttons, "I want to meet" on the
registration form, and the organizers' counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from conference.enums import MessagePolicy, SuggestionVerdict
from conference.extensions import db
from conference.models import Conversation, SuggestionFeedback, SuggestionShown
from conference.services import matchmaking
from tests import factories
from tests.queries import count_queries


@pytest.fixture
def match(event):
    """Someone the attendee shares an interest (AI) with."""
    return factories.participant(event, "Max Match", interests=["AI", "Security"])


MESSAGE_START = "/e/{slug}/people/{user_id}/message"


def _url(event, *parts) -> str:
    return "/".join([f"/e/{event.slug}/people/suggested", *map(str, parts)])


def test_attendee_sees_people_to_meet_with_reasons(client, login, event, attendee, match):
    login(attendee)

    response = client.get(_url(event))

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Max Match" in body
    assert "You are both interested in <em>AI</em>" in body
    assert f'action="{MESSAGE_START.format(slug=event.slug, user_id=match.id)}"' in body
    shown = db.session.scalars(
        sa.select(SuggestionShown.person_id).where(SuggestionShown.user_id == attendee.id)
    ).all()
    assert shown == [match.id]


@pytest.mark.parametrize("identity", ["anonymous", "outsider", "other_participant", "pending"])
def test_non_participants_get_the_participants_only_page(
    client, as_identity, event, attendee, match, identity
):
    as_identity(identity)

    response = client.get(_url(event))

    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "visible to registered participants only" in body
    assert "Max Match" not in body


@pytest.mark.parametrize("identity", ["speaker", "sponsor_staff", "checkin_staff", "organizer"])
def test_every_participant_role_has_the_page(client, as_identity, event, match, identity):
    as_identity(identity)
    assert client.get(_url(event)).status_code == 200


def test_after_the_event_with_a_read_only_directory_nothing_is_suggested(
    client, login, event, attendee, match
):
    event.starts_on = date.today() - timedelta(days=5)
    event.ends_on = date.today() - timedelta(days=4)
    event.network_directory_read_only = True
    db.session.commit()
    login(attendee)

    response = client.get(_url(event))

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "no longer suggests new people" in body
    assert "Max Match" not in body


def test_dismiss_by_form_comes_back_without_the_person(client, login, event, attendee, match):
    login(attendee)
    client.get(_url(event))

    response = client.post(_url(event, match.id, "dismiss"))

    assert response.status_code == 302
    assert response.headers["Location"] == _url(event)
    page = client.get(_url(event)).get_data(as_text=True)
    assert "Max Match will not be suggested again." in page
    assert 'class="col suggestion"' not in page


def test_more_like_this_answers_json_for_the_script(client, login, event, attendee, match):
    login(attendee)

    response = client.post(_url(event, match.id, "more"), headers={"Accept": "application/json"})

    assert response.status_code == 200
    assert response.get_json() == {
        "ok": True,
        "verdict": "more_like_this",
        "message": "You will see more people like Max Match.",
    }
    feedback = db.session.get(SuggestionFeedback, (event.id, attendee.id, match.id))
    assert feedback.verdict == SuggestionVerdict.more_like_this


def test_feedback_from_another_event_is_refused(client, login, event, other_participant, match):
    login(other_participant)

    as_json = client.post(_url(event, match.id, "dismiss"), headers={"Accept": "application/json"})
    as_form = client.post(_url(event, match.id, "dismiss"))

    assert as_json.status_code == 403
    assert as_json.get_json()["ok"] is False
    assert as_form.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SuggestionFeedback)) == 0


def test_feedback_needs_a_login(client, event, match):
    response = client.post(_url(event, match.id, "dismiss"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_feedback_without_csrf_token_is_refused(
    app, client, login, event, attendee, match, monkeypatch
):
    login(attendee)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    response = client.post(_url(event, match.id, "dismiss"))

    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SuggestionFeedback)) == 0


def test_feedback_on_an_unknown_person_is_404(client, login, event, attendee):
    login(attendee)
    assert client.post(_url(event, 999_999, "dismiss")).status_code == 404


@pytest.mark.parametrize("why", ["hidden", "pending"])
def test_more_like_this_on_someone_hidden_or_pending_is_refused(
    client, login, event, attendee, match, pending, why
):
    person = pending
    if why == "hidden":
        person = factories.participant(event, "Hugo Hidden", interests=["AI"])
        person.profile.directory_visible = False
        db.session.commit()
    login(attendee)

    as_json = client.post(_url(event, person.id, "more"), headers={"Accept": "application/json"})
    as_form = client.post(_url(event, person.id, "more"))

    assert as_json.status_code == 403
    assert as_json.get_json()["ok"] is False
    assert person.display_name not in as_json.get_data(as_text=True)
    assert as_form.status_code == 403
    assert person.display_name not in as_form.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SuggestionFeedback)) == 0


def test_someone_who_hid_after_more_like_this_is_never_named(client, login, event, attendee):
    liked = factories.participant(
        event, "Lena Liked", industry="Healthcare", job_role="CTO", interests=["AI"]
    )
    factories.participant(
        event, "Sara Similar", industry="Healthcare", job_role="CTO", interests=["AI"]
    )
    login(attendee)
    assert client.post(_url(event, liked.id, "more")).status_code == 302
    page = client.get(_url(event)).get_data(as_text=True)
    assert "Like <em>Lena Liked</em>, whom you wanted more of" in page
    liked.profile.directory_visible = False
    db.session.commit()

    page = client.get(_url(event)).get_data(as_text=True)
    again = client.post(_url(event, liked.id, "more"), headers={"Accept": "application/json"})
    recomputed = client.get(_url(event)).get_data(as_text=True)

    assert "Sara Similar" in page
    assert "Lena Liked" not in page
    assert again.status_code == 403
    assert "Sara Similar" in recomputed
    assert "Lena Liked" not in recomputed


def _cards(client, event) -> int:
    return client.get(_url(event)).get_data(as_text=True).count('class="col suggestion"')


def test_the_page_runs_a_fixed_number_of_queries(client, login, event, attendee, match):
    """However many cards: the list (computed or cached), the people, and what the
    Message buttons need, each loaded for all cards at once."""
    login(attendee)
    db.session.commit()
    few = (count_queries(client, _url(event)), count_queries(client, _url(event)))
    assert _cards(client, event) == 1
    for n in range(12):
        person = factories.participant(event, f"Person {n:02d}", interests=["AI"])
        person.profile.message_policy = list(MessagePolicy)[n % 3]
        if n % 4 == 0:
            low, high = sorted((attendee.id, person.id))
            db.session.add(Conversation(user_low_id=low, user_high_id=high, event_id=event.id))
    db.session.commit()
    matchmaking.mark_stale(event.id, attendee.id)
    db.session.commit()

    many = (count_queries(client, _url(event)), count_queries(client, _url(event)))

    assert _cards(client, event) == 13
    assert many == few


def test_message_buttons_follow_each_persons_setting(client, login, event, attendee):
    people = {
        policy: factories.participant(event, f"Policy {policy.value}", interests=["AI"])
        for policy in MessagePolicy
    }
    for policy, person in people.items():
        person.profile.message_policy = policy
    db.session.commit()
    login(attendee)

    page = client.get(_url(event)).get_data(as_text=True)

    buttons = {
        policy: f'action="{MESSAGE_START.format(slug=event.slug, user_id=person.id)}"' in page
        for policy, person in people.items()
    }
    assert buttons == {
        MessagePolicy.participants: True,
        MessagePolicy.contacts: False,
        MessagePolicy.nobody: False,
    }


def test_registration_form_saves_whom_i_want_to_meet(client, login, event, attendee):
    login(attendee)
    page = client.get(f"/e/{event.slug}/registration/edit").get_data(as_text=True)
    assert "I want to meet" in page
    registration = factories.registration_of(event, attendee)
    finance = factories.term(event, "industry", "Finance")
    founder = factories.term(event, "job_role", "Founder")

    response = client.post(
        f"/e/{event.slug}/registration/edit",
        data={
            "ticket_type": registration.ticket_type_id,
            "industry": registration.industry_id,
            "region": registration.region_id,
            "job_role": registration.job_role_id,
            "interests": [t.id for t in registration.interests],
            "meet_industries": [finance.id],
            "meet_roles": [founder.id],
        },
    )

    assert response.status_code == 302
    db.session.refresh(registration)
    assert {t.name for t in registration.meet_wishes} == {"Finance", "Founder"}
    page = client.get(f"/e/{event.slug}/registration/edit").get_data(as_text=True)
    assert (
        f'<input checked class="btn-check" id="meet_industries-0" name="meet_industries"'
        f' type="checkbox" value="{finance.id}">'
    ) in page


def test_registration_form_refuses_a_forged_wish(client, login, event, other_event, attendee):
    login(attendee)
    registration = factories.registration_of(event, attendee)
    forged = factories.term(other_event, "industry", "Finance")

    response = client.post(
        f"/e/{event.slug}/registration/edit",
        data={
            "ticket_type": registration.ticket_type_id,
            "industry": registration.industry_id,
            "region": registration.region_id,
            "job_role": registration.job_role_id,
            "interests": [t.id for t in registration.interests],
            "meet_industries": [forged.id],
        },
    )

    assert response.status_code == 200
    assert "Choose whom to meet from the list." in response.get_data(as_text=True)
    db.session.refresh(registration)
    assert registration.meet_wishes == []


def test_organizers_see_conversion_counts(client, login, event, organizer, attendee, match):
    matchmaking.record_shown(event, attendee, [match.id])
    db.session.commit()
    login(organizer)

    page = client.get(f"/e/{event.slug}/manage/reports/").get_data(as_text=True)
    table = client.get(f"/e/{event.slug}/manage/reports/tables/suggestions.json").get_json()

    assert "People to meet" in page
    assert [(row["label"], row["values"]) for row in table["rows"]] == [
        ("People shown suggestions", [1]),
        ("Suggestions shown", [1]),
        ("Pairs suggested (either way)", [1]),
        ("Pairs followed by a conversation in this event", [0]),
        ("Pairs followed by a meeting", [0]),
        ("Pairs followed by becoming contacts", [0]),
    ]
    assert "Max Match" not in page


def test_participants_cannot_read_the_counts(client, login, event, attendee):
    login(attendee)
    response = client.get(f"/e/{event.slug}/manage/reports/tables/suggestions.json")
    assert response.status_code == 403
