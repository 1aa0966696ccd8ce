"""The booth rules: visits, booth edits, logo and material files, the consent prompt of
materials, and the one sponsored announcement."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from conference.enums import ActivityKind, LeadSource
from conference.extensions import db
from conference.models import Activity, Mailing, MailingRecipient
from conference.models.types import utcnow
from conference.services import ServiceError, booths, leads, materials
from tests import factories
from tests.services.test_materials import pdf_bytes


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (400, 100), (10, 120, 200, 255)).save(out, "PNG")
    return out.getvalue()


def visit_rows(sponsor) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Activity.user_id).where(
                Activity.sponsor_id == sponsor.id, Activity.kind == ActivityKind.booth_visit
            )
        )
    )


# --- visits ---------------------------------------------------------------------------------


def test_record_visit_counts_once_per_day(app, sponsor, attendee):
    assert booths.record_visit(attendee, sponsor) is True
    assert booths.record_visit(attendee, sponsor) is False
    assert visit_rows(sponsor) == [attendee.id]


def test_record_visit_counts_again_on_another_day(app, sponsor, attendee):
    booths.record_visit(attendee, sponsor)
    db.session.scalar(sa.select(Activity)).created_at = utcnow() - timedelta(days=2)
    db.session.flush()
    assert booths.record_visit(attendee, sponsor) is True
    assert visit_rows(sponsor) == [attendee.id, attendee.id]


def test_record_visit_skips_own_staff_and_organizers_but_counts_rival_staff(
    app, sponsor, sponsor_staff, organizer, rival_staff
):
    assert booths.record_visit(sponsor_staff, sponsor) is False
    assert booths.record_visit(organizer, sponsor) is False
    assert booths.record_visit(rival_staff, sponsor) is True
    assert visit_rows(sponsor) == [rival_staff.id]


# --- editing the booth -------------------------------------------------------------------------


def test_update_booth_cleans_values(app, sponsor, sponsor_staff):
    values = booths.BoothValues(
        tagline="  Payments   for Europe ",
        description="**Hi**",
        website="acme.example",
        booth_location="Hall B",
        contact_email="Hello@Acme.example",
        links=(("", ""), ("", "https://acme.example/jobs"), ("Blog", "blog.acme.example")),
    )
    booths.update_booth(sponsor_staff, sponsor, values)
    assert sponsor.tagline == "Payments for Europe"
    assert sponsor.website == "https://acme.example"
    assert sponsor.contact_email == "Hello@acme.example"
    assert sponsor.links == [
        {"label": "acme.example", "url": "https://acme.example/jobs"},
        {"label": "Blog", "url": "https://blog.acme.example"},
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"website": "ftp://acme.example"}, "website"),
        ({"contact_email": "not an address"}, "contact_email"),
        ({"links": (("Evil", "javascript:alert(1)"),)}, "links"),
        ({"links": tuple(("x", f"https://a.example/{i}") for i in range(7))}, "links"),
        ({"tagline": "x" * 201}, "tagline"),
    ],
)
def test_update_booth_refuses_bad_values_and_changes_nothing(
    app, sponsor, sponsor_staff, changes, field
):
    with pytest.raises(ServiceError) as refused:
        booths.update_booth(sponsor_staff, sponsor, booths.BoothValues(**changes))
    assert refused.value.field == field
    assert sponsor.tagline == "Acme Corp makes things"


def test_update_booth_refused_to_staff_who_are_not_admins(app, event, sponsor):
    member = factories.participant(event, name="Nina Member", roles=["sponsor_staff"])
    factories.sponsor_member(sponsor, member)
    with pytest.raises(ServiceError) as refused:
        booths.update_booth(member, sponsor, booths.BoothValues(tagline="Mine"))
    assert refused.value.code == "forbidden"


def test_replacing_the_logo_removes_the_old_file_after_commit(app, sponsor, sponsor_staff):
    booths.set_logo(sponsor_staff, sponsor, png_bytes())
    db.session.commit()
    first = booths.logo_path(sponsor)
    booths.set_logo(sponsor_staff, sponsor, png_bytes())
    assert first.is_file()
    db.session.commit()
    assert not first.is_file()
    assert booths.logo_png(sponsor).startswith(b"\x89PNG")


def test_logo_written_then_rolled_back_leaves_no_file(app, sponsor, sponsor_staff):
    booths.set_logo(sponsor_staff, sponsor, png_bytes())
    path = booths.logo_path(sponsor)
    db.session.rollback()
    assert not path.is_file()


# --- materials --------------------------------------------------------------------------------


def test_deleting_a_material_removes_its_file_after_commit(app, sponsor, sponsor_staff):
    material = booths.add_file(
        sponsor_staff, sponsor, title=None, filename="deck.pdf", data=pdf_bytes()
    )
    db.session.commit()
    path = materials.material_path(material)
    assert (material.title, material.content_type) == ("deck.pdf", "application/pdf")
    booths.delete_material(sponsor_staff, material)
    assert path.is_file()
    db.session.commit()
    assert not path.is_file()


def test_add_file_refuses_an_executable(app, sponsor, sponsor_staff):
    with pytest.raises(ServiceError) as refused:
        booths.add_file(sponsor_staff, sponsor, title="x", filename="x.pdf", data=b"MZ" + bytes(99))
    assert refused.value.code == "file_type"
    assert booths.materials_of(sponsor) == []


def test_take_material_without_sharing_makes_no_lead(app, sponsor, sponsor_staff, attendee):
    material = booths.add_link(sponsor_staff, sponsor, title="Video", url="https://a.example")
    assert booths.take_material(attendee, material, share=False, shown=None) is None
    assert leads.lead_of(sponsor, attendee) is None


def test_take_gated_material_requires_sharing(app, sponsor, sponsor_staff, attendee):
    material = booths.add_link(
        sponsor_staff, sponsor, title="Pricing", url="https://a.example", requires_consent=True
    )
    with pytest.raises(ServiceError) as refused:
        booths.take_material(attendee, material, share=False, shown=None)
    assert refused.value.code == "consent_required"
    lead = booths.take_material(attendee, material, share=True, shown=leads.share_text(sponsor))
    assert (lead.source, lead.consent_text) == (LeadSource.material, leads.share_text(sponsor))
    assert booths.take_material(attendee, material, share=False, shown=None) is None


def test_take_material_with_changed_text_is_refused(app, sponsor, sponsor_staff, attendee):
    material = booths.add_link(sponsor_staff, sponsor, title="Video", url="https://a.example")
    with pytest.raises(ServiceError) as refused:
        booths.take_material(attendee, material, share=True, shown="older words")
    assert refused.value.code == "consent_changed"
    assert leads.lead_of(sponsor, attendee) is None


# --- the announcement -------------------------------------------------------------------------


def test_announcement_goes_to_approved_participants_who_accept_offers(
    app, event, sponsor, sponsor_staff, attendee
):
    factories.registration_of(event, attendee).sponsor_offers = True
    opted_out = factories.participant(event, name="Una Unsubscribed")
    reg = factories.registration_of(event, opted_out)
    reg.sponsor_offers, reg.announcements_opt_out = True, True
    pending = factories.participant(event, name="Pia Pending", status="pending")
    factories.registration_of(event, pending).sponsor_offers = True
    factories.participant(event, name="Nora NoOffers")
    mailing = booths.send_announcement(sponsor_staff, sponsor, "Hello", "Hi *there*")
    recipients = db.session.scalars(
        sa.select(MailingRecipient.user_id).where(MailingRecipient.mailing_id == mailing.id)
    )
    assert list(recipients) == [attendee.id]
    assert mailing.sponsor_id == sponsor.id
    assert sponsor.announcement_sent_at is not None


def test_announcement_claimed_elsewhere_is_refused(app, event, sponsor, sponsor_staff, attendee):
    factories.registration_of(event, attendee).sponsor_offers = True
    db.session.commit()
    # Another admin's request claimed it after this one loaded the sponsor.
    db.session.execute(
        sa.text("UPDATE sponsors SET announcement_sent_at = :now WHERE id = :id"),
        {"now": utcnow(), "id": sponsor.id},
    )
    with pytest.raises(ServiceError) as refused:
        booths.send_announcement(sponsor_staff, sponsor, "Hello", "Hi")
    assert refused.value.code == "already_sent"
    assert db.session.scalar(sa.select(Mailing)) is None


def test_announcement_refused_without_entitlement(app, event, sponsor, sponsor_staff, attendee):
    factories.registration_of(event, attendee).sponsor_offers = True
    sponsor.package.sponsored_announcement = False
    with pytest.raises(ServiceError) as refused:
        booths.send_announcement(sponsor_staff, sponsor, "Hello", "Hi")
    assert refused.value.code == "forbidden"
    assert sponsor.announcement_sent_at is None
