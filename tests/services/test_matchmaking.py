"""Who to meet: reasons that are true, people who are never suggested, the cache."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import g

from conference.enums import (
    ActivityKind,
    ContactSource,
    MessagePolicy,
    RegistrationStatus,
    SuggestionVerdict,
)
from conference.extensions import db
from conference.models import (
    Activity,
    Block,
    Bookmark,
    Contact,
    Conversation,
    Meeting,
    MessagingSuspension,
    ProgramSession,
    Sponsor,
    Suggestion,
    SuggestionList,
    SuggestionShown,
    User,
)
from conference.models.types import utcnow
from conference.permissions import can
from conference.services import agenda, booths, profiles, registrations
from conference.services import matchmaking as mm
from tests import factories
from tests import program_helpers as ph


def _set_profile(person: User, **fields) -> None:
    """Save ``person``'s profile through the profile service with ``fields`` changed."""
    profile = person.profile
    base = {
        "display_name": person.display_name,
        "company": profile.company,
        "job_title": profile.job_title,
        "looking_for": profile.looking_for,
        "can_offer": profile.can_offer,
        "directory_visible": profile.directory_visible,
    }
    profiles.update_profile(person, profiles.ProfileChanges(**{**base, **fields}))
    db.session.commit()


def _wish(event, person, *terms: tuple[str, str]) -> None:
    registration = factories.registration_of(event, person)
    registration.meet_wishes = [factories.term(event, kind, name) for kind, name in terms]
    db.session.commit()


def _ids(people) -> list[int]:
    return [p.user_id for p in people]


def _reasons_of(people, person: User) -> list[dict]:
    return next(list(p.reasons) for p in people if p.user_id == person.id)


def _check_reason(event, me: User, person: User, reason: dict) -> None:
    """Each kind of reason against the data it claims."""
    mine = factories.registration_of(event, me)
    theirs = factories.registration_of(event, person)
    kind, names = reason["kind"], reason["names"]
    if kind == "topics":
        assert names
        assert set(names) <= {t.name for t in mine.interests} & {t.name for t in theirs.interests}
    elif kind == "looking_topic":
        for name in names:
            assert name in {t.name for t in theirs.interests}
            assert name.casefold() in me.profile.looking_for.casefold()
    elif kind == "offers":
        for phrase in names:
            assert phrase in person.profile.can_offer
            assert phrase.casefold() in me.profile.looking_for.casefold()
    elif kind == "seeks":
        for phrase in names:
            assert phrase in person.profile.looking_for
            assert phrase.casefold() in me.profile.can_offer.casefold()
    elif kind in ("industry", "region", "job_role"):
        term = getattr(theirs, kind)
        assert names == [term.name]
        assert term in mine.meet_wishes
    elif kind == "bookmarks":

        def titles(user):
            return set(
                db.session.scalars(
                    sa.select(ProgramSession.title)
                    .join(Bookmark, Bookmark.session_id == ProgramSession.id)
                    .where(Bookmark.user_id == user.id, Bookmark.event_id == event.id)
                )
            )

        shared = titles(me) & titles(person)
        assert set(names) <= shared
        assert reason["count"] == len(shared)
    elif kind == "booths":

        def visited(user):
            return set(
                db.session.scalars(
                    sa.select(Sponsor.name)
                    .join(Activity, Activity.sponsor_id == Sponsor.id)
                    .where(
                        Activity.user_id == user.id,
                        Activity.kind == ActivityKind.booth_visit,
                        Activity.event_id == event.id,
                    )
                )
            )

        assert set(names) == visited(me) & visited(person)
    elif kind == "similar":
        liked = db.session.scalar(sa.select(User).where(User.display_name == reason["person"]))
        liked_reg = factories.registration_of(event, liked)
        liked_terms = {liked_reg.industry.name, liked_reg.job_role.name} | {
            t.name for t in liked_reg.interests
        }
        their_terms = {theirs.industry.name, theirs.job_role.name} | {
            t.name for t in theirs.interests
        }
        assert set(names) <= liked_terms & their_terms
    else:
        pytest.fail(f"unknown reason {kind}")


@pytest.fixture
def me(event):
    person = factories.participant(event, "Mia Me", interests=["AI", "Payments"])
    _set_profile(person, looking_for="Advice on cloud security and Security reviews")
    return person


