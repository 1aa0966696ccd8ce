"""Booths over HTTP: who opens each page, visits, sharing from the booth, materials behind
their consent prompt, the logo, the booth editor and the sponsored announcement."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from conference import jobs
from conference.enums import ActivityKind, LeadSource
from conference.extensions import db
from conference.models import Activity, BoothMaterial, Lead, Mailing, SponsorPackage
from conference.services import booths, leads
from tests import factories
from tests.services.test_materials import pdf_bytes

PARTICIPANTS_PAGE = "visible to registered participants only"
WHO = [
    "anonymous",
    "outsider",
    "other_participant",
    "attendee",
    "rival_staff",
    "sponsor_staff",
    "organizer",
]
PARTICIPANTS = {"attendee", "rival_staff", "sponsor_staff", "organizer"}
BOOTH_ADMINS = {"sponsor_staff", "organizer"}


#: One PDF for the whole module: Pillow stamps each PDF with the second it was made, so
#: two made a second apart differ.
PDF = pdf_bytes()


def png_bytes(size=(300, 120)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def brochure(sponsor, sponsor_staff) -> BoothMaterial:
    material = booths.add_file(
        sponsor_staff, sponsor, title="Brochure", filename="brochure.pdf", data=PDF
    )
    db.session.commit()
    return material


@pytest.fixture
def gated(sponsor, sponsor_staff) -> BoothMaterial:
    material = booths.add_link(
        sponsor_staff,
        sponsor,
        title="Pricing sheet",
        url="https://acme.example/pricing",
        requires_consent=True,
    )
    db.session.commit()
    return material


def fetch(response):
    """The response with its body read and its file closed."""
    response.get_data()
    response.close()
    return response


def base(event, sponsor) -> str:
    return f"/e/{event.slug}/sponsors/{sponsor.id}"


def visits(sponsor) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Activity)
        .where(Activity.sponsor_id == sponsor.id, Activity.kind == ActivityKind.booth_visit)
    )


def lead_of(sponsor, person) -> Lead | None:
    return leads.lead_of(sponsor, person)


def expect_participant_page(response, identity):
    if identity in PARTICIPANTS:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert PARTICIPANTS_PAGE in response.get_data(as_text=True)


def expect_admin_page(response, identity):
    if identity == "anonymous":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    elif identity in BOOTH_ADMINS:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


# --- who opens what -----------------------------------------------------------------------


@pytest.mark.parametrize("identity", WHO)
def test_sponsors_page_is_for_participants(client, as_identity, event, sponsor, identity):
    as_identity(identity)
    response = client.get(f"/e/{event.slug}/sponsors/")
    expect_participant_page(response, identity)
    if response.status_code == 200:
        assert "Acme Corp" in response.get_data(as_text=True)


@pytest.mark.parametrize("identity", WHO)
def test_booth_is_for_participants(client, as_identity, event, sponsor, identity):
    as_identity(identity)
    response = client.get(base(event, sponsor))
    expect_participant_page(response, identity)
    if response.status_code != 200:
        assert "Acme Corp makes things" not in response.get_data(as_text=True)


@pytest.mark.parametrize("identity", WHO)
def test_material_prompt_is_for_participants(
    client, as_identity, event, sponsor, brochure, identity
):
    as_identity(identity)
    response = client.get(f"{base(event, sponsor)}/materials/{brochure.id}")
    expect_participant_page(response, identity)
    if response.status_code != 200:
        assert "Brochure" not in response.get_data(as_text=True)


@pytest.mark.parametrize("identity", WHO)
def test_booth_editor_is_for_the_admins_and_organizers(
    client, as_identity, event, sponsor, identity
):
    as_identity(identity)
    expect_admin_page(client.get(f"{base(event, sponsor)}/booth"), identity)


@pytest.mark.parametrize("identity", WHO)
def test_announcement_page_is_for_the_admins_and_organizers(
    client, as_identity, event, sponsor, identity
):
    as_identity(identity)
    expect_admin_page(client.get(f"{base(event, sponsor)}/announcement"), identity)


@pytest.mark.parametrize("identity", WHO)
def test_public_logo_is_served_to_everyone(
    client, as_identity, event, sponsor, sponsor_staff, identity
):
    booths.set_logo(sponsor_staff, sponsor, png_bytes())
    db.session.commit()
    as_identity(identity)
    response = fetch(client.get(f"{base(event, sponsor)}/logo"))
    assert response.status_code == 200
    assert response.data.startswith(b"\x89PNG")


@pytest.mark.parametrize("identity", WHO)
def test_logo_off_the_event_page_is_for_participants(
    client, as_identity, event, sponsor, sponsor_staff, identity
):
    booths.set_logo(sponsor_staff, sponsor, png_bytes())
    sponsor.package.logo_on_event_page = False
    sponsor.package.logo_on_agenda = False
    db.session.commit()
    as_identity(identity)
    response = fetch(client.get(f"{base(event, sponsor)}/logo"))
    assert response.status_code == (200 if identity in PARTICIPANTS else 404)


def test_another_events_sponsor_is_404(client, login, other_event, other_participant, sponsor):
    login(other_participant)
    assert client.get(f"/e/{other_event.slug}/sponsors/{sponsor.id}").status_code == 404


def test_booth_without_booth_entitlement_is_404_for_attendees_but_open_to_staff(
    client, login, event, sponsor, attendee, sponsor_staff
):
    sponsor.package.booth = False
    db.session.commit()
    login(attendee)
    assert client.get(base(event, sponsor)).status_code == 404
    login(sponsor_staff)
    assert client.get(base(event, sponsor)).status_code == 200


# --- the sponsors' page and the booth ---------------------------------------------------------


def test_sponsors_page_groups_by_tier_in_package_order(client, login, event, sponsor, attendee):
    factories.sponsor(event, "Zeta Ltd", tier="Silver")
    factories.sponsor(event, "Beta GmbH", tier="Platinum")
    factories.sponsor(event, "Alpha AG", tier="Platinum")
    packages = {p.name: p for p in db.session.scalars(sa.select(SponsorPackage))}
    packages["Platinum"].position, packages["Gold"].position = 0, 1
    packages["Silver"].position = 2
    db.session.commit()
    login(attendee)
    page = client.get(f"/e/{event.slug}/sponsors/").get_data(as_text=True)
    names = ("Platinum", "Alpha AG", "Beta GmbH", "Gold", "Acme Corp", "Silver", "Zeta Ltd")
    order = [page.index(name) for name in names]
    assert order == sorted(order)


def test_booth_shows_description_sanitized_links_and_staff(
    client, login, event, sponsor, sponsor_staff, attendee
):
    sponsor.description = "**Bold** <script>alert(1)</script>"
    sponsor.links = [{"label": "Jobs", "url": "https://acme.example/jobs"}]
    db.session.commit()
    login(attendee)
    page = client.get(base(event, sponsor)).get_data(as_text=True)
    assert "<strong>Bold</strong>" in page
    assert "<script>alert(1)" not in page
    assert 'href="https://acme.example/jobs"' in page
    assert "Sid Sponsor" in page
    assert f"/e/{event.slug}/meetings/new/{sponsor_staff.id}" in page
    assert f"/e/{event.slug}/people/{sponsor_staff.id}/message" in page


def test_booth_visit_counts_once_a_day_and_not_for_staff_or_organizers(
    client, login, event, sponsor, sponsor_staff, organizer, attendee
):
    login(attendee)
    client.get(base(event, sponsor))
    client.get(base(event, sponsor))
    login(sponsor_staff)
    client.get(base(event, sponsor))
    login(organizer)
    client.get(base(event, sponsor))
    rows = db.session.scalars(
        sa.select(Activity).where(Activity.kind == ActivityKind.booth_visit)
    ).all()
    assert [(r.user_id, r.sponsor_id) for r in rows] == [(attendee.id, sponsor.id)]


# --- sharing from the booth ------------------------------------------------------------------


def test_share_asks_for_confirmation_with_the_exact_text(client, login, event, sponsor, attendee):
    login(attendee)
    page = client.get(base(event, sponsor)).get_data(as_text=True)
    assert "Share my contact details with Acme Corp" in page
    assert 'name="shown"' not in page
    confirm = client.get(f"{base(event, sponsor)}?share=1").get_data(as_text=True)
    assert 'name="shown"' in confirm
    assert "who may contact me about what they offer" in confirm
    assert lead_of(sponsor, attendee) is None


def test_share_with_the_shown_text_creates_a_booth_lead(client, login, event, sponsor, attendee):
    login(attendee)
    response = client.post(
        f"{base(event, sponsor)}/share", data={"shown": leads.share_text(sponsor)}
    )
    assert response.status_code == 302
    lead = lead_of(sponsor, attendee)
    assert (lead.source, lead.consent_text) == (LeadSource.booth, leads.share_text(sponsor))
    page = client.get(base(event, sponsor)).get_data(as_text=True)
    assert "You share your contact details with Acme Corp" in page


def test_share_with_a_changed_text_is_refused_and_asks_again(
    client, login, event, sponsor, attendee
):
    login(attendee)
    response = client.post(f"{base(event, sponsor)}/share", data={"shown": "something else"})
    assert response.status_code == 302
    assert "share=1" in response.headers["Location"]
    assert lead_of(sponsor, attendee) is None


@pytest.mark.parametrize("identity", ["sponsor_staff", "outsider", "other_participant"])
def test_share_is_refused_to_own_staff_and_non_participants(
    client, as_identity, event, sponsor, identity
):
    person = as_identity(identity)
    response = client.post(
        f"{base(event, sponsor)}/share", data={"shown": leads.share_text(sponsor)}
    )
    assert response.status_code == 403
    assert lead_of(sponsor, person) is None


def test_share_refused_without_lead_retrieval(client, login, event, sponsor, attendee):
    sponsor.package.lead_retrieval = False
    db.session.commit()
    login(attendee)
    page = client.get(base(event, sponsor)).get_data(as_text=True)
    assert "Share my contact details" not in page
    response = client.post(
        f"{base(event, sponsor)}/share", data={"shown": leads.share_text(sponsor)}
    )
    assert response.status_code == 403
    assert lead_of(sponsor, attendee) is None


# --- materials --------------------------------------------------------------------------------


def test_material_prompt_offers_sharing_and_downloading_without(
    client, login, event, sponsor, brochure, attendee
):
    login(attendee)
    page = client.get(f"{base(event, sponsor)}/materials/{brochure.id}").get_data(as_text=True)
    assert "Share my details and download" in page
    assert "Download without sharing" in page


def test_download_without_sharing_gives_the_file_and_no_lead(
    client, login, event, sponsor, brochure, attendee
):
    login(attendee)
    response = fetch(
        client.post(f"{base(event, sponsor)}/materials/{brochure.id}", data={"action": "download"})
    )
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Cache-Control"] == "private, no-store"
    assert lead_of(sponsor, attendee) is None
    kinds = db.session.scalars(sa.select(Activity.kind).where(Activity.user_id == attendee.id))
    assert list(kinds) == [ActivityKind.booth_download]


def test_share_and_download_creates_a_material_lead(
    client, login, event, sponsor, brochure, attendee
):
    login(attendee)
    response = fetch(
        client.post(
            f"{base(event, sponsor)}/materials/{brochure.id}",
            data={"action": "share", "shown": leads.share_text(sponsor)},
        )
    )
    assert response.status_code == 200
    assert response.data == PDF
    lead = lead_of(sponsor, attendee)
    assert (lead.source, lead.consent_text) == (LeadSource.material, leads.share_text(sponsor))


def test_gated_material_has_no_download_without_sharing(
    client, login, event, sponsor, gated, attendee
):
    login(attendee)
    url = f"{base(event, sponsor)}/materials/{gated.id}"
    assert "without sharing" not in client.get(url).get_data(as_text=True)
    refused = client.post(url, data={"action": "download"})
    assert refused.status_code == 400
    assert "offers this to people who share" in refused.get_data(as_text=True)
    assert lead_of(sponsor, attendee) is None
    shared = client.post(url, data={"action": "share", "shown": leads.share_text(sponsor)})
    assert shared.status_code == 302
    assert shared.headers["Location"] == "https://acme.example/pricing"


def test_share_with_changed_text_gives_nothing(client, login, event, sponsor, brochure, attendee):
    login(attendee)
    response = client.post(
        f"{base(event, sponsor)}/materials/{brochure.id}",
        data={"action": "share", "shown": "old words"},
    )
    assert response.status_code == 400
    assert response.data != PDF
    assert lead_of(sponsor, attendee) is None


def test_material_of_another_sponsor_is_404(
    client, login, event, sponsor, rival_sponsor, brochure, attendee
):
    login(attendee)
    response = client.get(f"{base(event, rival_sponsor)}/materials/{brochure.id}")
    assert response.status_code == 404


# --- the booth editor -------------------------------------------------------------------------


def booth_data(**changes) -> dict:
    data = {
        "tagline": "Payments for Europe",
        "description": "We *move* money.",
        "website": "acme.example",
        "booth_location": "Hall B, stand 12",
        "contact_email": "hello@acme.example",
        "links-0-text": "Jobs",
        "links-0-url": "https://acme.example/jobs",
        "links-1-text": "",
        "links-1-url": "",
    }
    data.update(changes)
    return data


def test_admin_saves_the_booth(client, login, event, sponsor, sponsor_staff):
    login(sponsor_staff)
    response = client.post(f"{base(event, sponsor)}/booth", data=booth_data())
    assert response.status_code == 302
    db.session.refresh(sponsor)
    assert (sponsor.tagline, sponsor.website, sponsor.booth_location) == (
        "Payments for Europe",
        "https://acme.example",
        "Hall B, stand 12",
    )
    assert sponsor.links == [{"label": "Jobs", "url": "https://acme.example/jobs"}]


def test_booth_editor_shows_the_saved_links(client, login, event, sponsor, sponsor_staff):
    sponsor.links = [{"label": "Jobs", "url": "https://acme.example/jobs"}]
    db.session.commit()
    login(sponsor_staff)
    page = client.get(f"{base(event, sponsor)}/booth").get_data(as_text=True)
    assert 'placeholder="Label" type="text" value="Jobs"' in page
    assert 'value="https://acme.example/jobs"' in page


def test_bad_booth_input_is_shown_next_to_the_field_and_kept(
    client, login, event, sponsor, sponsor_staff
):
    login(sponsor_staff)
    response = client.post(
        f"{base(event, sponsor)}/booth",
        data=booth_data(**{"links-0-url": "javascript:alert(1)", "tagline": "Kept tagline"}),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter a web address starting with http:// or https://." in page
    assert 'value="Kept tagline"' in page
    db.session.refresh(sponsor)
    assert sponsor.tagline == "Acme Corp makes things"


def test_logo_upload_and_a_non_image_refused(client, login, event, sponsor, sponsor_staff):
    login(sponsor_staff)
    bad = client.post(
        f"{base(event, sponsor)}/booth",
        data={**booth_data(), "logo": (io.BytesIO(b"not an image"), "logo.png")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400
    assert "not an image we can use" in bad.get_data(as_text=True)
    db.session.refresh(sponsor)
    assert sponsor.logo_filename is None
    good = client.post(
        f"{base(event, sponsor)}/booth",
        data={**booth_data(), "logo": (io.BytesIO(png_bytes()), "logo.jpg")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    db.session.refresh(sponsor)
    assert booths.logo_png(sponsor).startswith(b"\x89PNG")


def test_staff_who_is_not_admin_cannot_edit(client, login, event, sponsor):
    member = factories.participant(event, name="Nina Member", roles=["sponsor_staff"])
    factories.sponsor_member(sponsor, member)
    login(member)
    assert client.post(f"{base(event, sponsor)}/booth", data=booth_data()).status_code == 403


def test_rival_admin_cannot_add_or_delete_materials(
    client, login, event, sponsor, brochure, rival_staff
):
    login(rival_staff)
    added = client.post(
        f"{base(event, sponsor)}/booth/materials",
        data={"material-url": "https://evil.example", "material-title": "Evil"},
    )
    deleted = client.post(f"{base(event, sponsor)}/booth/materials/{brochure.id}/delete")
    assert (added.status_code, deleted.status_code) == (403, 403)
    assert [m.title for m in booths.materials_of(sponsor)] == ["Brochure"]


def test_admin_adds_a_link_and_deletes_a_material(
    client, login, event, sponsor, brochure, sponsor_staff
):
    login(sponsor_staff)
    added = client.post(
        f"{base(event, sponsor)}/booth/materials",
        data={
            "material-url": "https://acme.example/video",
            "material-title": "Demo video",
            "material-requires_consent": "y",
        },
    )
    assert added.status_code == 302
    client.post(f"{base(event, sponsor)}/booth/materials/{brochure.id}/delete")
    assert [(m.title, m.requires_consent) for m in booths.materials_of(sponsor)] == [
        ("Demo video", True)
    ]


def test_material_upload_refusal_is_shown_on_the_form(client, login, event, sponsor, sponsor_staff):
    login(sponsor_staff)
    response = client.post(
        f"{base(event, sponsor)}/booth/materials",
        data={"material-title": "Nothing"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choose a file or enter a link." in page
    assert 'value="Nothing"' in page
    assert booths.materials_of(sponsor) == []


# --- the announcement -----------------------------------------------------------------------


def test_announcement_preview_then_send_once_to_those_who_accept_offers(
    client, login, event, sponsor, sponsor_staff, attendee, outbox
):
    factories.registration_of(event, attendee).sponsor_offers = True
    factories.participant(event, name="Nora NoOffers")
    db.session.commit()
    login(sponsor_staff)
    url = f"{base(event, sponsor)}/announcement"
    form = {"subject": "Meet us at stand 12", "body": "Free *coffee*."}
    preview = client.post(url, data={**form, "action": "preview"})
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "<em>coffee</em>" in page
    assert "A message from Acme Corp" in page
    assert db.session.scalar(sa.select(Mailing)) is None

    sent = client.post(url, data={**form, "action": "send"})
    assert sent.status_code == 302
    jobs.run_pending()
    assert [m["To"] for m in outbox.messages] == [attendee.email]
    assert "A message from Acme Corp" in outbox.text(outbox.messages[0])
    db.session.refresh(sponsor)
    assert sponsor.announcement_sent_at is not None
    mailing = db.session.scalar(sa.select(Mailing))
    assert mailing.sponsor_id == sponsor.id

    page = client.get(url).get_data(as_text=True)
    assert "Your announcement was sent" in page
    assert attendee.email not in page
    again = client.post(url, data={**form, "action": "send"})
    assert again.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 1


def test_announcement_refused_when_nobody_accepts_offers(
    client, login, event, sponsor, sponsor_staff, attendee
):
    login(sponsor_staff)
    response = client.post(
        f"{base(event, sponsor)}/announcement",
        data={"subject": "Hello", "body": "Hi", "action": "send"},
    )
    assert response.status_code == 400
    assert "Nobody has accepted sponsors" in response.get_data(as_text=True)
    db.session.refresh(sponsor)
    assert sponsor.announcement_sent_at is None
    assert db.session.scalar(sa.select(Mailing)) is None


def test_announcement_refused_without_the_entitlement(client, login, event, sponsor, sponsor_staff):
    sponsor.package.sponsored_announcement = False
    db.session.commit()
    login(sponsor_staff)
    url = f"{base(event, sponsor)}/announcement"
    assert client.get(url).status_code == 403
    response = client.post(url, data={"subject": "Hello", "body": "Hi", "action": "send"})
    assert response.status_code == 403


def test_organizer_sees_the_announcement_page_but_cannot_send(
    client, login, event, sponsor, organizer
):
    login(organizer)
    url = f"{base(event, sponsor)}/announcement"
    assert "sponsor's admins write and send" in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"subject": "Hello", "body": "Hi", "action": "send"})
    assert response.status_code == 403
