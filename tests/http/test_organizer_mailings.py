"""The organizer's mailing pages (list, compose with preview, a mailing's live progress,
retry) for every identity, and the unsubscribe link of the emails."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference import jobs
from conference.enums import DeliveryStatus, MailingKind, MailingStatus
from conference.extensions import db
from conference.models import Mailing, MailingRecipient, Registration
from conference.services import mailings
from conference.services.segments import Segment
from tests import factories
from tests.conftest import IDENTITIES

REFUSED = [name for name in IDENTITIES if name not in ("anonymous", "organizer")]


@pytest.fixture(autouse=True)
def _empty_queue():
    jobs.huey.flush()
    yield
    jobs.huey.flush()


@pytest.fixture
def mailing(event, organizer, attendee, speaker):
    made = mailings.create_mailing(
        organizer, event, "announcement", "Welcome", "Hi *all*", Segment()
    )
    db.session.commit()
    jobs.huey.flush()
    return made


def routes(mailing_id: int) -> dict[str, tuple[str, str]]:
    base = "/e/northwind/manage/mailings"
    return {
        "list": ("GET", base),
        "new": ("GET", f"{base}/new"),
        "new_post": ("POST", f"{base}/new"),
        "page": ("GET", f"{base}/{mailing_id}"),
        "progress": ("GET", f"{base}/{mailing_id}/progress.json"),
        "retry": ("POST", f"{base}/{mailing_id}/retry"),
    }


ROUTE_NAMES = ["list", "new", "new_post", "page", "progress", "retry"]


def call(client, method: str, path: str):
    if method == "POST":
        return client.post(path, data={"kind": "announcement", "subject": "x", "body": "y"})
    return client.get(path)


# --- who may open the pages --------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTE_NAMES)
@pytest.mark.parametrize("identity", REFUSED)
def test_mailing_routes_refused(client, as_identity, mailing, route, identity):
    method, path = routes(mailing.id)[route]
    as_identity(identity)
    assert call(client, method, path).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 1


@pytest.mark.parametrize("route", ROUTE_NAMES)
def test_mailing_routes_anonymous_redirect_to_login(client, mailing, route):
    method, path = routes(mailing.id)[route]
    response = call(client, method, path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("route", ["list", "new", "page", "progress"])
@pytest.mark.parametrize("who", ["organizer", "platform_admin"])
def test_mailing_pages_open_for_organizers(request, client, login, mailing, route, who):
    login(request.getfixturevalue(who))
    method, path = routes(mailing.id)[route]
    assert call(client, method, path).status_code == 200


@pytest.mark.parametrize("route", ["page", "progress", "retry"])
def test_mailing_of_another_event_is_404(client, login, other_event, mailing, route):
    other_organizer = factories.organizer(other_event, name="Otto Org")
    login(other_organizer)
    method, path = routes(mailing.id)[route]
    assert call(client, method, path.replace("northwind", "other-conf")).status_code == 404


def test_mailing_of_another_event_is_404_for_its_organizer_too(
    client, login, organizer, other_event, mailing
):
    other = mailings.create_mailing(
        factories.organizer(other_event, name="Otto Org"),
        other_event,
        "announcement",
        "Elsewhere",
        "Text",
        Segment(),
    )
    db.session.commit()
    login(organizer)
    assert client.get(f"/e/northwind/manage/mailings/{other.id}").status_code == 404
    assert client.get(f"/e/northwind/manage/mailings/{other.id}/progress.json").status_code == 404


# --- the list ----------------------------------------------------------------------------


def test_mailings_list_shows_each_mailing_with_counts(client, login, organizer, mailing):
    login(organizer)
    page = client.get("/e/northwind/manage/mailings").get_data(as_text=True)
    assert "Welcome" in page
    assert f"/e/northwind/manage/mailings/{mailing.id}" in page
    assert "0 of 3" in page
    assert "Queued" in page
    assert "Everyone (approved participants and the event&#39;s team)" in page


def test_mailings_list_empty_state(client, login, organizer):
    login(organizer)
    page = client.get("/e/northwind/manage/mailings").get_data(as_text=True)
    assert "Nothing sent yet" in page
    assert "/e/northwind/manage/mailings/new?kind=agenda" in page


# --- composing ---------------------------------------------------------------------------


def test_compose_offers_the_events_filters(client, login, event, organizer):
    login(organizer)
    page = client.get("/e/northwind/manage/mailings/new").get_data(as_text=True)
    finance = factories.term(event, "industry", "Finance")
    vip = factories.ticket(event, "VIP")
    assert f'name="industries" type="checkbox" value="{finance.id}"' in page
    assert f'name="ticket_types" type="checkbox" value="{vip.id}"' in page
    assert 'name="roles" type="checkbox" value="sponsor_staff"' in page
    assert 'name="statuses" type="checkbox" value="pending"' in page


def test_compose_agenda_prefills_the_subject(client, login, organizer):
    login(organizer)
    page = client.get("/e/northwind/manage/mailings/new?kind=agenda").get_data(as_text=True)
    assert 'value="Your agenda for Northwind Summit"' in page
    assert '<input checked class="form-check-input" id="kind-1" name="kind"' in page


def test_compose_preview_shows_the_match_and_the_first_copy(
    client, login, event, organizer, attendee, speaker, sponsor_staff
):
    login(organizer)
    response = client.post(
        "/e/northwind/manage/mailings/new",
        data={
            "action": "preview",
            "kind": "announcement",
            "subject": "Booth tour",
            "body": "Meet at **booth 4**.",
            "roles": ["speaker", "sponsor_staff"],
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 people match" in page
    assert "Speakers or Sponsor staff" in page
    assert "Preview for Sam Speaker" in page
    assert speaker.email in page
    assert "Meet at <strong>booth 4</strong>." in page
    assert "Send to 2 people" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 0


def test_compose_preview_of_an_agenda_mentions_the_calendar_file(
    client, login, organizer, attendee
):
    login(organizer)
    page = client.post(
        "/e/northwind/manage/mailings/new",
        data={"action": "preview", "kind": "agenda", "subject": "Agenda", "body": ""},
    ).get_data(as_text=True)
    assert "agenda.ics (0 events)" in page
    assert "Your agenda at Northwind Summit is still empty" in page


def test_compose_preview_with_nobody_matching(client, login, event, organizer):
    login(organizer)
    page = client.post(
        "/e/northwind/manage/mailings/new",
        data={
            "action": "preview",
            "kind": "announcement",
            "subject": "Hi",
            "body": "Text",
            "roles": ["moderator"],
        },
    ).get_data(as_text=True)
    assert "0 people match" in page
    assert "Preview for" not in page


def test_compose_send_queues_and_redirects_to_the_mailing(
    client, login, event, organizer, attendee, outbox
):
    login(organizer)
    finance = factories.term(event, "industry", "Finance")
    vip = factories.participant(event, name="Vera VIP", industry="Finance")
    response = client.post(
        "/e/northwind/manage/mailings/new",
        data={
            "action": "send",
            "kind": "announcement",
            "subject": "Finance lunch",
            "body": "At noon.",
            "industries": [str(finance.id)],
        },
    )
    mailing = db.session.scalar(sa.select(Mailing))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/e/northwind/manage/mailings/{mailing.id}"
    assert mailing.segment == {"industries": [finance.id]}
    assert [m["To"] for m in outbox.messages] == [vip.email]


def test_compose_keeps_input_and_shows_errors(client, login, organizer, attendee):
    login(organizer)
    page = client.post(
        "/e/northwind/manage/mailings/new",
        data={"action": "send", "kind": "announcement", "subject": "", "body": "Kept text"},
    ).get_data(as_text=True)
    assert "Kept text" in page
    assert "is-invalid" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 0


def test_compose_refuses_a_term_of_another_event(client, login, organizer, other_event, attendee):
    login(organizer)
    foreign = factories.term(other_event, "industry", "Finance")
    page = client.post(
        "/e/northwind/manage/mailings/new",
        data={
            "action": "send",
            "kind": "announcement",
            "subject": "Hi",
            "body": "Text",
            "industries": [str(foreign.id)],
        },
    ).get_data(as_text=True)
    assert "Choose from the options offered." in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 0


def test_compose_refuses_an_empty_announcement_body(client, login, organizer, attendee):
    login(organizer)
    page = client.post(
        "/e/northwind/manage/mailings/new",
        data={"action": "send", "kind": "announcement", "subject": "Hi", "body": ""},
    ).get_data(as_text=True)
    assert "Write the message." in page


# --- a mailing's page and progress ----------------------------------------------------------


def test_mailing_page_shows_counts_without_javascript(client, login, organizer, mailing):
    login(organizer)
    page = client.get(f"/e/northwind/manage/mailings/{mailing.id}").get_data(as_text=True)
    assert 'data-count="queued">3<' in page
    assert 'data-count="sent">0<' in page
    assert "Waiting for the job runner to start" in page
    assert "js/mailing_progress.js" in page
    assert f"/e/northwind/manage/mailings/{mailing.id}/progress.json" in page


def test_mailing_progress_json_follows_the_job(client, login, organizer, mailing, outbox):
    login(organizer)
    url = f"/e/northwind/manage/mailings/{mailing.id}/progress.json"
    before = client.get(url)
    assert before.headers["Cache-Control"] == "no-store"
    assert before.get_json() == {
        "status": "queued",
        "running": False,
        "finished": False,
        "stalled": False,
        "total": 3,
        "counts": {"queued": 3, "sending": 0, "sent": 0, "failed": 0},
        "failures": [],
    }
    mailings.deliver.call_local(mailing.id)
    after = client.get(url).get_json()
    assert after["status"] == "done"
    assert after["finished"] is True
    assert after["counts"] == {"queued": 0, "sending": 0, "sent": 3, "failed": 0}


def test_mailing_page_lists_failures_and_retries_them(
    client, login, organizer, attendee, mailing, outbox
):
    db.session.execute(
        sa.update(MailingRecipient)
        .where(MailingRecipient.mailing_id == mailing.id, MailingRecipient.user_id == attendee.id)
        .values(status=DeliveryStatus.failed, error="550 No such mailbox", attempts=1)
    )
    db.session.execute(
        sa.update(MailingRecipient)
        .where(MailingRecipient.mailing_id == mailing.id, MailingRecipient.user_id != attendee.id)
        .values(status=DeliveryStatus.sent, attempts=1)
    )
    mailing.status = MailingStatus.done
    db.session.commit()
    login(organizer)

    page = client.get(f"/e/northwind/manage/mailings/{mailing.id}").get_data(as_text=True)
    assert "550 No such mailbox" in page
    assert "Anna Attendee" in page
    assert "Retry failed" in page
    progress = client.get(f"/e/northwind/manage/mailings/{mailing.id}/progress.json").get_json()
    assert progress["failures"] == [
        {
            "name": "Anna Attendee",
            "email": attendee.email,
            "error": "550 No such mailbox",
            "attempts": 1,
        }
    ]

    response = client.post(f"/e/northwind/manage/mailings/{mailing.id}/retry")
    assert response.status_code == 302
    assert [m["To"] for m in outbox.messages] == [attendee.email]
    statuses = db.session.scalars(
        sa.select(MailingRecipient.status).where(MailingRecipient.mailing_id == mailing.id)
    ).all()
    assert set(statuses) == {DeliveryStatus.sent}


def test_mailing_retry_with_nothing_failed_says_so(client, login, organizer, mailing, outbox):
    mailings.deliver.call_local(mailing.id)
    login(organizer)
    response = client.post(
        f"/e/northwind/manage/mailings/{mailing.id}/retry", follow_redirects=True
    )
    assert "Every copy of this mailing was sent." in response.get_data(as_text=True)


# --- unsubscribing --------------------------------------------------------------------------


def unsubscribe_path(mailing, user) -> str:
    row = db.session.scalar(
        sa.select(MailingRecipient).where(
            MailingRecipient.mailing_id == mailing.id, MailingRecipient.user_id == user.id
        )
    )
    return f"/unsubscribe/{mailings.unsubscribe_token(row.id)}"


def opted_out(event, user) -> bool:
    return db.session.scalar(
        sa.select(Registration.announcements_opt_out).where(
            Registration.event_id == event.id, Registration.user_id == user.id
        )
    )


def test_unsubscribe_get_asks_and_changes_nothing(client, event, attendee, mailing):
    response = client.get(unsubscribe_path(mailing, attendee))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Stop the announcements and agenda emails the organizers of Northwind Summit" in page
    assert attendee.email in page
    assert '<button class="btn btn-primary" type="submit">Unsubscribe</button>' in page
    assert opted_out(event, attendee) is False


def test_unsubscribe_post_from_the_page(client, event, attendee, mailing):
    path = unsubscribe_path(mailing, attendee)
    response = client.post(path)
    assert response.status_code == 200
    assert "gets no more announcements" in response.get_data(as_text=True)
    assert opted_out(event, attendee) is True

    again = client.post(path, data={"action": "resubscribe"})
    assert "gets the announcements of Northwind Summit again" in again.get_data(as_text=True)
    assert opted_out(event, attendee) is False


def test_unsubscribe_one_click_post(client, event, attendee, mailing, app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post(
        unsubscribe_path(mailing, attendee),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert opted_out(event, attendee) is True


def test_unsubscribe_leaves_transactional_mail_and_other_people_alone(
    client, event, attendee, speaker, mailing
):
    client.post(unsubscribe_path(mailing, attendee))
    assert opted_out(event, speaker) is False
    follow_up = mailings.create_mailing(
        factories.organizer(event, name="Second Org"),
        event,
        MailingKind.announcement,
        "Again",
        "Text",
        Segment(),
    )
    db.session.commit()
    emails = db.session.scalars(
        sa.select(MailingRecipient.email).where(MailingRecipient.mailing_id == follow_up.id)
    ).all()
    assert attendee.email not in emails
    assert speaker.email in emails


@pytest.mark.parametrize("token", ["nonsense", "1.forged-signature", "preview.x"])
def test_unsubscribe_bad_token_is_a_clear_error(client, token):
    for response in (client.get(f"/unsubscribe/{token}"), client.post(f"/unsubscribe/{token}")):
        assert response.status_code == 404
        assert "This unsubscribe link is not valid. Copy the whole link from the email." in (
            response.get_data(as_text=True)
        )


def test_unsubscribe_preview_link_unsubscribes_nobody(client, event, organizer, attendee):
    rendered = mailings.preview(organizer, event, "announcement", "Hi", "Text", attendee)
    path = rendered.headers["List-Unsubscribe"][1:-1].replace("http://localhost", "")
    response = client.post(path)
    assert response.status_code == 404
    assert "comes from a preview" in response.get_data(as_text=True)
    assert opted_out(event, attendee) is False