def test_every_reason_is_true_against_the_data(event, me):
    talk = ph.session(event, "Payments at scale")
    other_talk = ph.session(event, "Quiet talk", "11:00", "11:45")
    acme = factories.sponsor(event, "Acme Corp")
    bob = factories.participant(
        event, "Bob Both", industry="Finance", region="APAC", interests=["AI", "Payments"]
    )
    _set_profile(bob, can_offer="Cloud security audits", looking_for="People who know payments")
    _set_profile(me, can_offer="Help with payments compliance")
    carol = factories.participant(event, "Carol Curious", interests=["Security"])
    _wish(event, me, ("industry", "Finance"), ("region", "APAC"))
    for person in (me, bob):
        agenda.toggle_bookmark(person, talk, True)
        agenda.toggle_bookmark(person, other_talk, True)
        booths.record_visit(person, acme)
    db.session.commit()

    people = mm.suggestions_for(event, me)
    db.session.commit()

    assert _ids(people) == [bob.id, carol.id]
    bob_reasons = _reasons_of(people, bob)
    assert [r["kind"] for r in bob_reasons] == [
        "industry",
        "region",
        "offers",
        "seeks",
        "topics",
        "bookmarks",
        "booths",
    ]
    assert next(r for r in bob_reasons if r["kind"] == "offers")["names"] == ["Cloud security"]
    assert next(r for r in bob_reasons if r["kind"] == "seeks")["names"] == ["payments"]
    assert _reasons_of(people, carol) == [{"kind": "looking_topic", "names": ["Security"]}]
    for person in (bob, carol):
        for reason in _reasons_of(people, person):
            _check_reason(event, me, person, reason)
    texts = [str(mm.describe(r)) for r in bob_reasons]
    assert "They work in <em>Finance</em>, which you want to meet" in texts
    assert "They offer <em>Cloud security</em>, which you are looking for" in texts
    assert any(t.startswith("You both bookmarked <em>") for t in texts)


def test_reason_names_are_escaped(event):
    text = mm.describe({"kind": "booths", "names": ["<b>Evil</b> & Co"]})
    assert str(text) == "You both visited the booth of <em>&lt;b&gt;Evil&lt;/b&gt; &amp; Co</em>"


def test_common_phrases_match_whole_words_only():
    wanted = mm._Text.of("Engineers who have run Kubernetes in production")
    offer = mm._Text.of("Lessons learned from scaling Kubernetes")
    assert mm.common_phrases(wanted, wanted.ngrams(), offer) == ["Kubernetes"]
    email = mm._Text.of("Send me an email")
    assert mm.common_phrases(email, email.ngrams(), mm._Text.of("AI and more")) == []
    assert not email.contains(mm._Text.of("AI").words)


EXCLUSIONS = [
    "hidden",
    "blocked",
    "blocked_me",
    "contact",
    "dismissed",
    "pending",
    "suspended",
    "deleted",
    "other_event",
]


@pytest.mark.parametrize("exclusion", EXCLUSIONS)
def test_excluded_people_are_never_suggested(event, other_event, me, exclusion):
    fine = factories.participant(event, "Fiona Fine", interests=["AI"])
    status = "pending" if exclusion == "pending" else "approved"
    target_event = other_event if exclusion == "other_event" else event
    excluded = factories.participant(
        target_event, "Xavier Excluded", interests=["AI", "Payments"], status=status
    )
    if exclusion == "hidden":
        _set_profile(excluded, directory_visible=False)
    elif exclusion == "blocked":
        db.session.add(Block(blocker_id=me.id, blocked_id=excluded.id))
    elif exclusion == "blocked_me":
        db.session.add(Block(blocker_id=excluded.id, blocked_id=me.id))
    elif exclusion == "contact":
        for owner, person in ((me, excluded), (excluded, me)):
            db.session.add(
                Contact(
                    owner_id=owner.id,
                    person_id=person.id,
                    event_id=event.id,
                    source=ContactSource.request,
                )
            )
    elif exclusion == "dismissed":
        mm.give_feedback(event, me, excluded, SuggestionVerdict.dismissed)
    elif exclusion == "suspended":
        excluded.is_suspended = True
    elif exclusion == "deleted":
        excluded.deleted_at = utcnow()
    db.session.commit()

    assert _ids(mm.suggestions_for(event, me)) == [fine.id]
    stored = set(
        db.session.scalars(
            sa.select(Suggestion.person_id).where(
                Suggestion.event_id == event.id, Suggestion.user_id == me.id
            )
        )
    )
    assert stored == {fine.id}


