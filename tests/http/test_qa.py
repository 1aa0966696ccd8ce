"""The session Q&A over HTTP: the box on the session page, the questions JSON, the
presenter view and the form fallbacks, against every identity of the matrix plus the
session's own speaker and the event's moderator; anonymous authors and hidden questions
never leave the server for participants."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.enums import ContentStatus
from conference.extensions import db
from conference.models import PostingSuspension, Question
from conference.services import qa as service
from tests import factories
from tests import program_helpers as program
from tests.conftest import IDENTITIES

#: The matrix's identities, the speaker of this very session and a moderator.
EVERYONE = [*IDENTITIES, "talk_speaker", "moderator"]
#: Who reads, asks and votes: participants of the event.
READERS = {
    "attendee",
    "speaker",
    "sponsor_staff",
    "rival_staff",
    "checkin_staff",
    "talk_speaker",
    "moderator",
    "organizer",
}
#: Who answers, pins, hides and presents: the session's speakers, moderators, organizers.
MODERATORS = {"talk_speaker", "moderator", "organizer"}
#: Who sees the author of an anonymous question, held and hidden ones: not the speakers.
AUTHOR_READERS = {"moderator", "organizer"}


@pytest.fixture
def talk_speaker(event):
    return factories.participant(event, "Tia Talk", roles=["speaker"])


@pytest.fixture
def moderator(event):
    return factories.participant(event, "Mo Moderator", roles=["moderator"])


@pytest.fixture
def talk(event, talk_speaker, speaker):
    # ``speaker`` speaks in another session: a speaker, but not of this one.
    program.session(event, "Another talk", "12:00", "12:45", speakers=[speaker])
    return program.session(event, "Payments at scale", speakers=[talk_speaker])


@pytest.fixture
def asker(event):
    return factories.participant(event, "Quentin Quiet")


@pytest.fixture
def question(talk, asker):
    made = service.ask(asker, talk, "What about refunds?", anonymous=True)
    db.session.commit()
    return made


def url(event, talk, tail: str = "") -> str:
    return f"/e/{event.slug}/program/{talk.id}/qa{tail}"


@pytest.fixture
def as_anyone(request, as_identity, login):
    def do(name: str):
        if name in ("talk_speaker", "moderator"):
            return login(request.getfixturevalue(name))
        return as_identity(name)

    return do


# --- reading --------------------------------------------------------------------------


@pytest.mark.parametrize("identity", EVERYONE)
def test_questions_json_per_identity(client, as_anyone, event, talk, question, identity):
    as_anyone(identity)
    response = client.get(url(event, talk), headers={"Accept": "application/json"})
    if identity in READERS:
        assert response.status_code == 200
        data = response.get_json()
        assert [q["id"] for q in data["questions"]] == [question.id]
        assert data["moderator"] is (identity in MODERATORS)
        author = data["questions"][0]["author"]
        assert author == ("Quentin Quiet" if identity in AUTHOR_READERS else None)
        assert ("author_id" in data["questions"][0]) is (identity in AUTHOR_READERS)
    else:
        assert response.status_code == 403
        assert "refunds" not in response.get_data(as_text=True)


@pytest.mark.parametrize("identity", EVERYONE)
def test_presenter_view_per_identity(client, as_anyone, event, talk, question, identity):
    as_anyone(identity)
    response = client.get(url(event, talk, "/present"))
    if identity in MODERATORS:
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "What about refunds?" in page
        # The room's screen never names the author of an anonymous question.
        assert "Quentin Quiet" not in page
    else:
        assert response.status_code == 403
        assert "refunds" not in response.get_data(as_text=True)


@pytest.mark.parametrize("identity", EVERYONE)
def test_session_page_box_per_identity(client, as_anyone, event, talk, question, identity):
    as_anyone(identity)
    response = client.get(f"/e/{event.slug}/program/{talk.id}")
    page = response.get_data(as_text=True)
    if identity in READERS:
        assert f'data-qa data-session-id="{talk.id}"' in page
        assert "What about refunds?" in page
        assert ("Quentin Quiet" in page) is (identity in AUTHOR_READERS)
        assert (f"/qa/{question.id}/hide" in page) is (identity in MODERATORS)
        assert ("/qa/present" in page) is (identity in MODERATORS)
    else:
        assert "What about refunds?" not in page
        assert "data-qa " not in page


def test_report_button_posts_to_the_moderation_endpoint(
    client, login, event, talk, question, attendee
):
    login(attendee)
    page = client.get(f"/e/{event.slug}/program/{talk.id}").get_data(as_text=True)
    assert f'action="/e/{event.slug}/report"' in page
    assert 'name="target" value="question"' in page

    response = client.post(
        f"/e/{event.slug}/report",
        data={"target": "question", "target_id": question.id, "reason": "rude"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.get_json()["ok"] is True


def test_hidden_and_held_questions_stay_with_moderators_and_author(
    client, login, event, talk, question, attendee, asker, organizer, talk_speaker
):
    event.held_words = "spam"
    held = service.ask(asker, talk, "buy spam now")
    service.hide(organizer, question)
    db.session.commit()

    login(attendee)
    data = client.get(url(event, talk), headers={"Accept": "application/json"}).get_json()
    page = client.get(f"/e/{event.slug}/program/{talk.id}").get_data(as_text=True)
    assert data["questions"] == []
    assert "refunds" not in page and "buy spam now" not in page

    login(asker)
    data = client.get(url(event, talk), headers={"Accept": "application/json"}).get_json()
    assert [(q["id"], q["status"]) for q in data["questions"]] == [(held.id, "held")]

    login(talk_speaker)
    data = client.get(url(event, talk), headers={"Accept": "application/json"}).get_json()
    page = client.get(f"/e/{event.slug}/program/{talk.id}").get_data(as_text=True)
    assert data["questions"] == []
    assert "refunds" not in page and "buy spam now" not in page

    login(organizer)
    data = client.get(url(event, talk), headers={"Accept": "application/json"}).get_json()
    assert {q["id"] for q in data["questions"]} == {held.id, question.id}


def test_the_speaker_sees_anonymous_where_a_moderator_sees_the_name(
    client, login, event, talk, question, talk_speaker, moderator
):
    login(talk_speaker)
    page = client.get(f"/e/{event.slug}/program/{talk.id}").get_data(as_text=True)
    answered = client.post(
        url(event, talk, f"/{question.id}/answered"),
        data={"on": "1"},
        headers={"Accept": "application/json"},
    ).get_json()

    assert "Anonymous" in page and "Quentin Quiet" not in page
    assert 'data-authors="0"' in page
    assert f"/qa/{question.id}/answered" in page and f"/qa/{question.id}/pin" in page
    assert answered["ok"] is True and answered["question"]["answered"] is True
    assert answered["question"]["author"] is None
    assert "author_id" not in answered["question"]

    login(moderator)
    page = client.get(f"/e/{event.slug}/program/{talk.id}").get_data(as_text=True)
    assert "Quentin Quiet" in page and 'data-authors="1"' in page


def test_a_speaker_who_hides_a_question_cannot_see_or_restore_it(
    client, login, event, talk, question, talk_speaker
):
    login(talk_speaker)
    hidden = client.post(
        url(event, talk, f"/{question.id}/hide"),
        data={"on": "1"},
        headers={"Accept": "application/json"},
    )
    restored = client.post(
        url(event, talk, f"/{question.id}/hide"),
        data={"on": "0"},
        headers={"Accept": "application/json"},
    )

    db.session.expire_all()
    assert hidden.status_code == 200 and hidden.get_json()["question"]["author"] is None
    assert restored.status_code == 404
    assert question.status == ContentStatus.hidden


def test_sorting_by_newest_on_the_session_page(client, login, event, talk, attendee, asker):
    older = service.ask(asker, talk, "Older question")
    service.vote(attendee, older)
    service.ask(asker, talk, "Newer question")
    db.session.commit()
    login(attendee)

    top = client.get(f"/e/{event.slug}/program/{talk.id}").get_data(as_text=True)
    new = client.get(f"/e/{event.slug}/program/{talk.id}?qa_sort=new").get_data(as_text=True)

    assert top.index("Older question") < top.index("Newer question")
    assert new.index("Newer question") < new.index("Older question")


# --- writing --------------------------------------------------------------------------


@pytest.mark.parametrize("identity", EVERYONE)
def test_asking_per_identity(client, as_anyone, event, talk, identity):
    as_anyone(identity)
    response = client.post(
        url(event, talk, "/ask"),
        data={"body": "Is it fast?"},
        headers={"Accept": "application/json"},
    )
    stored = db.session.scalar(sa.select(sa.func.count()).select_from(Question))
    if identity in READERS:
        assert response.status_code == 200
        assert response.get_json()["question"]["body"] == "Is it fast?"
        assert stored == 1
    else:
        assert response.status_code in (302, 403)
        if identity == "anonymous":
            assert "/login" in response.headers["Location"]
        assert stored == 0


def test_asking_without_script_comes_back_to_the_session(client, login, event, talk, attendee):
    login(attendee)
    response = client.post(url(event, talk, "/ask"), data={"body": "Plain form?", "anonymous": "y"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/program/{talk.id}#qa")
    question = db.session.scalar(sa.select(Question))
    assert (question.body, question.anonymous) == ("Plain form?", True)


def test_a_suspended_person_cannot_ask(client, login, event, talk, attendee):
    db.session.add(PostingSuspension(event_id=event.id, user_id=attendee.id))
    db.session.commit()
    login(attendee)
    response = client.post(
        url(event, talk, "/ask"),
        data={"body": "Still here?"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 403
    page = client.get(f"/e/{event.slug}/program/{talk.id}").get_data(as_text=True)
    assert f'action="{url(event, talk, "/ask")}"' not in page


def test_nobody_asks_in_a_draft_session(client, login, event, organizer):
    draft = program.session(event, "Draft talk", published=False)
    login(organizer)
    response = client.post(
        url(event, draft, "/ask"), data={"body": "Hm?"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("identity", EVERYONE)
def test_voting_per_identity(client, as_anyone, event, talk, question, identity):
    as_anyone(identity)
    response = client.post(
        url(event, talk, f"/{question.id}/vote"),
        data={"on": "1"},
        headers={"Accept": "application/json"},
    )
    db.session.expire_all()
    if identity in READERS:
        assert response.status_code == 200
        assert question.vote_count == 1
    else:
        assert response.status_code in (302, 403, 404)
        assert question.vote_count == 0


def test_one_cannot_vote_for_ones_own_question(client, login, event, talk, question, asker):
    login(asker)
    response = client.post(
        url(event, talk, f"/{question.id}/vote"),
        data={"on": "1"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 403


def test_voting_twice_counts_once_and_withdrawing_works(
    client, login, event, talk, question, attendee
):
    login(attendee)
    for _ in range(2):
        client.post(url(event, talk, f"/{question.id}/vote"), data={"on": "1"})
    db.session.expire_all()
    assert question.vote_count == 1

    client.post(url(event, talk, f"/{question.id}/vote"), data={"on": "0"})
    db.session.expire_all()
    assert question.vote_count == 0


@pytest.mark.parametrize("identity", EVERYONE)
@pytest.mark.parametrize("action", ["answered", "pin", "hide"])
def test_moderating_per_identity(client, as_anyone, event, talk, question, identity, action):
    as_anyone(identity)
    response = client.post(
        url(event, talk, f"/{question.id}/{action}"),
        data={"on": "1"},
        headers={"Accept": "application/json"},
    )
    db.session.expire_all()
    changed = {
        "answered": question.answered_at is not None,
        "pin": question.pinned_at is not None,
        "hide": question.status == ContentStatus.hidden,
    }[action]
    if identity in MODERATORS:
        assert response.status_code == 200
        assert changed
    else:
        assert response.status_code in (302, 403, 404)
        assert not changed


def test_a_question_of_another_session_is_not_found(client, login, event, talk, organizer, asker):
    other = program.session(event, "Elsewhere", "14:00", "14:45")
    there = service.ask(asker, other, "Over there?")
    db.session.commit()
    login(organizer)
    response = client.post(url(event, talk, f"/{there.id}/answered"), data={"on": "1"})
    assert response.status_code == 404


def test_hiding_and_restoring_are_logged_and_the_author_is_told(
    client, login, event, talk, question, organizer, asker
):
    from conference.models import ModerationAction, Notification

    login(organizer)
    client.post(url(event, talk, f"/{question.id}/hide"), data={"on": "1", "reason": "off topic"})
    client.post(url(event, talk, f"/{question.id}/hide"), data={"on": "0"})

    actions = db.session.scalars(sa.select(ModerationAction).order_by(ModerationAction.id)).all()
    assert [(a.action.value, a.moderator_id, a.reason) for a in actions] == [
        ("hide", organizer.id, "off topic"),
        ("restore", organizer.id, ""),
    ]
    told = db.session.scalars(sa.select(Notification).where(Notification.user_id == asker.id)).all()
    assert told
