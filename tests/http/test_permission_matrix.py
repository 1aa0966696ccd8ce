"""Every page of an event against every identity of the permission matrix.

Area tests check the details; this one guards the whole surface: each GET
endpoint of the app is listed here with what each identity must get, and a
new endpoint that is not listed fails ``test_every_endpoint_is_in_the_matrix``.
"""

from __future__ import annotations

import pytest

from conference.extensions import db
from conference.models import Registration
from conference.services import booths, leads
from tests.conftest import IDENTITIES

LOGIN = "login"  # a redirect to the login page
OK = 200
DENIED = 403
PARTICIPANTS_ONLY = "participants-only"  # 403 with the participants-only page

STAFF = {"organizer": OK}
PARTICIPANTS = {
    "attendee": OK,
    "speaker": OK,
    "sponsor_staff": OK,
    "rival_staff": OK,
    "checkin_staff": OK,
    "organizer": OK,
}


def _expect(default, anonymous=LOGIN, **overrides):
    table = {name: default for name in IDENTITIES}
    table["anonymous"] = anonymous
    table.update(overrides)
    return table


ORGANIZER_ONLY = _expect(DENIED, **STAFF)
#: The desk: organizers and check-in staff.
DESK = _expect(DENIED, checkin_staff=OK, organizer=OK)
BADGE_PAGE = _expect(PARTICIPANTS_ONLY, anonymous=PARTICIPANTS_ONLY, pending=OK, **PARTICIPANTS)
PARTICIPANTS_ONLY_PAGE = _expect(PARTICIPANTS_ONLY, anonymous=PARTICIPANTS_ONLY, **PARTICIPANTS)
#: A sponsor's own pages: its staff (``sponsor_staff`` is an admin) and the organizers.
SPONSOR_PAGE = _expect(DENIED, sponsor_staff=OK, organizer=OK)
#: What only the sponsor's staff do (export, questions): not even organizers.
SPONSOR_ONLY = _expect(DENIED, sponsor_staff=OK)
SIGNED_IN = _expect(OK)
PUBLIC = _expect(OK, anonymous=OK)


def _attendee_registration_id(event, attendee) -> int:
    return db.session.scalar(
        db.select(Registration.id).where(
            Registration.event_id == event.id, Registration.user_id == attendee.id
        )
    )


MATRIX = {
    "events.home": ("/", PUBLIC),
    "events.landing": ("/e/{slug}/", PUBLIC),
    "events.sitemap": ("/sitemap.xml", PUBLIC),
    "profiles.directory": ("/e/{slug}/people/", PARTICIPANTS_ONLY_PAGE),
    "profiles.person": ("/e/{slug}/people/{attendee_id}", PARTICIPANTS_ONLY_PAGE),
    "organizer.dashboard": ("/e/{slug}/manage/", ORGANIZER_ONLY),
    "organizer.edit": ("/e/{slug}/manage/edit", ORGANIZER_ONLY),
    "organizer.taxonomy": ("/e/{slug}/manage/taxonomy", ORGANIZER_ONLY),
    "organizer.ticket_types": ("/e/{slug}/manage/ticket-types", ORGANIZER_ONLY),
    "organizer.team": ("/e/{slug}/manage/team", ORGANIZER_ONLY),
    "organizer.invitations": ("/e/{slug}/manage/invitations", ORGANIZER_ONLY),
    "organizer.registrations": ("/e/{slug}/manage/registrations", ORGANIZER_ONLY),
    "organizer.registrations_export": ("/e/{slug}/manage/registrations.csv", ORGANIZER_ONLY),
    "organizer.registration_edit": (
        "/e/{slug}/manage/registrations/{registration_id}",
        ORGANIZER_ONLY,
    ),
    "events.create": ("/events/new", SIGNED_IN),
    "auth.account": ("/account", SIGNED_IN),
    "profiles.edit": ("/me/profile", SIGNED_IN),
    "registration.mine": ("/me/events", SIGNED_IN),
    "admin.accounts": ("/admin/accounts", _expect(DENIED)),
    "organizer.program": ("/e/{slug}/manage/program/", ORGANIZER_ONLY),
    "organizer.session_new": ("/e/{slug}/manage/program/new", ORGANIZER_ONLY),
    "organizer.rooms": ("/e/{slug}/manage/program/rooms", ORGANIZER_ONLY),
    "organizer.tracks": ("/e/{slug}/manage/program/tracks", ORGANIZER_ONLY),
    "organizer.program_import": ("/e/{slug}/manage/program/import", ORGANIZER_ONLY),
    "organizer.program_template": (
        "/e/{slug}/manage/program/import/template.csv",
        ORGANIZER_ONLY,
    ),
    "program.agenda": ("/e/{slug}/program/", PUBLIC),
    "program.search": ("/e/{slug}/program/search?q=talk", PUBLIC),
    "program.mine": ("/e/{slug}/program/mine", PARTICIPANTS_ONLY_PAGE),
    "messages.inbox": ("/messages/", SIGNED_IN),
}