@pytest.mark.parametrize("change", ["hidden", "blocked", "contact", "suspended"])
def test_a_cached_list_never_shows_someone_excluded_since(event, me, change):
    other = factories.participant(event, "Olivia Other", interests=["AI"])
    assert _ids(mm.suggestions_for(event, me)) == [other.id]
    db.session.commit()
    if change == "hidden":
        other.profile.directory_visible = False
        factories.registration_of(event, other).directory_visible = False
    elif change == "blocked":
        db.session.add(Block(blocker_id=other.id, blocked_id=me.id))
    elif change == "contact":
        db.session.add(Contact(owner_id=me.id, person_id=other.id, source=ContactSource.request))
    elif change == "suspended":
        other.is_suspended = True
    db.session.commit()
    assert mm.is_fresh(event, me)

    assert mm.suggestions_for(event, me) == []


def test_oneself_is_never_suggested(event, me):
    assert mm.suggestions_for(event, me) == []


def test_the_list_is_cached_until_something_changes(event, me):
    other = factories.participant(event, "Olivia Other", interests=["AI"])
    mm.suggestions_for(event, me)
    db.session.commit()
    computed = db.session.get(SuggestionList, (event.id, me.id)).computed_at
    newcomer = factories.participant(event, "Nina New", interests=["AI", "Payments"])

    assert _ids(mm.suggestions_for(event, me)) == [other.id]
    assert db.session.get(SuggestionList, (event.id, me.id)).computed_at == computed

    listing = db.session.get(SuggestionList, (event.id, me.id))
    listing.computed_at = utcnow() - mm.MAX_AGE - timedelta(minutes=1)
    db.session.commit()
    assert _ids(mm.suggestions_for(event, me)) == [newcomer.id, other.id]


def test_a_profile_change_refreshes_the_lists_showing_the_person(event, me):
    other = factories.participant(event, "Olivia Other", interests=["AI"])
    assert _reasons_of(mm.suggestions_for(event, me), other) == [
        {"kind": "topics", "names": ["AI"]}
    ]
    db.session.commit()

    _set_profile(other, can_offer="Security reviews for startups")

    assert db.session.get(SuggestionList, (event.id, me.id)).stale
    reasons = _reasons_of(mm.suggestions_for(event, me), other)
    assert reasons[0] == {"kind": "offers", "names": ["Security reviews"]}
    _check_reason(event, me, other, reasons[0])


def test_my_own_profile_change_refreshes_my_list(event, me):
    factories.participant(event, "Olivia Other", interests=["AI"])
    mm.suggestions_for(event, me)
    db.session.commit()
    _set_profile(me, looking_for="Nothing in particular")
    assert db.session.get(SuggestionList, (event.id, me.id)).stale


def test_a_bookmark_refreshes_the_list(event, me):
    talk = ph.session(event, "Payments at scale")
    other = factories.participant(event, "Olivia Other", interests=[])
    agenda.toggle_bookmark(other, talk, True)
    db.session.commit()
    assert mm.suggestions_for(event, me) == []
    db.session.commit()

    agenda.toggle_bookmark(me, talk, True)
    db.session.commit()

    people = mm.suggestions_for(event, me)
    assert _ids(people) == [other.id]
    assert _reasons_of(people, other) == [
        {"kind": "bookmarks", "names": ["Payments at scale"], "count": 1}
    ]


