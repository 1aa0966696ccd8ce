"""The organizer-contact consent over HTTP (the registration form, changing one's
registration, the privacy page, the organizer's wording and report k) and the CRM export
pages: who may open them, what they show, the download and its record."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.models import ContactExport
from conference.services import contacts, leads
from tests import factories
from tests.conftest import IDENTITIES
from tests.factories import registration_of

QUESTION = str(contacts.CONTACT_QUESTION)
PAGE = "/e/{slug}/manage/contacts"
CSV = "/e/{slug}/manage/contacts.csv"


def _agree(event, person, agreed: bool = True):
    registration = registration_of(event, person)
    contacts.set_organizer_contact(person, registration, agreed, contacts.contact_question(event))
    db.session.commit()
    return registration


def _exports() -> list[ContactExport]:
    return list(db.session.scalars(sa.select(ContactExport).order_by(ContactExport.id)))


# --- who may open the pages ----------------------------------------------------------------


@pytest.mark.parametrize("path", [PAGE, CSV])
@pytest.mark.parametrize("identity", IDENTITIES)
def test_only_the_events_organizers_export(as_identity, client, event, identity, path):
    as_identity(identity)
    fetch = client.post if path == CSV else client.get
    response = fetch(path.format(slug=event.slug))
    if identity == "anonymous":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    elif identity == "organizer":
        assert response.status_code == 200
    else:
        assert response.status_code == 403
    assert len(_exports()) == (1 if identity == "organizer" and path == CSV else 0)


def test_organizer_of_another_event_is_refused(client, login, event, other_event):
    login(factories.organizer(other_event, "Otis Organizer"))
    assert client.get(PAGE.format(slug=event.slug)).status_code == 403
    assert client.post(CSV.format(slug=event.slug)).status_code == 403
    assert _exports() == []


def test_unknown_event_is_404(client, login, organizer):
    login(organizer)
    assert client.get(PAGE.format(slug="nope")).status_code == 404


# --- the page and the download ---------------------------------------------------------------


def test_page_shows_counts_question_and_empty_log(client, login, event, organizer, attendee):
    _agree(event, attendee)
    _agree(event, factories.participant(event, "Nils No"), False)
    login(organizer)
    page = client.get(PAGE.format(slug=event.slug)).get_data(as_text=True)
    tiles = re.findall(r'<div class="stat[^"]*">(\d+)</div>\s*<div[^>]*>([^<]+)</div>', page)
    assert tiles == [
        ("1", "Agreed to be contacted"),
        ("1", "Said no"),
        ("1", "Not answered"),
        ("3", "Approved participants"),
    ]
    assert re.search(r"<blockquote[^>]*data-contact-question>" + re.escape(QUESTION), page)
    assert "Download CSV (1 person)" in page
    assert "No exports yet." in page


def test_a_plain_get_of_the_file_records_nothing(client, login, event, organizer, attendee):
    _agree(event, attendee)
    login(organizer)
    assert client.get(CSV.format(slug=event.slug)).status_code == 405
    assert _exports() == []


def test_download_sends_the_file_and_logs_it(client, login, event, organizer, attendee):
    _agree(event, attendee)
    login(organizer)
    response = client.post(CSV.format(slug=event.slug))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert re.fullmatch(
        rf"attachment; filename={event.slug}-contacts-\d{{8}}\.csv",
        response.headers["Content-Disposition"],
    )
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert [row[:3] for row in rows] == [
        ["Name", "Email", "Company"],
        ["Anna Attendee", attendee.email, "Acme"],
    ]
    assert [(e.event_id, e.exported_by_id, e.row_count) for e in _exports()] == [
        (event.id, organizer.id, 1)
    ]
    page = client.get(PAGE.format(slug=event.slug)).get_data(as_text=True)
    log = re.findall(r"<tr data-export-row>(.*?)</tr>", page, re.S)
    assert len(log) == 1
    assert "Olga Organizer" in log[0]
    assert re.search(r'<td class="[^"]*text-end">1</td>', log[0])


def test_without_agreement_the_download_is_disabled(client, login, event, organizer):
    login(organizer)
    page = client.get(PAGE.format(slug=event.slug)).get_data(as_text=True)
    assert 'action="/e/northwind/manage/contacts.csv"' not in page
    assert re.search(r"<button[^>]*disabled>Download CSV</button>", page)


def test_page_lists_each_wording_when_the_question_changed(client, login, event, organizer):
    _agree(event, factories.participant(event, "Early Bird"))
    event.organizer_contact_question = "News from us, twice a year."
    db.session.commit()
    _agree(event, factories.participant(event, "Late Comer"))
    login(organizer)
    page = client.get(PAGE.format(slug=event.slug)).get_data(as_text=True)
    assert "Wordings agreed to" in page
    assert QUESTION in page
    assert "News from us, twice a year." in page


def test_registrations_page_links_to_the_export(client, login, event, organizer):
    login(organizer)
    page = client.get(f"/e/{event.slug}/manage/registrations").get_data(as_text=True)
    assert f'href="/e/{event.slug}/manage/contacts">CRM export</a>' in page


# --- registration ------------------------------------------------------------------------------


def _register_data(event, **extra) -> dict:
    return {
        "ticket_type": factories.ticket(event, "Standard").id,
        "industry": factories.term(event, "industry", "Software").id,
        "region": factories.term(event, "region", "EMEA").id,
        "job_role": factories.term(event, "job_role", "Engineer").id,
        "interests": [factories.term(event, "topic", "AI").id],
        **extra,
    }


def test_registration_form_asks_the_question_unticked(client, login, event):
    login(factories.user("Nina New"))
    page = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="organizer_contact"[^>]*>', page).group(0)
    assert "checked" not in box
    assert f'<p class="mb-2" id="contact-question">{QUESTION}</p>' in page
    assert f'name="contact_question_shown" type="hidden" value="{QUESTION}"' in page


def test_registration_form_shows_the_events_own_question(client, login, event):
    event.organizer_contact_question = "Northwind may email me about next year."
    db.session.commit()
    login(factories.user("Nina New"))
    page = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    assert "Northwind may email me about next year." in page
    assert QUESTION not in page


def test_registering_with_the_box_ticked_records_the_words(client, login, event):
    person = login(factories.user("Nina New"))
    response = client.post(
        f"/e/{event.slug}/register",
        data=_register_data(event, organizer_contact="y", contact_question_shown=QUESTION),
    )
    assert response.status_code == 302
    reg = registration_of(event, person)
    assert reg.organizer_contact is True
    assert reg.organizer_contact_text == QUESTION
    assert reg.organizer_contact_at is not None


def test_registering_unticked_leaves_the_question_unanswered(client, login, event):
    person = login(factories.user("Nina New"))
    response = client.post(
        f"/e/{event.slug}/register", data=_register_data(event, contact_question_shown=QUESTION)
    )
    assert response.status_code == 302
    reg = registration_of(event, person)
    assert reg.organizer_contact is False
    assert reg.organizer_contact_at is None


def test_registering_with_a_changed_question_registers_nothing(client, login, event):
    person = login(factories.user("Nina New"))
    event.organizer_contact_question = "The organizers may phone me."
    db.session.commit()
    response = client.post(
        f"/e/{event.slug}/register",
        data=_register_data(
            event, company="Typed Co", organizer_contact="y", contact_question_shown=QUESTION
        ),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    errors = re.search(r'id="contact-question">.*?</fieldset>', page, re.S).group(0)
    assert "The wording you agreed to has changed." in errors
    assert "The organizers may phone me." in page
    assert 'value="Typed Co"' in page
    assert registration_of(event, person) is None


def test_changing_registration_shows_and_takes_back_the_answer(client, login, event, attendee):
    _agree(event, attendee)
    login(attendee)
    page = client.get(f"/e/{event.slug}/registration/edit").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="organizer_contact"[^>]*>', page).group(0)
    assert "checked" in box
    response = client.post(
        f"/e/{event.slug}/registration/edit",
        data=_register_data(event, contact_question_shown=QUESTION),
    )
    assert response.status_code == 302
    reg = registration_of(event, attendee)
    assert reg.organizer_contact is False
    assert reg.organizer_contact_at is not None


# --- the privacy page --------------------------------------------------------------------------


def _privacy_post(client, reg, **answers):
    data = {
        "registration": reg.id,
        f"r{reg.id}-shown": leads.scan_consent_question(reg.event),
        f"r{reg.id}-contact_shown": QUESTION,
    }
    data.update({f"r{reg.id}-{name}": value for name, value in answers.items()})
    return client.post("/me/privacy", data=data)


def test_privacy_page_asks_unanswered_question_unselected(client, login, event, attendee):
    login(attendee)
    page = client.get("/me/privacy").get_data(as_text=True)
    fieldset = re.search(r"<fieldset[^>]*data-organizer-contact>.*?</fieldset>", page, re.S)
    assert QUESTION in fieldset.group(0)
    assert "checked" not in fieldset.group(0)
    assert "the organizers do not keep you in their client base" in fieldset.group(0)


def test_privacy_yes_then_no_changes_the_answer(client, login, event, attendee):
    login(attendee)
    reg = registration_of(event, attendee)
    assert _privacy_post(client, reg, organizer_contact="yes").status_code == 302
    db.session.refresh(reg)
    assert (reg.organizer_contact, reg.organizer_contact_text) == (True, QUESTION)
    assert reg.sponsor_scan_consent_at is None  # the scan question stays unanswered
    assert _privacy_post(client, reg, organizer_contact="no").status_code == 302
    db.session.refresh(reg)
    assert reg.organizer_contact is False
    assert contacts.consent_counts(event).agreed == 0


def test_privacy_refuses_an_answer_to_a_changed_question(client, login, event, attendee):
    login(attendee)
    reg = registration_of(event, attendee)
    event.organizer_contact_question = "The organizers may phone me."
    db.session.commit()
    response = _privacy_post(client, reg, organizer_contact="yes", scan_consent="yes")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    fieldset = re.search(r"<fieldset[^>]*data-organizer-contact>.*?</fieldset>", page, re.S)
    assert "The wording you agreed to has changed." in fieldset.group(0)
    assert "The organizers may phone me." in fieldset.group(0)
    db.session.refresh(reg)
    assert reg.organizer_contact is False
    assert reg.sponsor_scan_consent is False  # nothing half-saved


# --- the organizer's settings ------------------------------------------------------------------


def _settings(event, **changes) -> dict:
    data = {
        "name": event.name,
        "slug": event.slug,
        "starts_on": event.starts_on.isoformat(),
        "ends_on": event.ends_on.isoformat(),
        "timezone": event.timezone,
        "visibility": event.visibility.value,
        "registration_open": "y",
    }
    data.update(changes)
    return data


def test_organizer_sets_question_and_report_k(client, login, event, organizer):
    login(organizer)
    page = client.get(f"/e/{event.slug}/manage/edit").get_data(as_text=True)
    assert f'placeholder="{QUESTION}"' in page
    response = client.post(
        f"/e/{event.slug}/manage/edit",
        data=_settings(
            event, organizer_contact_question="  News from Northwind.  ", report_min_cell="10"
        ),
    )
    assert response.status_code == 302
    db.session.refresh(event)
    assert (event.organizer_contact_question, event.report_min_cell) == (
        "News from Northwind.",
        10,
    )
    client.post(
        f"/e/{event.slug}/manage/edit",
        data=_settings(event, organizer_contact_question="", report_min_cell=""),
    )
    db.session.refresh(event)
    assert contacts.contact_question(event) == QUESTION
    assert event.report_min_cell == 5


@pytest.mark.parametrize("value", ["1", "101", "many"])
def test_report_k_out_of_range_is_refused_next_to_the_field(client, login, event, organizer, value):
    login(organizer)
    response = client.post(
        f"/e/{event.slug}/manage/edit",
        data=_settings(event, name="Renamed", report_min_cell=value),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'id="report_min_cell-errors"', page)
    assert f'value="{value}"' in page
    db.session.refresh(event)
    assert (event.name, event.report_min_cell) == ("Northwind Summit", 5)