#: Endpoints checked in their area's tests rather than here, and why.
MATRIX |= {
    "organizer.meetings": ("/e/{slug}/manage/meetings", ORGANIZER_ONLY),
    "organizer.meeting_places": ("/e/{slug}/manage/meetings/places", ORGANIZER_ONLY),
    "organizer.meetings_all": ("/e/{slug}/manage/meetings/all", ORGANIZER_ONLY),
    "meetings.mine": ("/e/{slug}/meetings/", _expect(PARTICIPANTS_ONLY, **PARTICIPANTS)),
    # The attendee asking to meet themselves is sent back to the profile with a notice.
    "meetings.new": (
        "/e/{slug}/meetings/new/{attendee_id}",
        _expect(PARTICIPANTS_ONLY, **{**PARTICIPANTS, "attendee": 302}),
    ),
    "calendars.my_agenda": ("/e/{slug}/my-agenda.ics", PARTICIPANTS_ONLY_PAGE),
    "organizer.mailings": ("/e/{slug}/manage/mailings", ORGANIZER_ONLY),
    "organizer.mailing_new": ("/e/{slug}/manage/mailings/new", ORGANIZER_ONLY),
    "organizer.badges": ("/e/{slug}/manage/badges", ORGANIZER_ONLY),
    "organizer.badge_design_new": ("/e/{slug}/manage/badges/designs/new", ORGANIZER_ONLY),
    "organizer.badge_preview": (
        "/e/{slug}/manage/badges/preview.png?layout=a6&target=default",
        ORGANIZER_ONLY,
    ),
    "organizer.badge_print": ("/e/{slug}/manage/badges/print", ORGANIZER_ONLY),
    "organizer.badge_print_count": ("/e/{slug}/manage/badges/print/count.json", ORGANIZER_ONLY),
    "badges.mine": ("/e/{slug}/badge", BADGE_PAGE),
    "badges.mine_pdf": ("/e/{slug}/badge.pdf", PARTICIPANTS_ONLY_PAGE),
    "badges.print_one": ("/e/{slug}/badges/{registration_id}.pdf", DESK),
    "checkin.scanner": ("/e/{slug}/checkin/", DESK),
    "checkin.search_json": ("/e/{slug}/checkin/search.json?q=a", DESK),
    "checkin.snapshot": ("/e/{slug}/checkin/snapshot.json", DESK),
    "checkin.walk_in": ("/e/{slug}/checkin/walk-in", DESK),
    "checkin.walk_in_done": ("/e/{slug}/checkin/walk-in/{registration_id}", DESK),
    "checkin.dashboard": ("/e/{slug}/checkin/dashboard", DESK),
    "checkin.dashboard_json": ("/e/{slug}/checkin/dashboard.json", DESK),
    "organizer.sponsors": ("/e/{slug}/manage/sponsors/", ORGANIZER_ONLY),
    "organizer.sponsor_exports": ("/e/{slug}/manage/sponsors/exports", ORGANIZER_ONLY),
    "organizer.sponsor_packages": ("/e/{slug}/manage/sponsors/packages", ORGANIZER_ONLY),
    "organizer.sponsor_package_new": ("/e/{slug}/manage/sponsors/packages/new", ORGANIZER_ONLY),
    "organizer.sponsor_new": ("/e/{slug}/manage/sponsors/new", ORGANIZER_ONLY),
    "organizer.sponsor_edit": ("/e/{slug}/manage/sponsors/{sponsor_id}", ORGANIZER_ONLY),
    "sponsors.index": ("/e/{slug}/sponsors/", PARTICIPANTS_ONLY_PAGE),
    "sponsors.booth": ("/e/{slug}/sponsors/{sponsor_id}", PARTICIPANTS_ONLY_PAGE),
    "sponsors.material": (
        "/e/{slug}/sponsors/{sponsor_id}/materials/{material_id}",
        PARTICIPANTS_ONLY_PAGE,
    ),
    "sponsors.booth_edit": ("/e/{slug}/sponsors/{sponsor_id}/booth", SPONSOR_PAGE),
    "sponsors.announcement": ("/e/{slug}/sponsors/{sponsor_id}/announcement", SPONSOR_PAGE),
    "sponsors.team": ("/e/{slug}/sponsors/{sponsor_id}/team", SPONSOR_PAGE),
    "sponsors.dashboard": ("/e/{slug}/sponsors/{sponsor_id}/dashboard", SPONSOR_PAGE),
    "sponsors.leads": ("/e/{slug}/sponsors/{sponsor_id}/leads/", SPONSOR_PAGE),
    "sponsors.lead": ("/e/{slug}/sponsors/{sponsor_id}/leads/{lead_id}", SPONSOR_PAGE),
    "sponsors.leads_export": ("/e/{slug}/sponsors/{sponsor_id}/leads/export.csv", SPONSOR_ONLY),
    "sponsors.questions": ("/e/{slug}/sponsors/{sponsor_id}/questions", SPONSOR_ONLY),
    "sponsors.scanner": ("/e/{slug}/sponsors/{sponsor_id}/scan", SPONSOR_ONLY),
    "profiles.privacy": ("/me/privacy", SIGNED_IN),
    "organizer.api_tokens": ("/e/{slug}/manage/integrations/api-tokens", ORGANIZER_ONLY),
    "organizer.contacts_export": ("/e/{slug}/manage/contacts", ORGANIZER_ONLY),
    "organizer.reports": ("/e/{slug}/manage/reports/", ORGANIZER_ONLY),
    "organizer.report_table_json": (
        "/e/{slug}/manage/reports/tables/registrations_by_industry.json",
        ORGANIZER_ONLY,
    ),
    "organizer.report_table_csv": (
        "/e/{slug}/manage/reports/tables/registrations_by_day.csv",
        ORGANIZER_ONLY,
    ),
    "organizer.report_summary": ("/e/{slug}/manage/reports/summary", ORGANIZER_ONLY),
    "organizer.report_summary_pdf": ("/e/{slug}/manage/reports/summary.pdf", ORGANIZER_ONLY),
    "organizer.report_topics": ("/e/{slug}/manage/reports/topics", ORGANIZER_ONLY),
    "organizer.report_topics_json": ("/e/{slug}/manage/reports/topics.json", ORGANIZER_ONLY),
    "organizer.report_topics_csv": (
        "/e/{slug}/manage/reports/topics/crosstab.csv",
        ORGANIZER_ONLY,
    ),
    "organizer.webhooks": ("/e/{slug}/manage/integrations/webhooks", ORGANIZER_ONLY),
    "organizer.webhook_new": ("/e/{slug}/manage/integrations/webhooks/new", ORGANIZER_ONLY),
    "contacts.mine": ("/me/contacts", SIGNED_IN),
    "contacts.requests": ("/me/contacts/requests", SIGNED_IN),
    "contacts.vcards": ("/me/contacts.vcf", SIGNED_IN),
    "contacts.csv": ("/me/contacts.csv", SIGNED_IN),
    "contacts.scan": ("/e/{slug}/connect/scan", _expect(PARTICIPANTS_ONLY, **PARTICIPANTS)),
    "profiles.data_export": ("/me/data/export", SIGNED_IN),
    "profiles.delete_account": ("/me/delete", SIGNED_IN),
    "notifications.centre": ("/me/notifications", SIGNED_IN),
    "notifications.settings": ("/me/notifications/settings", SIGNED_IN),
    "matchmaking.suggestions": ("/e/{slug}/people/suggested", PARTICIPANTS_ONLY_PAGE),
    # A public event: others see its public items only.
    "news.feed": ("/e/{slug}/news/", PUBLIC),
    "news.atom_event": ("/e/{slug}/news.atom", PUBLIC),
    "news.manage": ("/e/{slug}/manage/news", ORGANIZER_ONLY),
    "news.sponsor_news": ("/e/{slug}/sponsors/{sponsor_id}/news", SPONSOR_ONLY),
    "moderation.queue": ("/e/{slug}/moderation/", ORGANIZER_ONLY),
    "moderation.log": ("/e/{slug}/moderation/log", ORGANIZER_ONLY),
    "points.manage": ("/e/{slug}/manage/points", ORGANIZER_ONLY),
    # The leaderboard is off until an organizer shows it: participants are told so.
    "points.leaderboard": (
        "/e/{slug}/leaderboard",
        _expect(
            PARTICIPANTS_ONLY,
            anonymous=PARTICIPANTS_ONLY,
            **{name: DENIED for name in PARTICIPANTS if name != "organizer"},
            organizer=OK,
        ),
    ),
    "points.mine": ("/e/{slug}/points/mine", PARTICIPANTS_ONLY_PAGE),
    "event_search.search": ("/e/{slug}/search?q=talk", PUBLIC),
    "discussions.index": ("/e/{slug}/discussions/", PARTICIPANTS_ONLY_PAGE),
    "discussions.new": ("/e/{slug}/discussions/new", _expect(PARTICIPANTS_ONLY, **PARTICIPANTS)),
    "discussions.people": ("/e/{slug}/discussions/people", _expect(DENIED, **PARTICIPANTS)),
    "discussions.settings": ("/e/{slug}/manage/discussions", ORGANIZER_ONLY),
    "health.healthz": ("/healthz", PUBLIC),
    "health.readyz": ("/readyz", PUBLIC),
    # The test client is on loopback and no METRICS_TOKEN is set; the refusals (another
    # address, through a proxy, a token) are in tests/http/test_health.py.
    "health.metrics": ("/metrics", PUBLIC),
}

