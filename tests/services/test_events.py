"""Rules of conference.services.events: creating events, taxonomy, ticket types,
the team's roles and invitation codes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from conference.enums import EventRoleKind, EventVisibility, RegistrationStatus, TaxonomyKind
from conference.extensions import db
from conference.models import EventRole, Registration
from conference.services import ServiceError
from conference.services import events as service
from tests import factories


def fields(**overrides) -> dict:
    values = {
        "name": "Harbour Forum",
        "slug": "harbour-forum",
        "description": "A day by the sea.",
        "organizer_text": "",
        "contact_email": "hello@harbour.test",
        "starts_on": date(2031, 5, 6),
        "ends_on": date(2031, 5, 7),
        "timezone": "Europe/Lisbon",
        "venue": "Pier 4",
        "city": "Lisbon",
        "country": "Portugal",
        "visibility": "public",
        "registration_open": True,
        "approval_required": False,
        "network_open_days": None,
    }
    values.update(overrides)
    return values


def test_create_event_with_suggested_lists_creates_default_taxonomy():
    creator = factories.user("Carla Creator")
    event = service.create_event(creator, **fields())
    for kind in TaxonomyKind:
        names = [t.name for t in service.terms_of(event, kind)]
        assert names == [str(n) for n in service.DEFAULT_TAXONOMY[kind]]
        assert [t.position for t in service.terms_of(event, kind)] == list(range(len(names)))
    assert [t.name for t in event.ticket_types] == ["Standard", "VIP"]


def test_create_event_without_suggested_lists_has_empty_lists():
    event = service.create_event(factories.user(), suggested_lists=False, **fields())
    assert event.terms == []
    assert event.ticket_types == []


def test_create_event_makes_creator_organizer_and_approved_participant():
    creator = factories.user("Carla Creator", company="Harbour Ltd")
    event = service.create_event(creator, **fields())
    roles = db.session.scalars(sa.select(EventRole.role).where(EventRole.event_id == event.id))
    assert list(roles) == [EventRoleKind.organizer]
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.event_id == event.id)
    )
    assert registration.user_id == creator.id
    assert registration.status == RegistrationStatus.approved
    assert registration.sort_name == "carla creator"
    assert registration.search_text == "carla creator harbour ltd"
    assert event.created_by_id == creator.id
    assert event.visibility == EventVisibility.public


def test_create_event_taken_slug_refused():
    factories.event(slug="harbour-forum")
    with pytest.raises(ServiceError) as exc:
        service.create_event(factories.user(), **fields())
    assert (exc.value.code, exc.value.field) == ("slug_taken", "slug")


@pytest.mark.parametrize(
    "slug", ["ab", "under_score", "double--dash", "-lead", "trail-", "sp ace", "x" * 65]
)
def test_create_event_malformed_slug_refused(slug):
    with pytest.raises(ServiceError) as exc:
        service.create_event(factories.user(), **fields(slug=slug))
    assert (exc.value.code, exc.value.field) == ("slug_invalid", "slug")


def test_create_event_empty_slug_suggested_from_name():
    factories.event(slug="harbour-forum")
    event = service.create_event(factories.user(), **fields(slug=""))
    assert event.slug == "harbour-forum-2"


def test_suggest_slug_name_without_latin_letters_gets_neutral_slug():
    assert service.suggest_slug("東京サミット") == f"event-{date.today().year}"
    assert service.suggest_slug("Ünïcode Summit 2031") == "unicode-summit-2031"


def test_create_event_end_before_start_refused():
    with pytest.raises(ServiceError) as exc:
        service.create_event(
            factories.user(), **fields(starts_on=date(2031, 5, 7), ends_on=date(2031, 5, 6))
        )
    assert (exc.value.code, exc.value.field) == ("dates_reversed", "ends_on")


def test_create_event_unknown_timezone_refused():
    with pytest.raises(ServiceError) as exc:
        service.create_event(factories.user(), **fields(timezone="Mars/Olympus"))
    assert (exc.value.code, exc.value.field) == ("timezone_unknown", "timezone")


def test_update_event_slug_of_other_event_refused(event, other_event):
    with pytest.raises(ServiceError) as exc:
        service.update_event(event, slug=other_event.slug)
    assert exc.value.code == "slug_taken"


def test_update_event_own_slug_kept(event):
    service.update_event(event, slug=event.slug, name="Northwind Summit 2031")
    assert (event.slug, event.name) == ("northwind", "Northwind Summit 2031")


def test_add_term_same_name_other_case_refused(event):
    with pytest.raises(ServiceError) as exc:
        service.add_term(event, TaxonomyKind.industry, "finance")
    assert (exc.value.code, exc.value.field) == ("term_name_taken", "name")


def test_add_term_same_name_in_other_kind_allowed(event):
    term = service.add_term(event, TaxonomyKind.topic, "Finance")
    assert [t.name for t in service.terms_of(event, TaxonomyKind.topic)] == [
        "AI",
        "Payments",
        "Security",
        "Finance",
    ]
    assert term.position == 3


def test_rename_term_to_taken_name_refused(event):
    term = factories.term(event, "region", "EMEA")
    with pytest.raises(ServiceError) as exc:
        service.rename_term(term, "APAC")
    assert exc.value.code == "term_name_taken"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Founder", ["CTO", "Founder", "Engineer"]),
        ("CTO", ["CTO", "Engineer", "Founder"]),
    ],
    ids=["swaps_with_neighbour", "at_top_stays"],
)
def test_move_term_up(event, name, expected):
    term = factories.term(event, "job_role", name)
    service.move_term(term, -1)
    assert [t.name for t in service.terms_of(event, TaxonomyKind.job_role)] == expected


def test_delete_term_in_use_needs_confirmation(event, attendee):
    term = factories.term(event, "industry", "Software")
    with pytest.raises(ServiceError) as exc:
        service.delete_term(term)
    assert exc.value.code == "term_in_use"
    assert service.term_usage(term) == 1


def test_delete_term_confirmed_clears_it_from_registrations(event, attendee):
    industry = factories.term(event, "industry", "Software")
    topic = factories.term(event, "topic", "AI")
    service.delete_term(industry, confirmed=True)
    service.delete_term(topic, confirmed=True)
    db.session.commit()
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.user_id == attendee.id)
    )
    assert registration.industry_id is None
    assert registration.interests == []
    assert [t.name for t in service.terms_of(event, TaxonomyKind.industry)] == [
        "Finance",
        "Healthcare",
    ]


def test_term_usages_counts_each_kind(event, attendee, speaker):
    usage = service.term_usages(event)
    assert usage[factories.term(event, "industry", "Software").id] == 2
    assert usage[factories.term(event, "topic", "AI").id] == 2
    assert factories.term(event, "industry", "Finance").id not in usage


def test_delete_ticket_type_in_use_refused(event, attendee):
    with pytest.raises(ServiceError) as exc:
        service.delete_ticket_type(factories.ticket(event, "Standard"))
    assert exc.value.code == "ticket_type_in_use"


def test_delete_ticket_type_unused_renumbers(event):
    service.add_ticket_type(event, "Student", "Bring your card", 50)
    service.delete_ticket_type(factories.ticket(event, "VIP"))
    assert [(t.name, t.position) for t in event.ticket_types] == [
        ("Standard", 0),
        ("Student", 1),
    ]


def test_delete_ticket_type_deletes_its_badge_design_but_not_the_default(event):
    from conference.models import BadgeDesign

    vip = factories.ticket(event, "VIP")
    db.session.add_all(
        [
            BadgeDesign(event_id=event.id, name="Default"),
            BadgeDesign(event_id=event.id, name="VIP gold", ticket_type_id=vip.id),
        ]
    )
    db.session.flush()
    service.delete_ticket_type(vip)
    db.session.commit()
    left = db.session.scalars(sa.select(BadgeDesign.name).where(BadgeDesign.event_id == event.id))
    assert list(left) == ["Default"]


def test_add_ticket_type_duplicate_name_refused(event):
    with pytest.raises(ServiceError) as exc:
        service.add_ticket_type(event, "vip")
    assert (exc.value.code, exc.value.field) == ("ticket_name_taken", "name")


def test_update_ticket_type_zero_capacity_refused(event):
    with pytest.raises(ServiceError) as exc:
        service.update_ticket_type(factories.ticket(event, "VIP"), "VIP", "", 0)
    assert (exc.value.code, exc.value.field) == ("capacity_invalid", "capacity")


def test_move_ticket_type_down(event):
    service.move_ticket_type(factories.ticket(event, "Standard"), 1)
    assert [t.name for t in event.ticket_types] == ["VIP", "Standard"]


def test_grant_role_unknown_email_refused(event):
    with pytest.raises(ServiceError) as exc:
        service.grant_role(event, "nobody@example.test", EventRoleKind.speaker)
    assert (exc.value.code, exc.value.field) == ("no_such_account", "email")


def test_grant_role_twice_refused(event, speaker):
    with pytest.raises(ServiceError) as exc:
        service.grant_role(event, speaker.email.upper(), EventRoleKind.speaker)
    assert exc.value.code == "role_exists"


def test_grant_role_by_email_any_case(event, outsider):
    role = service.grant_role(event, f"  {outsider.email.upper()} ", EventRoleKind.moderator)
    assert (role.user_id, role.role) == (outsider.id, EventRoleKind.moderator)


def test_revoke_role_last_organizer_refused(event, organizer):
    role = db.session.scalar(sa.select(EventRole).where(EventRole.user_id == organizer.id))
    with pytest.raises(ServiceError) as exc:
        service.revoke_role(role)
    assert exc.value.code == "last_organizer"


def test_revoke_role_organizer_with_another_left(event, organizer, outsider):
    service.grant_role(event, outsider.email, EventRoleKind.organizer)
    role = db.session.scalar(sa.select(EventRole).where(EventRole.user_id == organizer.id))
    service.revoke_role(role)
    remaining = db.session.scalars(
        sa.select(EventRole.user_id).where(
            EventRole.event_id == event.id, EventRole.role == EventRoleKind.organizer
        )
    )
    assert list(remaining) == [outsider.id]


def test_create_invitation_code_uses_unambiguous_alphabet(event):
    codes = [service.create_invitation_code(event).code for _ in range(30)]
    assert {len(code) for code in codes} == {service.CODE_LENGTH}
    assert set("".join(codes)) <= set(service.CODE_ALPHABET)
    assert set(service.CODE_ALPHABET) & set("0O1IL") == set()
    assert len(set(codes)) == 30


def test_create_invitation_code_zero_max_uses_refused(event):
    with pytest.raises(ServiceError) as exc:
        service.create_invitation_code(event, "x", 0)
    assert (exc.value.code, exc.value.field) == ("max_uses_invalid", "max_uses")


def test_revoke_invitation_code_keeps_first_revocation_time(event):
    code = service.create_invitation_code(event)
    service.revoke_invitation_code(code)
    first = code.revoked_at
    service.revoke_invitation_code(code)
    assert first is not None
    assert code.revoked_at == first


def test_invitation_codes_newest_first(event, other_event):
    older = service.create_invitation_code(event, "older")
    newer = service.create_invitation_code(event, "newer")
    service.create_invitation_code(other_event, "elsewhere")
    assert service.invitation_codes(event) == [newer, older]


def test_my_events_lists_registrations_and_roles(event, other_event, attendee):
    service.grant_role(other_event, attendee.email, EventRoleKind.speaker)
    mine = service.my_events(attendee)
    assert [(m.event.slug, m.status, m.roles) for m in mine] == [
        ("northwind", RegistrationStatus.approved, ()),
        ("other-conf", None, (EventRoleKind.speaker,)),
    ]


def test_upcoming_public_events_leaves_out_invitation_only_and_past(event):
    factories.event(slug="secret", visibility=EventVisibility.invitation)
    factories.event(slug="over", starts_on=date(2020, 1, 1), ends_on=date(2020, 1, 2))
    assert [e.slug for e in service.upcoming_public_events()] == ["northwind"]


def test_event_stats_counts_by_status_and_ticket(event, attendee, pending, organizer):
    factories.participant(event, "Dee Declined", status="declined", ticket_type="VIP")
    stats = service.event_stats(event)
    assert stats.by_status == {
        RegistrationStatus.pending: 1,
        RegistrationStatus.approved: 2,
        RegistrationStatus.declined: 1,
        RegistrationStatus.cancelled: 0,
    }
    assert [(t.name if t else None, n) for t, n in stats.by_ticket_type] == [
        ("Standard", 3),
        ("VIP", 0),
    ]
    assert (stats.team, stats.total) == (1, 4)


@pytest.mark.parametrize(
    ("now", "phase"),
    [
        (datetime(2031, 5, 5, 21, 59, tzinfo=UTC), "upcoming"),
        (datetime(2031, 5, 5, 22, 0, tzinfo=UTC), "ongoing"),
        (datetime(2031, 5, 7, 21, 59, tzinfo=UTC), "ongoing"),
        (datetime(2031, 5, 7, 22, 0, tzinfo=UTC), "past"),
    ],
)
def test_event_phase_follows_event_time_zone(now, phase):
    event = factories.event(
        starts_on=date(2031, 5, 6), ends_on=date(2031, 5, 7), timezone="Europe/Berlin"
    )
    assert service.event_phase(event, now) == phase
