"""Sponsors outside their booths: logos on the landing page and the agenda, "Sponsored
by" on sessions, featured sponsors above the directory, and sponsors' announcements on
the organizer's mailing pages. Every page for every kind of visitor: the name always,
the logo only when the visitor may load it, a link to the booth only for who may visit
it."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from conference.enums import MailingKind, MailingStatus
from conference.extensions import db
from conference.models import Mailing
from conference.services import booths
from tests import factories
from tests import program_helpers as program
from tests.queries import count_queries

WHO = [
    "anonymous",
    "outsider",
    "other_participant",
    "attendee",
    "rival_staff",
    "sponsor_staff",
    "organizer",
]
#: Who may visit the booths of the event (its participants, sponsor staff included).
VISITORS = {"attendee", "rival_staff", "sponsor_staff", "organizer"}


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 120), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def text(response) -> str:
    return response.get_data(as_text=True)


def booth_link(sponsor) -> str:
    return f'href="/e/{sponsor.event.slug}/sponsors/{sponsor.id}"'


def logo_src(sponsor) -> str:
    return f'src="/e/{sponsor.event.slug}/sponsors/{sponsor.id}/logo"'


@pytest.fixture
def acme(sponsor, sponsor_staff):
    """Acme Corp (full package: booth, every logo, featured) with a logo."""
    booths.set_logo(sponsor_staff, sponsor, png_bytes())
    db.session.commit()
    return sponsor


@pytest.fixture
def quiet(event):
    """A sponsor whose package shows it nowhere and gives it no booth."""
    return factories.sponsor(
        event,
        "Quiet Ltd",
        tier="Bronze",
        booth=False,
        logo_on_event_page=False,
        logo_on_agenda=False,
        logo_on_badges=False,
        directory_featured=False,
    )


@pytest.fixture
def agenda_only(event, organizer):
    """On the agenda only (not on the landing page, so its logo is not public), with a
    logo and no booth."""
    sponsor = factories.sponsor(
        event,
        "Agenda Only GmbH",
        tier="Startup",
        booth=False,
        logo_on_event_page=False,
        directory_featured=False,
    )
    booths.set_logo(organizer, sponsor, png_bytes())
    db.session.commit()
    return sponsor


# --- the landing page ---------------------------------------------------------------------


@pytest.mark.parametrize("identity", WHO)
def test_landing_page_shows_sponsors_by_tier_and_links_booths_for_visitors(
    client, as_identity, event, acme, rival_sponsor, quiet, identity
):
    as_identity(identity)

    response = client.get(f"/e/{event.slug}/")

    assert response.status_code == 200
    page = text(response)
    assert 'id="sponsors"' in page
    # Acme has a logo; Globex has none and shows its name in its place.
    assert logo_src(acme) in page
    assert "Globex" in page and logo_src(rival_sponsor) not in page
    assert page.index("Acme Corp") < page.index("Globex")
    assert page.index(">Gold<") < page.index(">Silver<")
    assert "Quiet Ltd" not in page
    if identity in VISITORS:
        assert booth_link(acme) in page and booth_link(rival_sponsor) in page
        assert f'href="/e/{event.slug}/sponsors/"' in page
    else:
        assert f'/e/{event.slug}/sponsors/{acme.id}"' not in page
        assert f'/e/{event.slug}/sponsors/{rival_sponsor.id}"' not in page
        assert f'href="/e/{event.slug}/sponsors/"' not in page


def test_landing_logo_loads_for_anonymous_visitors(client, event, acme):
    response = client.get(f"/e/{event.slug}/sponsors/{acme.id}/logo")
    response.get_data()
    response.close()

    assert response.status_code == 200
    assert response.mimetype == "image/png"


def test_landing_page_without_sponsors_on_it_has_no_sponsor_section(client, event, quiet):
    page = text(client.get(f"/e/{event.slug}/"))

    assert 'id="sponsors"' not in page
    assert "placements.css" not in page


def test_invitation_only_event_landing_shows_its_sponsors_to_anyone(client, event, acme):
    event.visibility = "invitation"
    db.session.commit()

    page = text(client.get(f"/e/{event.slug}/"))

    assert "Acme Corp" in page and logo_src(acme) in page
    assert booth_link(acme) not in page


# --- the agenda and sessions ----------------------------------------------------------------


@pytest.fixture
def sponsored(event, acme):
    made = program.session(event, "Payments at scale", "10:00", "10:45")
    made.sponsor_id = acme.id
    db.session.commit()
    return made


def agenda_url(event) -> str:
    return f"/e/{event.slug}/program/?day={event.starts_on.isoformat()}"


@pytest.mark.parametrize("identity", WHO)
def test_agenda_strip_and_sponsored_session_card(
    client, as_identity, event, acme, agenda_only, quiet, sponsored, identity
):
    program.session(event, "Plain talk", "11:00", "11:45")
    as_identity(identity)

    response = client.get(agenda_url(event))

    assert response.status_code == 200
    page = text(response)
    strip = page[page.index('class="sponsor-strip') : page.index('class="day-tabs')]
    assert "Acme Corp" in strip and "Agenda Only GmbH" in strip
    assert "Quiet Ltd" not in page
    assert logo_src(acme) in strip
    card = page[page.index(f'data-session-id="{sponsored.id}"') :]
    card = card[: card.index("</article>")]
    assert "Sponsored by" in card and "Acme Corp" in card
    plain = page[page.index("Plain talk") :]
    assert "Sponsored by" not in plain[: plain.index("</article>")]
    # Agenda Only is not on the event page and has no booth: whoever sees the public
    # agenda sees its logo, and nobody gets a link to a booth that would refuse them
    # (organizers see every booth).
    assert logo_src(agenda_only) in strip
    assert (booth_link(agenda_only) in strip) == (identity == "organizer")
    if identity in VISITORS:
        assert booth_link(acme) in strip and booth_link(acme) in card
    else:
        assert booth_link(acme) not in page


def test_agenda_loads_session_sponsors_once_whatever_their_number(
    client, login, event, attendee, acme, rival_sponsor
):
    login(attendee)
    first = program.session(event, "Talk 0", "09:00", "09:30")
    first.sponsor_id = acme.id
    db.session.commit()
    client.get(agenda_url(event))
    db.session.expire_all()
    few = count_queries(client, agenda_url(event))
    for n in range(1, 12):
        more = program.session(event, f"Talk {n}", f"{9 + n}:00", f"{9 + n}:30")
        more.sponsor_id = (acme if n % 2 else rival_sponsor).id
    db.session.commit()
    db.session.expire_all()

    many = count_queries(client, agenda_url(event))

    assert many == few
    page = text(client.get(agenda_url(event)))
    assert len(re.findall("Sponsored by", page)) == 12


@pytest.mark.parametrize("identity", WHO)
def test_session_page_says_who_sponsors_it(client, as_identity, event, acme, sponsored, identity):
    as_identity(identity)

    response = client.get(f"/e/{event.slug}/program/{sponsored.id}")

    assert response.status_code == 200
    page = text(response)
    assert "Sponsored by" in page and "Session sponsor" in page and "Acme Corp" in page
    assert logo_src(acme) in page
    if identity in VISITORS:
        assert booth_link(acme) in page and "Visit the booth" in page
    else:
        assert booth_link(acme) not in page and "Visit the booth" not in page


def test_session_without_sponsor_has_no_sponsor_card(client, login, event, attendee, acme):
    plain = program.session(event, "Plain talk")
    login(attendee)

    page = text(client.get(f"/e/{event.slug}/program/{plain.id}"))

    assert "Sponsored by" not in page and "Session sponsor" not in page


# --- the directory --------------------------------------------------------------------------


@pytest.mark.parametrize("identity", WHO)
def test_directory_features_sponsors_for_participants(
    client, as_identity, event, acme, agenda_only, quiet, identity
):
    as_identity(identity)

    response = client.get(f"/e/{event.slug}/people/")

    page = text(response)
    if identity not in VISITORS:
        assert response.status_code == 403
        assert "Featured sponsors" not in page
        return
    assert response.status_code == 200
    featured = page[page.index("Featured sponsors") :]
    featured = featured[: featured.index("</aside>")]
    assert "Acme Corp" in featured and booth_link(acme) in featured and logo_src(acme) in featured
    assert "Agenda Only GmbH" not in featured and "Quiet Ltd" not in featured


def test_directory_without_featured_sponsors_has_no_strip(client, login, event, attendee, quiet):
    login(attendee)

    page = text(client.get(f"/e/{event.slug}/people/"))

    assert "Featured sponsors" not in page


def test_featured_sponsor_without_booth_is_shown_without_link(client, login, event, attendee):
    company = factories.sponsor(event, "No Booth Inc", booth=False)
    login(attendee)

    page = text(client.get(f"/e/{event.slug}/people/"))

    assert "Featured sponsors" in page and "No Booth Inc" in page
    assert booth_link(company) not in page


# --- mailings -------------------------------------------------------------------------------


@pytest.fixture
def announcement(event, acme, sponsor_staff):
    mailing = Mailing(
        event_id=event.id,
        created_by_id=sponsor_staff.id,
        kind=MailingKind.announcement,
        subject="Visit us at stand 12",
        body="Demo at 3pm.",
        segment={},
        sponsor_id=acme.id,
        status=MailingStatus.done,
    )
    db.session.add(mailing)
    db.session.commit()
    return mailing


def test_mailing_pages_name_the_sponsor_of_an_announcement(
    client, login, event, organizer, announcement
):
    login(organizer)

    listing = text(client.get(f"/e/{event.slug}/manage/mailings"))
    page = text(client.get(f"/e/{event.slug}/manage/mailings/{announcement.id}"))

    label = (
        "Sponsor announcement: Acme Corp (to approved participants who accept sponsors&#39; offers)"
    )
    for html in (listing, page):
        assert label in html
        assert "Everyone" not in html