ELSEWHERE = {
    "static": "public files",
    "admin.account_update": "POST only (tests/http/test_admin.py)",
    "auth.login": "public form (tests/http/test_auth.py)",
    "auth.signup": "public form (tests/http/test_auth.py)",
    "auth.reset_request": "public form (tests/http/test_auth.py)",
    "auth.reset_password": "needs an emailed token (tests/http/test_auth.py)",
    "auth.verify": "needs an emailed token (tests/http/test_auth.py)",
    "auth.confirm_email": "needs an emailed token (tests/http/test_auth.py)",
    "auth.logout": "POST only (tests/http/test_auth.py)",
    "auth.resend_verification": "POST only (tests/http/test_auth.py)",
    "auth.change_email": "POST only (tests/http/test_auth.py)",
    "auth.change_password": "POST only (tests/http/test_auth.py)",
    "auth.change_language": "POST only (tests/http/test_auth.py)",
    "organizer.registrations_bulk": "POST only (tests/http/test_organizer_registrations.py)",
    "profiles.photo": "needs an uploaded photo (tests/http/test_profiles.py)",
    "registration.register": "depends on the person's registration (test_registration.py)",
    "registration.detail": "the person's own registration (test_registration.py)",
    "registration.edit": "the person's own registration (test_registration.py)",
    "registration.cancel": "the person's own registration (test_registration.py)",
    "program.material": "needs an uploaded material; every identity in test_materials.py",
    "program.material_upload": "POST only (tests/http/test_materials.py)",
    "program.material_delete": "POST only (tests/http/test_materials.py)",
    "program.material_publish": "POST only (tests/http/test_materials.py)",
    "organizer.session_edit": "needs a session; every identity in test_organizer_program.py",
    "organizer.session_delete": "POST only (tests/http/test_organizer_program.py)",
    "program.session": "needs a session; every identity, drafts too, in tests/http/test_agenda.py",
    "program.bookmark": "POST only (tests/http/test_agenda.py)",
    "messages.conversation": "needs a conversation; members and strangers in test_messages.py",
    "messages.history": "needs a conversation; members and strangers in test_messages.py",
    "messages.send": "POST only (tests/http/test_messages.py)",
    "messages.start": "POST only (tests/http/test_messages.py)",
    "messages.block": "POST only (tests/http/test_messages.py)",
    "messages.unblock": "POST only (tests/http/test_messages.py)",
    "messages.report": "POST only (tests/http/test_messages.py)",
    "meetings.detail": "needs a meeting; every identity in tests/http/test_meetings.py",
    "meetings.change": "needs a meeting; every identity in tests/http/test_meetings.py",
    "meetings.accept": "POST only (tests/http/test_meetings.py)",
    "meetings.decline": "POST only (tests/http/test_meetings.py)",
    "meetings.cancel": "POST only (tests/http/test_meetings.py)",
    "calendars.session_ics": "needs a session; every identity, drafts too, in test_calendars.py",
    "calendars.meeting_ics": "needs a meeting; every identity in tests/http/test_calendars.py",
    "calendars.feed": "needs a feed token, no login (tests/http/test_calendars.py)",
    "calendars.feed_start": "POST only (tests/http/test_calendars.py)",
    "calendars.feed_regenerate": "POST only (tests/http/test_calendars.py)",
    "calendars.feed_stop": "POST only (tests/http/test_calendars.py)",
    "organizer.mailing": "needs a mailing; every identity in test_organizer_mailings.py",
    "organizer.mailing_progress": "needs a mailing; every identity in test_organizer_mailings.py",
    "organizer.mailing_retry": "POST only (tests/http/test_organizer_mailings.py)",
    "subscriptions.unsubscribe": "needs an emailed token (tests/http/test_organizer_mailings.py)",
    "subscriptions.unsubscribe_post": "needs an emailed token (test_organizer_mailings.py)",
    "organizer.badge_design": "needs a design; every identity in test_badges_organizer.py",
    "organizer.badge_design_delete": "POST only (tests/http/test_badges_organizer.py)",
    "organizer.badge_logo": "POST only (tests/http/test_badges_organizer.py)",
    "organizer.badge_logo_remove": "POST only (tests/http/test_badges_organizer.py)",
    "organizer.badge_logo_image": "needs a logo; every identity in test_badges_organizer.py",
    "organizer.badge_batch": "needs a batch; every identity in test_badges_organizer.py",
    "organizer.badge_batch_progress": "needs a batch; every identity in test_badges_organizer.py",
    "organizer.badge_batch_download": "needs a batch; every identity in test_badges_organizer.py",
    "badges.reissue": "POST only (tests/http/test_badges_participant.py)",
    "checkin.scan": "POST only (tests/http/test_checkin.py)",
    "checkin.pick": "POST only (tests/http/test_checkin.py)",
    "checkin.sync": "POST only (tests/http/test_checkin.py)",
    "organizer.sponsor_package_edit": "needs a package; all identities: test_sponsors_organizer.py",
    "organizer.sponsor_delete": "POST only (tests/http/test_sponsors_organizer.py)",
    "sponsors.team_revoke": "POST only (tests/http/test_sponsors_team.py)",
    "sponsors.team_remove": "POST only (tests/http/test_sponsors_team.py)",
    "sponsors.accept_invitation": "needs an emailed token (tests/http/test_sponsors_team.py)",
    "sponsors.logo": "needs an uploaded logo; every identity in test_sponsor_booths.py",
    "sponsors.share": "POST only (tests/http/test_sponsor_booths.py)",
    "sponsors.booth_material_add": "POST only (tests/http/test_sponsor_booths.py)",
    "sponsors.booth_material_delete": "POST only (tests/http/test_sponsor_booths.py)",
    "sponsors.scan": "POST only (tests/http/test_sponsor_scan.py)",
    "sponsors.scan_rate": "POST only (tests/http/test_sponsor_scan.py)",
    "profiles.privacy_request": "POST only (tests/http/test_privacy_leads.py)",
    "profiles.privacy_withdraw": "POST only (tests/http/test_privacy_leads.py)",
    "organizer.api_token_revoke": "POST only (tests/http/test_api.py)",
    "organizer.contacts_export_csv": "POST only (tests/http/test_contacts_export.py)",
    "api.event": "needs an API token, no login (tests/http/test_api.py)",
    "api.registrations": "needs an API token, no login (tests/http/test_api.py)",
    "api.sessions": "needs an API token, no login (tests/http/test_api.py)",
    "api.attendance": "needs an API token, no login (tests/http/test_api.py)",
    "api.report_topics": "needs an API token, no login (tests/http/test_api.py)",
    "api.openapi": "public API description (tests/http/test_api.py)",
    "organizer.webhook": "needs a webhook (tests/http/test_webhooks.py)",
    "organizer.webhook_edit": "needs a webhook (tests/http/test_webhooks.py)",
    "organizer.webhook_secret": "POST only (tests/http/test_webhooks.py)",
    "organizer.webhook_test": "POST only (tests/http/test_webhooks.py)",
    "organizer.webhook_delete": "POST only (tests/http/test_webhooks.py)",
    "organizer.webhook_delivery_replay": "POST only (tests/http/test_webhooks.py)",
    "contacts.ask": "needs another participant (tests/http/test_contacts.py)",
    "contacts.vcard": "needs a contact (tests/http/test_contacts.py)",
    "contacts.update": "POST only (tests/http/test_contacts.py)",
    "contacts.remove": "POST only (tests/http/test_contacts.py)",
    "contacts.accept": "POST only (tests/http/test_contacts.py)",
    "contacts.decline": "POST only (tests/http/test_contacts.py)",
    "contacts.withdraw": "POST only (tests/http/test_contacts.py)",
    "contacts.scan_json": "POST only (tests/http/test_contacts.py)",
    "contacts.message": "POST only (tests/http/test_contacts.py)",
    "profiles.privacy_visibility": "POST only (tests/http/test_my_data.py)",
    "profiles.download_export": "needs a built export (tests/http/test_my_data.py)",
    "profiles.confirm_delete_account": "needs an emailed token (tests/http/test_my_data.py)",
    "notifications.read": "POST only (tests/http/test_notifications.py)",
    "notifications.open_one": "POST only (tests/http/test_notifications.py)",
    "notifications.read_all": "POST only (tests/http/test_notifications.py)",
    "notifications.announcement": "needs an announcement (tests/http/test_notifications.py)",
    "notifications.unsubscribe": "needs an emailed token (tests/http/test_notifications.py)",
    "notifications.unsubscribe_post": "needs an emailed token (tests/http/test_notifications.py)",
    "matchmaking.feedback": "POST only (tests/http/test_matchmaking.py)",
    "auth.switch_language": "POST only (tests/http/test_language.py)",
    "news.item": "needs a news item; every identity in tests/http/test_news.py",
    "news.edit": "needs a news item; every identity in tests/http/test_news.py",
    "news.atom_topic": "needs a topic id (tests/http/test_news.py)",
    "news.atom_track": "needs a track id (tests/http/test_news.py)",
    "news.follow": "POST only (tests/http/test_news.py)",
    "news.delete": "POST only (tests/http/test_news.py)",
    "moderation.report": "POST only (tests/http/test_moderation.py)",
    "messages.moderation": "redirects to moderation.queue (tests/http/test_moderation.py)",
    "discussions.thread": "needs a thread (tests/http/test_discussions.py)",
    "discussions.edit": "needs a post (tests/http/test_discussions.py)",
    "discussions.reply": "POST only (tests/http/test_discussions.py)",
    "discussions.follow": "POST only (tests/http/test_discussions.py)",
    "discussions.lock": "POST only (tests/http/test_discussions.py)",
    "qa.questions": "needs a session (tests/http/test_qa.py)",
    "qa.present": "needs a session (tests/http/test_qa.py)",
    "qa.ask": "POST only (tests/http/test_qa.py)",
    "qa.vote": "POST only (tests/http/test_qa.py)",
    "qa.answered": "POST only (tests/http/test_qa.py)",
    "qa.pin": "POST only (tests/http/test_qa.py)",
    "qa.hide": "POST only (tests/http/test_qa.py)",
}


