"""The demo event's sponsors from ``flask seed-demo``: tiers whose entitlements differ,
dressed booths, staff (listed in the README) who log in to their sponsor, and leads that
each rest on a consent record the person gave."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from conference.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_SLUG
from conference.enums import (
    ActivityKind,
    ConsentRequestStatus,
    EventRoleKind,
    LeadSource,
    RegistrationStatus,
)
from conference.extensions import db
from conference.models import (
    Activity,
    BadgeCode,
    BoothMaterial,
    Event,
    EventRole,
    Lead,
    LeadAnswer,
    LeadConsentRequest,
    LeadExport,
    ProgramSession,
    Registration,
    Sponsor,
    SponsorMember,
    SponsorPackage,
    SponsorQuestion,
    User,
)
from conference.permissions import can
from conference.services import booths, leads
from conference.services.program import utc_to_local
from conference.services.sponsors import sponsors_by_tier

README = Path(__file__).resolve().parents[1] / "README.md"


def seeded(app, participants: int = 60):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--participants", str(participants)])
    assert result.exit_code == 0, result.output
    return db.session.scalar(sa.select(Event).where(Event.slug == DEMO_SLUG))


def user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def registration(event: Event, user_id: int) -> Registration:
    return db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event.id, Registration.user_id == user_id
        )
    )


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_seed_demo_gives_berlin_sponsors_in_four_tiers_with_booths_and_staff(app):
    berlin = seeded(app)

    tiers = sponsors_by_tier(berlin)
    assert [(package.name, [s.name for s in group]) for package, group in tiers] == [
        ("Platinum", ["Fabrikam Payments"]),
        ("Gold", ["Adatum AI", "Tailspin Cloud"]),
        ("Silver", ["Proseware Data"]),
        ("Startup", ["Nimbus Labs"]),
    ]
    packages = [package for package, _group in tiers]
    assert [(p.lead_retrieval, p.lead_export, p.logo_on_badges) for p in packages] == [
        (True, True, True),
        (True, True, True),
        (True, False, False),
        (False, False, False),
    ]
    assert [p.meeting_request_quota for p in packages] == [None, 30, 10, 3]
    assert len({p.price_text for p in packages}) == 4

    for _package, group in tiers:
        for sponsor in group:
            assert booths.logo_png(sponsor).startswith(b"\x89PNG")
            assert sponsor.tagline and sponsor.description and sponsor.booth_location
            assert all(link["url"].startswith("https://") for link in sponsor.links)
            assert count(BoothMaterial, BoothMaterial.sponsor_id == sponsor.id) >= 1
            members = sponsor.members
            assert 1 <= len(members) <= sponsor.package.staff_seats
            assert [m.is_admin for m in members].count(True) == 1
            for member in members:
                reg = registration(berlin, member.user_id)
                assert reg.status == RegistrationStatus.approved
                assert count(BadgeCode, BadgeCode.registration_id == reg.id) == 1
                assert count(
                    EventRole,
                    EventRole.event_id == berlin.id,
                    EventRole.user_id == member.user_id,
                    EventRole.role == EventRoleKind.sponsor_staff,
                )
            sponsored = count(ProgramSession, ProgramSession.sponsor_id == sponsor.id)
            assert sponsored <= sponsor.package.sponsored_sessions
    assert count(ProgramSession, ProgramSession.sponsor_id.is_not(None)) >= 1
    fabrikam = tiers[0][1][0]
    assert count(SponsorQuestion, SponsorQuestion.sponsor_id == fabrikam.id) == 3
    assert any(m.requires_consent for m in booths.materials_of(fabrikam))


def test_seed_demo_leads_each_rest_on_the_persons_consent(app):
    berlin = seeded(app)
    question = leads.scan_consent_question(berlin)

    crowd = db.session.scalars(
        sa.select(Registration)
        .join(User, User.id == Registration.user_id)
        .where(Registration.event_id == berlin.id, User.email.like("person%@demo.test"))
    ).all()
    assert {r.sponsor_scan_consent_text for r in crowd} == {question}
    assert all(r.sponsor_scan_consent_at is not None for r in crowd)
    agreed = sum(r.sponsor_scan_consent for r in crowd) / len(crowd)
    assert 0.25 <= agreed <= 0.55
    assert any(r.sponsor_offers for r in crowd)

    all_leads = db.session.scalars(sa.select(Lead).where(Lead.event_id == berlin.id)).all()
    assert {lead.source for lead in all_leads} == {
        LeadSource.scan,
        LeadSource.scan_request,
        LeadSource.booth,
        LeadSource.material,
    }
    for lead in all_leads:
        reg = registration(berlin, lead.user_id)
        assert reg.status == RegistrationStatus.approved
        assert lead.consent_text and lead.consented_at <= lead.created_at
        if lead.source == LeadSource.scan:
            assert reg.sponsor_scan_consent is True
            assert lead.consent_text == reg.sponsor_scan_consent_text == question
            assert lead.consented_at == reg.sponsor_scan_consent_at
            assert lead.captured_by_id in {m.user_id for m in lead.sponsor.members}
        else:
            assert lead.consent_text == leads.share_text(lead.sponsor)
        if lead.source == LeadSource.scan_request:
            request = db.session.scalar(
                sa.select(LeadConsentRequest).where(
                    LeadConsentRequest.sponsor_id == lead.sponsor_id,
                    LeadConsentRequest.user_id == lead.user_id,
                )
            )
            assert request.status == ConsentRequestStatus.accepted
            assert request.created_at <= request.answered_at == lead.consented_at

    nimbus = db.session.scalar(sa.select(Sponsor).where(Sponsor.name == "Nimbus Labs"))
    assert count(Lead, Lead.sponsor_id == nimbus.id) == 0
    withdrawn = [lead for lead in all_leads if lead.withdrawn_at is not None]
    assert len(withdrawn) == 1
    gone = withdrawn[0]
    assert (gone.rating, gone.notes, gone.tags) == (None, "", [])
    assert count(LeadAnswer, LeadAnswer.lead_id == gone.id) == 0
    assert (
        gone.id
        not in db.session.scalars(leads.active_leads(gone.sponsor).with_only_columns(Lead.id)).all()
    )
    rated = [lead for lead in all_leads if lead.rating is not None]
    assert len(rated) >= len(all_leads) // 2
    assert count(LeadAnswer) > 0


def test_seed_demo_attendee_has_two_requests_to_answer_and_shares_with_one_sponsor(app):
    berlin = seeded(app)
    attendee = user("attendee@demo.test")

    mine = registration(berlin, attendee.id)
    assert (mine.sponsor_scan_consent, mine.sponsor_offers) == (False, True)
    assert mine.sponsor_scan_consent_at is not None
    assert sorted(r.sponsor.name for r in leads.pending_requests(attendee, berlin)) == [
        "Fabrikam Payments",
        "Tailspin Cloud",
    ]
    assert [(lead.sponsor.name, lead.source) for lead in leads.holders(attendee)] == [
        ("Adatum AI", LeadSource.booth)
    ]


def test_seed_demo_counts_booth_visits_and_records_lead_exports(app):
    berlin = seeded(app)

    visits = db.session.execute(
        sa.select(Activity.user_id, Activity.sponsor_id, Activity.created_at).where(
            Activity.event_id == berlin.id, Activity.kind == ActivityKind.booth_visit
        )
    ).all()
    per_day = Counter(
        (user_id, sponsor_id, utc_to_local(berlin, at).date()) for user_id, sponsor_id, at in visits
    )
    assert len(visits) > 0 and max(per_day.values()) == 1
    staff_ids = set(db.session.scalars(sa.select(SponsorMember.user_id)))
    assert not staff_ids & {user_id for user_id, _s, _at in visits}
    assert {sponsor_id for _u, sponsor_id, _at in visits} == set(
        db.session.scalars(sa.select(Sponsor.id).where(Sponsor.event_id == berlin.id))
    )
    assert count(
        Activity, Activity.event_id == berlin.id, Activity.kind == ActivityKind.booth_download
    )
    shared = db.session.execute(
        sa.select(Activity.created_at, Lead.created_at)
        .join(
            Lead,
            sa.and_(Lead.user_id == Activity.user_id, Lead.sponsor_id == Activity.sponsor_id),
        )
        .where(Activity.event_id == berlin.id, Activity.kind == ActivityKind.lead_shared)
    ).all()
    assert shared and all(activity_at == lead_at for activity_at, lead_at in shared)

    exports = db.session.scalars(
        sa.select(LeadExport).where(LeadExport.event_id == berlin.id).order_by(LeadExport.id)
    ).all()
    exporters = [db.session.get(Sponsor, e.sponsor_id) for e in exports]
    assert [(s.name, e.format.value) for s, e in zip(exporters, exports, strict=True)] == [
        ("Tailspin Cloud", "xlsx"),
        ("Fabrikam Payments", "csv"),
    ]
    for sponsor, export in zip(exporters, exports, strict=True):
        assert sponsor.package.lead_export
        assert can(export.exported_by, "leads.export", sponsor)
        assert export.row_count == count(
            Lead, Lead.sponsor_id == sponsor.id, Lead.created_at <= export.created_at
        )


def test_readme_lists_every_demo_account_and_sponsor_staff_log_in_to_their_sponsor(
    app, client, login
):
    berlin = seeded(app)
    listed = re.findall(r"^\| `([a-z0-9-]+@demo\.test)` \|", README.read_text(), re.MULTILINE)

    assert sorted(listed) == sorted(account.email for account in DEMO_ACCOUNTS)
    members = db.session.scalars(
        sa.select(SponsorMember).where(SponsorMember.event_id == berlin.id)
    ).all()
    assert {m.user.email for m in members} <= set(listed)
    assert len(members) == 7
    for member in members:
        login(member.user, DEMO_PASSWORD)
        assert can(member.user, "sponsor.workspace", member.sponsor)
        assert can(member.user, "sponsor.team", member.sponsor) is member.is_admin
        assert (
            can(member.user, "leads.scan", member.sponsor) is member.sponsor.package.lead_retrieval
        )
        client.post("/logout")


def test_seed_demo_writes_sponsors_once_and_adds_them_to_an_older_demo(app):
    seeded(app)
    models = (SponsorPackage, Sponsor, SponsorMember, Lead, LeadConsentRequest, BoothMaterial)
    first = [count(model) for model in models]
    roles = count(EventRole)
    seeded(app)
    assert [count(model) for model in models] == first
    assert count(EventRole) == roles

    for model in (
        LeadAnswer,
        LeadExport,
        LeadConsentRequest,
        Lead,
        SponsorQuestion,
        BoothMaterial,
        SponsorMember,
        Sponsor,
        SponsorPackage,
    ):
        db.session.execute(sa.delete(model))
    db.session.commit()
    seeded(app)

    assert [count(model) for model in models[:3]] == first[:3] == [4, 5, 7]
    assert count(Lead) > 0
    assert count(EventRole) == roles