def test_meet_wishes_are_saved_with_the_registration_and_refresh_the_list(event, me):
    founder = factories.participant(event, "Fred Founder", job_role="Founder", interests=["AI"])
    assert _reasons_of(mm.suggestions_for(event, me), founder) == [
        {"kind": "topics", "names": ["AI"]}
    ]
    db.session.commit()
    registration = factories.registration_of(event, me)

    registrations.update_registration(
        me,
        registration,
        ticket_type_id=registration.ticket_type_id,
        industry_id=registration.industry_id,
        region_id=registration.region_id,
        job_role_id=registration.job_role_id,
        interest_ids=[t.id for t in registration.interests],
        company="",
        job_title="",
        meet_wish_ids=[factories.term(event, "job_role", "Founder").id],
    )
    db.session.commit()

    assert [t.name for t in registration.meet_wishes] == ["Founder"]
    assert _reasons_of(mm.suggestions_for(event, me), founder)[0] == {
        "kind": "job_role",
        "names": ["Founder"],
    }


def test_meet_wishes_refuse_terms_of_another_kind_or_event(event, other_event, me):
    registration = factories.registration_of(event, me)
    for wrong in (
        factories.term(event, "topic", "AI").id,
        factories.term(other_event, "industry", "Finance").id,
    ):
        with pytest.raises(registrations.ServiceError) as refused:
            registrations.update_registration(
                me,
                registration,
                ticket_type_id=registration.ticket_type_id,
                industry_id=registration.industry_id,
                region_id=registration.region_id,
                job_role_id=registration.job_role_id,
                interest_ids=[t.id for t in registration.interests],
                company="",
                job_title="",
                meet_wish_ids=[wrong],
            )
        assert refused.value.code == "invalid_choice"
        db.session.rollback()


def test_dismissing_removes_the_person_for_good(event, me):
    other = factories.participant(event, "Olivia Other", interests=["AI"])
    mm.suggestions_for(event, me)
    mm.give_feedback(event, me, other, SuggestionVerdict.dismissed)
    db.session.commit()
    assert mm.suggestions_for(event, me) == []
    mm.refresh(event, me)
    assert mm.suggestions_for(event, me) == []


def test_more_like_this_suggests_people_similar_to_that_person(event, me):
    liked = factories.participant(
        event, "Lena Liked", industry="Healthcare", job_role="CTO", interests=["AI"]
    )
    similar = factories.participant(
        event, "Sara Similar", industry="Healthcare", job_role="CTO", interests=[]
    )
    assert _ids(mm.suggestions_for(event, me)) == [liked.id]
    db.session.commit()

    mm.give_feedback(event, me, liked, SuggestionVerdict.more_like_this)
    db.session.commit()

    people = mm.suggestions_for(event, me)
    assert similar.id in _ids(people)
    reason = _reasons_of(people, similar)
    assert {
        "kind": "similar",
        "person_id": liked.id,
        "person": "Lena Liked",
        "names": ["Healthcare", "CTO"],
    } in reason
    for r in reason:
        _check_reason(event, me, similar, r)


def _reason_people(people) -> set[str]:
    return {r["person"] for p in people for r in p.reasons if r["kind"] == "similar"}


def test_the_liked_person_is_never_the_similar_reason_on_their_own_card(event, me):
    liked = factories.participant(
        event, "Lena Liked", industry="Healthcare", job_role="CTO", interests=["AI"]
    )
    factories.participant(event, "Sara Similar", industry="Healthcare", job_role="CTO")
    mm.give_feedback(event, me, liked, SuggestionVerdict.more_like_this)
    db.session.commit()

    people = mm.suggestions_for(event, me)

    assert liked.id in _ids(people)
    assert [r for r in _reasons_of(people, liked) if r["kind"] == "similar"] == []
    assert _reason_people(people) == {"Lena Liked"}