def test_every_endpoint_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - MATRIX.keys() - ELSEWHERE.keys() == set()
    assert (MATRIX.keys() | ELSEWHERE.keys()) - endpoints == set()


def _sponsor_ids(sponsor, sponsor_admin, attendee) -> dict[str, int]:
    """A link on the booth of ``sponsor`` and a lead of it (``attendee`` shared)."""
    material = booths.add_link(sponsor_admin, sponsor, title="Brochure", url="https://acme.test/")
    lead = leads.share_from_booth(attendee, sponsor, leads.share_text(sponsor))
    db.session.commit()
    return {"sponsor_id": sponsor.id, "material_id": material.id, "lead_id": lead.id}


@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_endpoint_answers_each_identity(
    endpoint, identity, client, as_identity, event, attendee, organizer, sponsor, sponsor_staff
):
    template, expected = MATRIX[endpoint]
    url = template.format(
        slug=event.slug,
        attendee_id=attendee.id,
        registration_id=_attendee_registration_id(event, attendee),
        **(_sponsor_ids(sponsor, sponsor_staff, attendee) if "{sponsor_id}" in template else {}),
    )
    as_identity(identity)

    response = client.get(url)

    want = expected[identity]
    if want == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    elif want == PARTICIPANTS_ONLY:
        assert response.status_code == 403
        body = response.get_data(as_text=True)
        assert "visible to registered participants only" in body
        assert attendee.display_name not in body
    else:
        assert response.status_code == want
