# ruff: noqa: RUF001  (names and text in Cyrillic and full-width Latin on purpose)
"""The event's one search box: every group finds what matches in any script and case,
and only what the searcher may see (drafts, hidden people, held and hidden posts and
news, participants-only items, other events' rows never leak)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from conference.enums import ContentStatus, MaterialKind
from conference.extensions import db
from conference.models import Material, NewsPost, Post, Thread
from conference.services import event_search
from conference.services.search import refresh_search_keys
from tests import factories
from tests import program_helpers as program

ANONYMOUS = SimpleNamespace(is_authenticated=False, id=None)


def thread(event, author, title, *bodies, session=None, material=None, statuses=()):
    made = Thread(
        event_id=event.id,
        title=title,
        author_id=author.id,
        session_id=session.id if session else None,
        material_id=material.id if material else None,
    )
    db.session.add(made)
    db.session.flush()
    for n, body in enumerate(bodies):
        status = (statuses[n] if n < len(statuses) else None) or ContentStatus.visible
        db.session.add(
            Post(
                thread_id=made.id, event_id=event.id, author_id=author.id, body=body, status=status
            )
        )
        db.session.flush()
    db.session.commit()
    return made


def news(event, author, title, body="", *, public=False, status=ContentStatus.visible):
    item = NewsPost(
        event_id=event.id,
        author_id=author.id,
        title=title,
        body=body,
        is_public=public,
        status=status,
    )
    db.session.add(item)
    db.session.commit()
    return item


def material(session, title, *, public=False):
    made = Material(
        event_id=session.event_id,
        session_id=session.id,
        kind=MaterialKind.link,
        title=title,
        url="https://example.test/slides",
        is_public=public,
    )
    db.session.add(made)
    db.session.commit()
    return made


@pytest.fixture
def world(event, other_event, organizer, attendee, speaker):
    talk = program.session(event, "Kubernetes in production", speakers=[speaker])
    draft = program.session(event, "Kubernetes secrets", published=False)
    own_draft = program.session(event, "Kubernetes roadmap", published=False, speakers=[speaker])
    elsewhere = program.session(other_event, "Kubernetes elsewhere")
    maria = factories.participant(event, "Мария Иванова", company="Кубер")
    yamada = factories.participant(event, "山田太郎", company="クバネティス")
    hidden = factories.participant(event, "Kuba Hidden")
    hidden.profile.directory_visible = False
    refresh_search_keys(hidden)
    db.session.commit()
    return SimpleNamespace(
        talk=talk,
        draft=draft,
        own_draft=own_draft,
        elsewhere=elsewhere,
        maria=maria,
        yamada=yamada,
        hidden=hidden,
        slides=material(talk, "Kubernetes slides", public=True),
        notes=material(talk, "Kubernetes speaker notes"),
        draft_notes=material(draft, "Kubernetes draft notes", public=True),
        other_slides=material(elsewhere, "Kubernetes other slides", public=True),
    )


def _search(event, viewer, query):
    return event_search.search_event(event, viewer, query)


def test_sessions_follow_the_program_rules(event, world, attendee, speaker, organizer):
    titles = lambda found: sorted(h.session.title for h in found.sessions)  # noqa: E731
    assert titles(_search(event, attendee, "KUBERNETES")) == ["Kubernetes in production"]
    assert titles(_search(event, ANONYMOUS, "kubernetes")) == ["Kubernetes in production"]
    assert titles(_search(event, speaker, "kubernetes")) == [
        "Kubernetes in production",
        "Kubernetes roadmap",
    ]
    assert titles(_search(event, organizer, "kubernetes")) == [
        "Kubernetes in production",
        "Kubernetes roadmap",
        "Kubernetes secrets",
    ]


def test_people_in_any_script_and_only_listed_ones(event, world, attendee, organizer):
    names = lambda found: sorted(p.display_name for p in found.people)  # noqa: E731
    assert names(_search(event, attendee, "МАРИЯ")) == ["Мария Иванова"]
    assert names(_search(event, attendee, "кубер")) == ["Мария Иванова"]
    assert names(_search(event, attendee, "山田")) == ["山田太郎"]
    assert names(_search(event, attendee, "ｸﾊﾞﾈ")) == ["山田太郎"]  # half-width kana fold
    assert names(_search(event, attendee, "kuba")) == []
    assert names(_search(event, organizer, "kuba")) == ["Kuba Hidden"]
    found = _search(event, ANONYMOUS, "мария")
    assert "people" not in found.groups
    assert found.people == []


def test_materials_only_those_one_may_open(event, world, attendee, organizer, other_event):
    titles = lambda found: sorted(h.material.title for h in found.materials)  # noqa: E731
    assert titles(_search(event, attendee, "kubernetes")) == [
        "Kubernetes slides",
        "Kubernetes speaker notes",
    ]
    assert titles(_search(event, ANONYMOUS, "KUBERNETES")) == ["Kubernetes slides"]
    assert titles(_search(event, organizer, "kubernetes")) == [
        "Kubernetes draft notes",
        "Kubernetes slides",
        "Kubernetes speaker notes",
    ]
    assert titles(_search(other_event, attendee, "kubernetes")) == ["Kubernetes other slides"]


def test_discussions_find_titles_and_visible_posts_only(event, world, attendee, organizer):
    author = world.maria
    thread(event, author, "Где обед?", "Обед в зале Б, ПРИВЕТ всем")
    thread(event, author, "Cluster upgrades", "Which version?", "Ask about KUBECTL here")
    thread(event, author, "Held opener kubectl", "kubectl rant", statuses=[ContentStatus.held])
    thread(event, author, "Quiet", "fine", "kubectl hidden", statuses=[None, ContentStatus.hidden])
    thread(event, author, "Draft kubectl talk", "about the draft", session=world.draft)
    thread(event, author, "Slides kubectl", "nice slides", material=world.notes)
    thread(event, author, "Session kubectl", "live demo", session=world.talk)

    found = _search(event, attendee, "привет")
    assert [hit.thread.title for hit in found.threads] == ["Где обед?"]
    assert "<mark>ПРИВЕТ</mark>" in str(found.threads[0].snippet)

    found = _search(event, attendee, "kubectl")
    assert sorted(hit.thread.title for hit in found.threads) == [
        "Cluster upgrades",
        "Session kubectl",
        "Slides kubectl",
    ]
    subjects = {hit.thread.title: hit.subject_title for hit in found.threads}
    assert subjects["Slides kubectl"] == "Kubernetes speaker notes"
    assert subjects["Session kubectl"] == "Kubernetes in production"

    organizer_titles = {h.thread.title for h in _search(event, organizer, "kubectl").threads}
    assert "Draft kubectl talk" in organizer_titles
    assert "Held opener kubectl" not in organizer_titles
    assert "Quiet" not in organizer_titles

    assert "discussions" not in _search(event, ANONYMOUS, "kubectl").groups
    assert _search(event, ANONYMOUS, "kubectl").threads == []


def test_news_for_participants_and_public_items_for_everyone(event, world, organizer, attendee):
    news(event, organizer, "Doors open at 8", "Coffee in the ＬＯＢＢＹ", public=True)
    news(event, organizer, "Speakers' dinner", "The lobby bar, participants only")
    news(event, organizer, "Lobby held", "lobby", public=True, status=ContentStatus.held)
    news(event, organizer, "Lobby hidden", "lobby", public=True, status=ContentStatus.hidden)

    titles = lambda found: sorted(h.item.title for h in found.news)  # noqa: E731
    assert titles(_search(event, attendee, "lobby")) == ["Doors open at 8", "Speakers' dinner"]
    assert titles(_search(event, ANONYMOUS, "LOBBY")) == ["Doors open at 8"]
    assert titles(_search(event, organizer, "lobby")) == ["Doors open at 8", "Speakers' dinner"]


def test_private_event_and_other_events(event, world, organizer, other_participant, pending):
    event.visibility = "invitation"
    news(event, organizer, "Public lobby news", "lobby", public=True)
    db.session.commit()
    for viewer in (ANONYMOUS, other_participant, pending):
        found = _search(event, viewer, "kubernetes lobby")
        assert found.groups == ()
        assert found.total == 0


def test_every_word_must_match_and_empty_finds_nothing(event, world, attendee):
    assert _search(event, attendee, "kubernetes production").sessions
    assert not _search(event, attendee, "kubernetes nowhere").sessions
    assert not _search(event, attendee, "kubernetes nowhere").materials
    empty = _search(event, attendee, "   ")
    assert empty.total == 0
    assert empty.groups  # the groups still show what could be searched


def test_like_wildcards_are_literal(event, world, attendee):
    assert _search(event, attendee, "%").materials == []
    assert _search(event, attendee, "_").materials == []