@pytest.mark.parametrize("change", ["hidden", "unlisted", "pending", "suspended", "blocked"])
def test_more_like_this_never_names_someone_who_may_no_longer_be_suggested(event, me, change):
    liked = factories.participant(
        event, "Lena Liked", industry="Healthcare", job_role="CTO", interests=["AI"]
    )
    similar = factories.participant(
        event, "Sara Similar", industry="Healthcare", job_role="CTO", interests=["AI"]
    )
    mm.give_feedback(event, me, liked, SuggestionVerdict.more_like_this)
    db.session.commit()
    assert "Lena Liked" in _reason_people(mm.suggestions_for(event, me))
    db.session.commit()
    # Changed behind the services' back: the cached list stays fresh.
    registration = factories.registration_of(event, liked)
    if change == "hidden":
        liked.profile.directory_visible = False
    elif change == "unlisted":
        registration.directory_visible = False
    elif change == "pending":
        registration.status = RegistrationStatus.pending
    elif change == "suspended":
        liked.is_suspended = True
    elif change == "blocked":
        db.session.add(Block(blocker_id=liked.id, blocked_id=me.id))
    db.session.commit()
    assert mm.is_fresh(event, me)

    cached = mm.suggestions_for(event, me)
    db.session.commit()

    assert _ids(cached) == [similar.id]
    assert _reason_people(cached) == set()
    assert not mm.is_fresh(event, me)
    computed = mm.suggestions_for(event, me)
    assert _ids(computed) == [similar.id]
    assert _reason_people(computed) == set()
    stored = db.session.scalars(
        sa.select(Suggestion.reasons).where(
            Suggestion.event_id == event.id, Suggestion.user_id == me.id
        )
    ).all()
    assert "Lena Liked" not in repr(stored)


def test_conversion_counts_count_each_pair_once_and_only_this_events_conversations(
    event, other_event, me
):
    both_ways = factories.participant(event, "Bo Both", interests=["AI"])
    elsewhere = factories.participant(event, "Eli Elsewhere", interests=["AI"])
    mm.record_shown(event, me, [both_ways.id, elsewhere.id])
    mm.record_shown(event, both_ways, [me.id])
    db.session.commit()
    for person, in_event in ((both_ways, event), (elsewhere, other_event)):
        low, high = sorted((me.id, person.id))
        db.session.add(Conversation(user_low_id=low, user_high_id=high, event_id=in_event.id))
    start = utcnow() + timedelta(days=30)
    for requester, invitee in ((me, both_ways), (both_ways, me)):
        db.session.add(
            Meeting(
                event_id=event.id,
                requester_id=requester.id,
                invitee_id=invitee.id,
                starts_at=start,
                ends_at=start + timedelta(minutes=30),
            )
        )
    for owner, person in ((me, both_ways), (both_ways, me)):
        db.session.add(
            Contact(
                owner_id=owner.id,
                person_id=person.id,
                event_id=event.id,
                source=ContactSource.request,
            )
        )
    db.session.commit()

    assert mm.conversion_counts(event) == {
        "people": 2,
        "shown": 3,
        "pairs": 2,
        "conversations": 1,
        "meetings": 1,
        "contacts": 1,
    }


def test_a_pair_counts_from_the_first_time_either_was_shown_the_other(event, me):
    other = factories.participant(event, "Olivia Other", interests=["AI"])
    mm.record_shown(event, me, [other.id])
    db.session.commit()
    low, high = sorted((me.id, other.id))
    db.session.add(Conversation(user_low_id=low, user_high_id=high, event_id=event.id))
    db.session.commit()
    mm.record_shown(event, other, [me.id])
    db.session.commit()

    counts = mm.conversion_counts(event)

    assert (counts["shown"], counts["pairs"], counts["conversations"]) == (2, 1, 1)


# --- the Message button: the bulk answer is the rule's ----------------------------------


SITUATIONS = [
    "plain",
    "blocked",
    "blocked_me",
    "policy_nobody",
    "policy_contacts",
    "policy_contacts_talked",
    "contact",
    "contact_nobody",
    "contact_nobody_talked",
    "hidden",
    "pending",
    "suspended",
    "deleted",
    "role_only",
    "talked",
]


def _person_in(event, situation: str, me: User) -> User:
    status = "pending" if situation in ("pending", "role_only") else "approved"
    roles = ["speaker"] if situation == "role_only" else []
    person = factories.participant(event, f"P {situation}", status=status, roles=roles)
    profile = person.profile
    if situation.startswith("policy_contacts"):
        profile.message_policy = MessagePolicy.contacts
    elif situation in ("policy_nobody", "contact_nobody", "contact_nobody_talked"):
        profile.message_policy = MessagePolicy.nobody
    if situation == "blocked":
        db.session.add(Block(blocker_id=me.id, blocked_id=person.id))
    elif situation == "blocked_me":
        db.session.add(Block(blocker_id=person.id, blocked_id=me.id))
    elif situation == "hidden":
        profile.directory_visible = False
    elif situation == "suspended":
        person.is_suspended = True
    elif situation == "deleted":
        person.deleted_at = utcnow()
    if situation.startswith("contact"):
        db.session.add(Contact(owner_id=me.id, person_id=person.id, source=ContactSource.request))
    if situation.endswith("talked"):
        low, high = sorted((me.id, person.id))
        db.session.add(Conversation(user_low_id=low, user_high_id=high, event_id=event.id))
    db.session.commit()
    return person


