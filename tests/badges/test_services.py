"""Badge data, designs, filters, single badges and samples (``services.badges``)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.enums import BadgeLayout, BadgeRole, RegistrationStatus, ScanOutcome
from conference.extensions import db
from conference.models import BadgeCode, BadgeDesign, BadgePrint, Registration
from conference.services import ServiceError, badges
from tests import factories
from tests.badges.helpers import pdf_text, qr_codes
from tests.factories import registration_of as _registration


class _Queries:
    def __init__(self):
        self.count = 0

    def __call__(self, *args, **kwargs):
        self.count += 1


def _count_queries(fn):
    counter = _Queries()
    engine = db.session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", counter)
    try:
        fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", counter)
    return counter.count


def test_badge_data_shows_name_company_role_ticket_and_live_code(event, speaker, organizer):
    speaker.profile.company = "Initech"
    speaker.profile.job_title = "CTO"
    db.session.commit()
    registration = _registration(event, speaker)

    (data,) = badges.badge_data(event, [registration])

    assert (data.name, data.company, data.job_title) == ("Sam Speaker", "Initech", "CTO")
    assert (data.role, data.ribbon, data.ticket_type) == (BadgeRole.speaker, "SPEAKER", "Standard")
    assert data.event_name == "Northwind Summit"
    assert data.registration_id == registration.id
    assert data.qr_payload == badges.live_code(registration).qr_payload
    assert data.design.layout == BadgeLayout.a6
    (organizer_data,) = badges.badge_data(event, [_registration(event, organizer)])
    assert (organizer_data.role, organizer_data.ribbon) == (BadgeRole.organizer, "ORGANIZER")


def test_badge_data_takes_the_same_few_queries_for_three_or_thirty_people(event):
    few = [_registration(event, factories.participant(event, f"Few {n}")).id for n in range(3)]
    many = [_registration(event, factories.participant(event, f"Many {n}")).id for n in range(30)]

    def fresh(ids):
        db.session.expire_all()
        loaded = db.session.scalars(sa.select(Registration).where(Registration.id.in_(ids)))
        return db.session.get(type(event), event.id), sorted(loaded, key=lambda r: r.id)

    args_few, args_many = fresh(few), None
    queries_few = _count_queries(lambda: badges.badge_data(*args_few))
    args_many = fresh(many)
    queries_many = _count_queries(lambda: badges.badge_data(*args_many))

    assert queries_many == queries_few
    assert queries_many <= 10
    issued = db.session.scalar(
        sa.select(sa.func.count()).select_from(BadgeCode).where(BadgeCode.event_id == event.id)
    )
    assert issued == 33


def test_design_for_prefers_role_then_ticket_type_then_default(event):
    vip = factories.ticket(event, "VIP")
    default = BadgeDesign(event_id=event.id, name="Default", layout=BadgeLayout.a6)
    by_ticket = BadgeDesign(
        event_id=event.id, name="VIP", layout=BadgeLayout.cr80, ticket_type_id=vip.id
    )
    by_role = BadgeDesign(
        event_id=event.id, name="Speakers", layout=BadgeLayout.a7, role=BadgeRole.speaker
    )
    designs = [default, by_ticket, by_role]

    assert badges.design_for(designs, vip.id, BadgeRole.speaker) is by_role
    assert badges.design_for(designs, vip.id, BadgeRole.attendee) is by_ticket
    assert badges.design_for(designs, None, BadgeRole.attendee) is default
    assert badges.design_for([by_ticket], None, BadgeRole.attendee) is None


def test_design_spec_completes_colours_and_drops_bad_ones(event):
    design = BadgeDesign(
        event_id=event.id,
        name="D",
        layout=BadgeLayout.label_4x3,
        colors={"speaker": "#112233", "attendee": "red;background:url(x)"},
        show_logo=True,
        show_company=False,
        show_job_title=True,
        show_ribbon=True,
        show_qr=True,
    )

    spec = badges.design_spec(design, None)

    assert spec.layout == BadgeLayout.label_4x3
    assert spec.colors == {**badges.PALETTE, "speaker": "#112233"}
    assert spec.show_company is False


def test_each_person_prints_with_their_design(event, speaker, attendee):
    db.session.add(
        BadgeDesign(
            event_id=event.id, name="Speakers", layout=BadgeLayout.a7, role=BadgeRole.speaker
        )
    )
    db.session.commit()

    data = badges.badge_data(
        event,
        [_registration(event, speaker), _registration(event, attendee)],
    )

    assert [d.design.layout for d in data] == [BadgeLayout.a7, BadgeLayout.a6]


def test_fingerprint_changes_with_what_the_badge_shows(event, attendee):
    registration = _registration(event, attendee)
    (before,) = badges.badge_data(event, [registration])
    attendee.profile.company = "Globex"
    db.session.commit()
    (after,) = badges.badge_data(event, [registration])
    (again,) = badges.badge_data(event, [registration])

    assert badges.fingerprint(before) != badges.fingerprint(after)
    assert badges.fingerprint(after) == badges.fingerprint(again)


def test_filter_round_trips_and_refuses_bad_values():
    flt = badges.BadgeFilter(
        ticket_type_ids=[3, 1],
        roles=[BadgeRole.speaker],
        statuses=[RegistrationStatus.approved, RegistrationStatus.pending],
        not_printed=True,
        query="  Ann  ",
    )

    again = badges.BadgeFilter.from_dict(flt.to_dict())

    assert again == badges.BadgeFilter(
        ticket_type_ids=[1, 3],
        roles=[BadgeRole.speaker],
        statuses=[RegistrationStatus.approved, RegistrationStatus.pending],
        not_printed=True,
        query="Ann",
    )
    assert badges.BadgeFilter.from_dict({}).statuses == [RegistrationStatus.approved]
    for bad, field in (
        ({"roles": ["king"]}, "roles"),
        ({"statuses": ["maybe"]}, "statuses"),
        ({"ticket_type_ids": ["x"]}, "ticket_type_ids"),
        ({"query": "x" * 201}, "query"),
    ):
        with pytest.raises(ServiceError) as error:
            badges.BadgeFilter.from_dict(bad)
        assert error.value.field == field


def _names(event, flt, sort="name"):
    rows = db.session.scalars(badges.matching_registrations(event, flt, sort)).all()
    return [r.user.display_name for r in rows]


def test_filters_by_status_ticket_type_role_and_text(
    event, attendee, speaker, sponsor_staff, checkin_staff, organizer, pending, other_participant
):
    factories.participant(event, "Vera Vip", ticket_type="VIP", company="Umbrella")
    everyone = badges.BadgeFilter()

    assert _names(event, everyone) == [
        "Anna Attendee",
        "Chris Checkin",
        "Olga Organizer",
        "Sam Speaker",
        "Sid Sponsor",
        "Vera Vip",
    ]
    assert badges.count_matching(event, everyone) == 6
    assert _names(event, badges.BadgeFilter(statuses=[RegistrationStatus.pending])) == [
        "Pat Pending"
    ]
    vip = factories.ticket(event, "VIP").id
    assert _names(event, badges.BadgeFilter(ticket_type_ids=[vip])) == ["Vera Vip"]
    assert _names(event, badges.BadgeFilter(roles=[BadgeRole.staff, BadgeRole.sponsor])) == [
        "Chris Checkin",
        "Sid Sponsor",
    ]
    assert _names(event, badges.BadgeFilter(roles=[BadgeRole.attendee])) == [
        "Anna Attendee",
        "Vera Vip",
    ]
    assert _names(event, badges.BadgeFilter(query="umbrella")) == ["Vera Vip"]
    assert _names(event, badges.BadgeFilter(query="100%_")) == []


def test_sort_by_company_puts_people_without_one_last(event):
    factories.participant(event, "Zed", company="Acme")
    factories.participant(event, "Amy", company="Zeta")
    factories.participant(event, "Bob")
    factories.participant(event, "Abe", company="acme")

    assert _names(event, badges.BadgeFilter(), "company") == ["Abe", "Zed", "Amy", "Bob"]
    with pytest.raises(ServiceError):
        badges.matching_registrations(event, badges.BadgeFilter(), "email")


def test_not_printed_and_changed_since_print(event, organizer, attendee, speaker, sponsor_staff):
    anna, sam, sid = (_registration(event, p) for p in (attendee, speaker, sponsor_staff))
    for registration in (anna, sam, sid):
        badges.registration_badge_pdf(registration, organizer, record_print=True)
    db.session.commit()
    not_printed = badges.BadgeFilter(not_printed=True)
    changed = badges.BadgeFilter(changed_since_print=True)
    assert _names(event, not_printed) == ["Olga Organizer"]
    assert _names(event, changed) == []

    speaker.profile.company = "New Co"  # what the badge shows changed
    badges.reissue(sid)  # a new code: the printed one no longer works
    db.session.commit()

    assert _names(event, changed) == ["Sam Speaker", "Sid Sponsor"]
    assert badges.count_matching(event, changed) == 2
    due = badges.BadgeFilter(not_printed=True, changed_since_print=True)
    assert _names(event, due) == ["Olga Organizer", "Sam Speaker", "Sid Sponsor"]

    badges.registration_badge_pdf(sam, organizer, record_print=True)
    db.session.commit()
    assert _names(event, changed) == ["Sid Sponsor"]


def test_registration_badge_pdf_records_a_print_and_scans(event, organizer, attendee):
    registration = _registration(event, attendee)

    pdf = badges.registration_badge_pdf(registration, organizer, record_print=True)
    db.session.commit()

    assert qr_codes(pdf) == [[badges.live_code(registration).qr_payload]]
    assert "Anna Attendee" in pdf_text(pdf)
    (record,) = badges.prints_of(registration)
    assert record.printed_by.id == organizer.id
    assert record.batch_id is None


def test_own_badge_download_is_not_a_print(event, attendee):
    registration = _registration(event, attendee)

    pdf = badges.registration_badge_pdf(registration, attendee, record_print=False)

    assert pdf.startswith(b"%PDF-")
    assert badges.prints_of(registration) == []


@pytest.mark.parametrize(
    ("who", "record"),
    [("attendee", True), ("speaker", False), ("outsider", False), ("other_participant", False)],
)
def test_registration_badge_pdf_refuses_people_who_may_not_print_it(
    request, event, attendee, who, record
):
    person = request.getfixturevalue(who)
    registration = _registration(event, attendee)

    with pytest.raises(ServiceError) as error:
        badges.registration_badge_pdf(registration, person, record_print=record)

    assert error.value.code == "forbidden"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BadgePrint)) == 0


def test_checkin_staff_prints_at_the_desk(event, checkin_staff, pending):
    registration = _registration(event, pending)

    pdf = badges.registration_badge_pdf(registration, checkin_staff, record_print=True)

    assert "Pat Pending" in pdf_text(pdf)
    assert len(badges.prints_of(registration)) == 1


def test_reissue_revokes_the_printed_code(event, organizer, attendee):
    registration = _registration(event, attendee)
    old = qr_codes(badges.registration_badge_pdf(registration, organizer))[0][0]

    badges.reissue(registration)
    db.session.commit()
    new = qr_codes(badges.registration_badge_pdf(registration, organizer))[0][0]

    assert new != old
    assert badges.resolve(event, old).outcome == ScanOutcome.revoked
    resolved = badges.resolve(event, new)
    assert (resolved.outcome, resolved.registration.id) == (ScanOutcome.ok, registration.id)


def test_sample_badges_are_the_events_longest_names_and_companies(event, attendee, speaker):
    factories.participant(event, "Bartholomew Fairweather-Montgomery", company="X")
    factories.participant(event, "Li", company="International Business Machines Corporation")
    design = BadgeDesign(event_id=event.id, name="D", layout=BadgeLayout.cr80, role=None)

    samples = badges.sample_badges(event, design)

    assert [s.name for s in samples] == [
        "Bartholomew Fairweather-Montgomery",
        "Anna Attendee",
        "Li",
    ]
    assert {s.design.layout for s in samples} == {BadgeLayout.cr80}
    assert {s.qr_payload for s in samples} == {badges.SAMPLE_PAYLOAD}
    assert {s.registration_id for s in samples} == {None}
    assert badges.resolve(event, badges.SAMPLE_PAYLOAD).outcome == ScanOutcome.unknown
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BadgeCode)) == 0


def test_sample_badges_are_made_up_in_three_scripts_for_an_empty_event(event):
    samples = badges.sample_badges(event, None)

    assert len(samples) == 3
    scripts = "".join(s.name for s in samples)
    assert any("a" <= c <= "z" for c in scripts)
    assert any("а" <= c <= "я" for c in scripts)  # noqa: RUF001 (Cyrillic on purpose)
    assert any("\u4e00" <= c <= "\u9fff" for c in scripts)
