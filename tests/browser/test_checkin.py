"""Check-in at the door in a browser: staff find one person by name and scan another's
badge (a picture of its QR code, decoded in the page), while an organizer's dashboard
in another browser counts them live; then the network drops, the page carries on
against its offline list, and once back it sends the queue and shows the server's
correction. A page whose session ended asks for a reload instead of going offline, and
keeps its queue across it; offline, a long QR code that is no badge is refused without
being queued, and "already checked in at" is the event's time of day."""

from __future__ import annotations

from pathlib import Path

import qrcode
from flask_babel import force_locale
from PIL import Image, ImageDraw
from playwright.sync_api import expect

import conference.realtime.checkin  # noqa: F401  (registers the events; conference.realtime imports it too)
from conference.enums import ScanAction
from conference.extensions import db
from conference.models import CheckIn, Event, Registration, User
from conference.models.people import new_session_nonce
from conference.services import badges
from conference.services import checkin as service
from conference.services.program import clock
from tests import factories

SLUG = "door-fest"


def _badge_image(payload: str, name: str, path: Path) -> Path:
    """A badge-like picture: the name above the QR code, as a phone would photograph it."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(payload)
    qr = code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    badge = Image.new("RGB", (qr.width + 80, qr.height + 160), "white")
    ImageDraw.Draw(badge).text((40, 50), name, fill="black")
    badge.paste(qr, (40, 120))
    badge.save(path)
    return path


def _seed(live_server, tmp_path: Path) -> dict:
    with live_server.app.app_context(), force_locale("en"):
        event = factories.event(name="Door Fest", slug=SLUG)
        organizer = factories.organizer(event, "Olga Organizer")
        staff = factories.participant(event, "Chris Checkin", roles=["checkin_staff"])
        anna = factories.participant(event, "Anna Attendee", company="Acme")
        factories.participant(event, "Bert Byname", company="Bolt")
        carl = factories.participant(event, "Carl Crowd")
        dora = factories.participant(event, "Dora Double")
        images = {}
        payloads = {}
        for person in (anna, carl, dora):
            registration = db.session.scalar(
                db.select(Registration).where(Registration.user_id == person.id)
            )
            payload = badges.live_code(registration).qr_payload
            payloads[person.display_name] = payload
            images[person.display_name] = _badge_image(
                payload, person.display_name, tmp_path / f"{person.id}.png"
            )
        db.session.commit()
        return {
            "organizer": organizer.email,
            "staff": staff.email,
            "staff_id": staff.id,
            "images": images,
            "payloads": payloads,
        }


def _log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def _admit_elsewhere(live_server, name: str, staff_id: int) -> None:
    """Another device admits ``name`` (straight through the service)."""
    with live_server.app.app_context(), force_locale("en"):
        event = db.session.scalar(db.select(Event).where(Event.slug == SLUG))
        person = db.session.scalar(db.select(User).where(User.display_name == name))
        registration = db.session.scalar(
            db.select(Registration).where(Registration.user_id == person.id)
        )
        service.pick(event, db.session.get(User, staff_id), registration.id, ScanAction.check_in)
        db.session.commit()


def test_check_in_by_name_and_by_scanned_badge_with_a_live_dashboard_and_offline(
    page, chromium, live_server, tmp_path
):
    seeded = _seed(live_server, tmp_path)
    staff = page
    board_context = chromium.new_context(base_url=live_server.url, locale="en-US")
    board_context.set_default_timeout(10_000)
    board = board_context.new_page()
    try:
        _log_in(board, seeded["organizer"])
        board.goto(f"/e/{SLUG}/checkin/dashboard")
        expect(board.locator("#checkin-dashboard[data-watching=true]")).to_have_count(1)
        expect(board.locator('[data-stat="checked_in"]')).to_have_text("0")

        _log_in(staff, seeded["staff"])
        staff.goto(f"/e/{SLUG}/checkin/")
        expect(staff.locator("[data-connection]")).to_contain_text("Online")

        # By name: type, pick, and the screen turns green with the name.
        staff.get_by_label("Name, company or email").fill("bert")
        staff.locator("[data-results]").get_by_role("button", name="Entrance check-in").click()
        overlay = staff.locator("[data-overlay]")
        expect(overlay).to_be_visible()
        expect(overlay).to_have_class("scan-overlay is-green")
        expect(overlay).to_contain_text("Bert Byname")
        expect(overlay).to_contain_text("Checked in.")
        expect(board.locator('[data-stat="checked_in"]')).to_have_text("1")
        expect(board.locator('[data-rows="recent"]')).to_contain_text("Bert Byname")
        overlay.click()
        expect(overlay).to_be_hidden()

        # By a scanned badge: the page decodes the QR code of the picture itself.
        staff.locator("[data-photo]").set_input_files(str(seeded["images"]["Anna Attendee"]))
        expect(overlay).to_have_class("scan-overlay is-green")
        expect(overlay).to_contain_text("Anna Attendee")
        expect(overlay).to_contain_text("Standard · Acme")
        expect(board.locator('[data-stat="checked_in"]')).to_have_text("2")
        overlay.click()

        # The same badge again is red, with when and by whom.
        staff.locator("[data-photo]").set_input_files(str(seeded["images"]["Anna Attendee"]))
        expect(overlay).to_have_class("scan-overlay is-red")
        expect(overlay).to_contain_text("Already checked in at")
        expect(overlay).to_contain_text("by Chris Checkin")
        overlay.click()

        # Offline: the page notices by itself and answers from its list.
        _admit_elsewhere(live_server, "Dora Double", seeded["staff_id"])
        staff.context.set_offline(True)
        expect(staff.locator("[data-connection]")).to_contain_text("Offline")
        staff.locator("[data-photo]").set_input_files(str(seeded["images"]["Carl Crowd"]))
        expect(overlay).to_have_class("scan-overlay is-green")
        expect(overlay).to_contain_text("Carl Crowd")
        expect(overlay).to_contain_text("Decided offline")
        overlay.click()
        staff.locator("[data-photo]").set_input_files(str(seeded["images"]["Dora Double"]))
        expect(overlay).to_contain_text("Dora Double")
        expect(overlay).to_have_class("scan-overlay is-green")  # its list is older than that
        overlay.click()
        expect(staff.locator("[data-connection]")).to_contain_text("2 scans waiting")
        expect(board.locator('[data-stat="checked_in"]')).to_have_text("3")

        # Back online: the queue is sent, Carl counts, and Dora's answer is corrected.
        staff.context.set_offline(False)
        report = staff.locator("[data-sync-report]")
        expect(report).to_contain_text("2 scans made offline were sent")
        expect(report.locator("[data-correction]")).to_have_count(1)
        expect(report.locator('[data-correction="already"]')).to_contain_text("Dora Double")
        expect(staff.locator("[data-connection]")).not_to_contain_text("waiting")
        expect(board.locator('[data-stat="checked_in"]')).to_have_text("4")
    finally:
        board_context.close()


STALE = "Your session has ended or the page is out of date. Reload the page to continue"


def _queue(page, staff_id: int) -> list:
    """The scans the page keeps in this browser for later."""
    return page.evaluate(
        "key => JSON.parse(localStorage.getItem(key) || '[]')",
        f"checkin-queue:{SLUG}:{staff_id}",
    )


def _checked_in_at(live_server, name: str):
    """When ``name`` was checked in (None: not yet)."""
    with live_server.app.app_context():
        return _checked_in_at_here(name)


def _checked_in_at_here(name: str):
    """When ``name`` was checked in (None: not yet), inside an app context."""
    return db.session.scalar(
        db.select(CheckIn.checked_in_at)
        .join(Registration, CheckIn.registration_id == Registration.id)
        .join(User, Registration.user_id == User.id)
        .where(User.display_name == name)
    )


def test_a_scan_after_the_session_ended_asks_for_a_reload_not_offline(page, live_server, tmp_path):
    seeded = _seed(live_server, tmp_path)
    _log_in(page, seeded["staff"])
    page.goto(f"/e/{SLUG}/checkin/")
    connection = page.locator("[data-connection]")
    expect(connection).to_contain_text("Online")

    # The session stops being valid on the server without the page hearing of it (a
    # logout elsewhere reloads pages through their socket; this one's was down): the
    # next request is redirected to the login page.
    with live_server.app.app_context():
        db.session.get(User, seeded["staff_id"]).session_nonce = new_session_nonce()
        db.session.commit()

    page.get_by_label("Badge code").fill(seeded["payloads"]["Anna Attendee"])
    page.get_by_role("button", name="Check", exact=True).click()
    overlay = page.locator("[data-overlay]")
    expect(overlay).to_have_class("scan-overlay is-red")
    expect(overlay).to_contain_text(STALE)
    expect(page.locator("[data-overlay-offline]")).to_be_hidden()
    overlay.click()
    stale = page.locator("[data-stale]")
    expect(stale).to_be_visible()
    expect(stale).to_contain_text(STALE)
    expect(connection).to_be_hidden()
    expect(connection).not_to_contain_text("Offline")
    assert _queue(page, seeded["staff_id"]) == []
    assert _checked_in_at(live_server, "Anna Attendee") is None

    # Nothing more is tried until the reload, which leads to the login page.
    page.get_by_label("Badge code").fill(seeded["payloads"]["Carl Crowd"])
    page.get_by_role("button", name="Check", exact=True).click()
    expect(overlay).to_contain_text(STALE)
    assert _queue(page, seeded["staff_id"]) == []
    overlay.click()
    stale.get_by_role("button", name="Reload").click()
    page.wait_for_url("**/login**")
    expect(page.get_by_label("Email")).to_be_visible()


def test_a_queue_refused_for_an_ended_session_is_kept_and_sent_after_logging_in_again(
    page, live_server, tmp_path
):
    seeded = _seed(live_server, tmp_path)
    _log_in(page, seeded["staff"])
    page.goto(f"/e/{SLUG}/checkin/")
    connection = page.locator("[data-connection]")
    expect(connection).to_contain_text("Online")
    overlay = page.locator("[data-overlay]")

    page.context.set_offline(True)
    expect(connection).to_contain_text("Offline")
    page.locator("[data-photo]").set_input_files(str(seeded["images"]["Carl Crowd"]))
    expect(overlay).to_have_class("scan-overlay is-green")
    expect(overlay).to_contain_text("Decided offline")
    overlay.click()
    expect(connection).to_contain_text("1 scans waiting")

    # The session cookie is gone (its CSRF token with it): /sync answers an HTML 400.
    page.context.clear_cookies()
    page.context.set_offline(False)
    stale = page.locator("[data-stale]")
    expect(stale).to_contain_text(STALE)
    expect(stale).to_contain_text("1 scans waiting to be sent.")
    expect(connection).to_be_hidden()
    expect(page.locator("[data-sync-report]")).to_be_hidden()
    assert len(_queue(page, seeded["staff_id"])) == 1
    assert _checked_in_at(live_server, "Carl Crowd") is None

    stale.get_by_role("button", name="Reload").click()
    page.wait_for_url("**/login**")
    _log_in(page, seeded["staff"])
    page.goto(f"/e/{SLUG}/checkin/")
    expect(page.locator("[data-sync-report]")).to_contain_text("1 scans made offline were sent")
    expect(page.locator("[data-correction]")).to_have_count(0)
    expect(connection).to_have_text("Online")
    assert _queue(page, seeded["staff_id"]) == []
    assert _checked_in_at(live_server, "Carl Crowd") is not None


def test_offline_a_long_code_is_no_badge_and_already_in_shows_the_event_time(
    page, chromium, live_server, tmp_path
):
    seeded = _seed(live_server, tmp_path)
    _admit_elsewhere(live_server, "Anna Attendee", seeded["staff_id"])
    with live_server.app.app_context(), force_locale("en"):
        event = db.session.scalar(db.select(Event).where(Event.slug == SLUG))
        anna_in_at = clock(event, _checked_in_at_here("Anna Attendee"))
    # The device is half a world away from the event (Europe/Berlin).
    context = chromium.new_context(
        base_url=live_server.url, locale="en-US", timezone_id="Pacific/Auckland"
    )
    context.set_default_timeout(10_000)
    staff = context.new_page()
    try:
        _log_in(staff, seeded["staff"])
        staff.goto(f"/e/{SLUG}/checkin/")
        connection = staff.locator("[data-connection]")
        expect(connection).to_contain_text("Online")
        # The list is kept in IndexedDB, not in localStorage.
        staff.wait_for_function(
            """slug => new Promise(resolve => {
                const open = indexedDB.open("checkin");
                open.onsuccess = () => {
                    const get = open.result.transaction("lists").objectStore("lists")
                        .get("list:" + slug);
                    get.onsuccess = () => resolve(!!get.result
                        && JSON.parse(get.result).event === slug);
                    get.onerror = () => resolve(false);
                };
                open.onerror = () => resolve(false);
            })""",
            arg=SLUG,
        )
        assert (
            staff.evaluate(
                "() => Object.keys(localStorage).filter(k => k.startsWith('checkin-snapshot:'))"
            )
            == []
        )

        context.set_offline(True)
        expect(connection).to_contain_text("Offline")
        overlay = staff.locator("[data-overlay]")
        wifi = "WIFI:T:WPA;S:Door Fest Guests;P:" + "x" * 220 + ";;"
        staff.get_by_label("Badge code").fill(wifi)
        staff.get_by_role("button", name="Check", exact=True).click()
        expect(overlay).to_have_class("scan-overlay is-red")
        expect(overlay).to_contain_text("This is not a badge of this event.")
        overlay.click()
        expect(connection).not_to_contain_text("waiting")
        assert _queue(staff, seeded["staff_id"]) == []

        staff.get_by_label("Badge code").fill(seeded["payloads"]["Anna Attendee"])
        staff.get_by_role("button", name="Check", exact=True).click()
        expect(overlay).to_have_class("scan-overlay is-red")
        expect(overlay).to_contain_text(f"Already checked in at {anna_in_at}.")
        expect(overlay).to_contain_text("Decided offline")
        overlay.click()
        expect(connection).to_contain_text("1 scans waiting")
    finally:
        context.close()


LISTS_KEPT = """() => indexedDB.databases().then(all => all.some(d => d.name === "checkin"))"""


def test_logging_out_deletes_the_offline_list_from_the_device(page, live_server, tmp_path):
    seeded = _seed(live_server, tmp_path)
    _log_in(page, seeded["staff"])
    page.goto(f"/e/{SLUG}/checkin/")
    expect(page.locator("[data-connection]")).to_contain_text("Online")
    page.wait_for_function(LISTS_KEPT)

    page.locator(".navbar .dropdown-toggle").last.click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(lambda url: "/checkin/" not in url)
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")
    ).to_be_visible()

    page.wait_for_function(f"() => ({LISTS_KEPT})().then(kept => !kept)")


FILL_STORAGE = """prefix => {
    let size = 1 << 20, i = 0;
    while (size >= 16) {
        try { localStorage.setItem(prefix + i, "x".repeat(size)); i++; }
        catch (e) { size = size >> 1; }
    }
}"""


def test_a_full_local_storage_makes_room_for_the_queue_or_says_scans_may_be_lost(
    page, live_server, tmp_path
):
    seeded = _seed(live_server, tmp_path)
    _log_in(page, seeded["staff"])
    page.goto(f"/e/{SLUG}/checkin/")
    connection = page.locator("[data-connection]")
    expect(connection).to_contain_text("Online")
    overlay = page.locator("[data-overlay]")
    warning = page.locator("[data-storage-warning]")

    # An offline list an earlier version of the page left in localStorage, and the rest full.
    page.evaluate("() => localStorage.setItem('checkin-snapshot:old-fest', 'x'.repeat(300000))")
    page.evaluate(FILL_STORAGE, "filler-a")
    page.context.set_offline(True)
    expect(connection).to_contain_text("Offline")
    page.locator("[data-photo]").set_input_files(str(seeded["images"]["Carl Crowd"]))
    expect(overlay).to_contain_text("Carl Crowd")
    overlay.click()
    assert len(_queue(page, seeded["staff_id"])) == 1
    assert page.evaluate("() => localStorage.getItem('checkin-snapshot:old-fest')") is None
    expect(warning).to_be_hidden()

    # Nothing left to drop: the scan is kept in the page, and the page says so.
    page.evaluate(FILL_STORAGE, "filler-b")
    page.locator("[data-photo]").set_input_files(str(seeded["images"]["Dora Double"]))
    expect(overlay).to_contain_text("Dora Double")
    overlay.click()
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("storage is full")
    expect(connection).to_contain_text("2 scans waiting")
    assert len(_queue(page, seeded["staff_id"])) == 1

    page.context.set_offline(False)
    expect(page.locator("[data-sync-report]")).to_contain_text("2 scans made offline were sent")
    expect(warning).to_be_hidden()
    assert _queue(page, seeded["staff_id"]) == []
    assert _checked_in_at(live_server, "Dora Double") is not None