@pytest.mark.parametrize(
    "phase", ["live", "after_read_only", "after_open", "closed", "suspended_me", "organizer"]
)
def test_messageable_gives_the_conversation_start_rules_answer(event, me, phase):
    today = date.today()
    if phase != "live" and phase not in ("suspended_me", "organizer"):
        event.starts_on = today - timedelta(days=5)
        event.ends_on = today - timedelta(days=4)
        event.network_open_days = 1 if phase == "closed" else None
        event.network_directory_read_only = phase == "after_read_only"
    viewer = me
    if phase == "organizer":
        viewer = factories.organizer(event, "Org Viewer")
    if phase == "suspended_me":
        db.session.add(MessagingSuspension(event_id=event.id, user_id=me.id))
    db.session.commit()
    people = [_person_in(event, situation, viewer) for situation in SITUATIONS]
    outsider = factories.participant(factories.event("Elsewhere"), "Out Sider")
    ids = [p.id for p in people] + [outsider.id, viewer.id]

    g.pop("_standings", None)
    expected = {
        person.id
        for person in [*people, outsider, viewer]
        if can(viewer, "conversation.start", (event, person))
    }
    g.pop("_standings", None)
    answer = mm.messageable(event, viewer, ids)

    assert answer == expected
    if phase in ("live", "after_open", "organizer"):
        assert len(expected) >= 5


def test_shown_suggestions_are_recorded_once(event, me):
    other = factories.participant(event, "Olivia Other", interests=["AI"])
    assert mm.record_shown(event, me, [other.id]) == 1
    assert mm.record_shown(event, me, [other.id]) == 0
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SuggestionShown)) == 1


def test_conversion_counts_only_count_what_followed_a_suggestion(event, me):
    talked = factories.participant(event, "Tom Talked", interests=["AI"])
    met = factories.participant(event, "Mo Met", interests=["AI"])
    before = factories.participant(event, "Bea Before", interests=["AI"])
    low, high = sorted((me.id, before.id))
    db.session.add(
        Conversation(
            user_low_id=low,
            user_high_id=high,
            event_id=event.id,
            created_at=utcnow() - timedelta(days=1),
        )
    )
    db.session.commit()
    mm.record_shown(event, me, [talked.id, met.id, before.id])
    db.session.commit()
    low, high = sorted((me.id, talked.id))
    db.session.add(Conversation(user_low_id=low, user_high_id=high, event_id=event.id))
    start = utcnow() + timedelta(days=30)
    db.session.add(
        Meeting(
            event_id=event.id,
            requester_id=met.id,
            invitee_id=me.id,
            starts_at=start,
            ends_at=start + timedelta(minutes=30),
        )
    )
    db.session.commit()

    assert mm.conversion_counts(event) == {
        "people": 1,
        "shown": 3,
        "pairs": 3,
        "conversations": 1,
        "meetings": 1,
        "contacts": 0,
    }


def test_candidates_are_bounded(event, me, monkeypatch):
    monkeypatch.setattr(mm, "CANDIDATES", 2)
    for n in range(4):
        factories.participant(event, f"Person {n}", interests=["AI"])
    me_data = mm._me(event, me)
    rows = db.session.execute(mm.candidate_query(event, me_data, limit=mm.CANDIDATES)).all()
    assert len(rows) == 2


def test_rarest_sessions_keep_the_least_bookmarked(event, me):
    popular = ph.session(event, "Popular")
    rare = ph.session(event, "Rare", "11:00", "11:45")
    for n in range(3):
        agenda.toggle_bookmark(factories.participant(event, f"Fan {n}"), popular, True)
    agenda.toggle_bookmark(me, popular, True)
    agenda.toggle_bookmark(me, rare, True)
    db.session.commit()
    assert mm.rarest_sessions({popular.id, rare.id}, keep=1) == {rare.id}
