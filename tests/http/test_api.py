"""The REST API: tokens, scopes, one event per token, paging, JSON errors, the rate
limit, and every kind of answer validated against the served OpenAPI document."""

from __future__ import annotations

import pytest
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse

from conference.enums import ApiScope
from conference.extensions import db
from conference.models import ApiToken, CheckIn, SessionAttendance
from conference.services import api_tokens
from tests import factories
from tests import program_helpers as ph

ALL_SCOPES = [scope.value for scope in ApiScope]
ENDPOINTS = {
    "events": "/api/v1/event",
    "registrations": "/api/v1/registrations",
    "sessions": "/api/v1/sessions",
    "attendance": "/api/v1/attendance",
    "reports": "/api/v1/reports/topics",
}


def _token(event, organizer, scopes=ALL_SCOPES) -> str:
    _token_row, raw = api_tokens.create_token(organizer, event, "Test", scopes)
    db.session.commit()
    return raw


def _get(client, url, raw=None, **query):
    headers = {"Authorization": f"Bearer {raw}"} if raw else {}
    return client.get(url, headers=headers, query_string=query)


@pytest.fixture
def openapi(client):
    return OpenAPI.from_dict(client.get("/api/v1/openapi.json").get_json())


def _valid(openapi, response):
    """``response`` as the OpenAPI document describes it (raises otherwise)."""
    openapi.validate_response(
        WerkzeugOpenAPIRequest(response.request), WerkzeugOpenAPIResponse(response)
    )
    return response


@pytest.fixture
def busy_event(event, organizer, attendee, speaker):
    """Sessions, a check-in and a session attendance on ``event``."""
    keynote = ph.session(
        event, "Keynote", topics=["AI"], speakers=[speaker], room=ph.room(event, "Hall")
    )
    ph.session(event, "Draft", published=False)
    came = factories.registration_of(event, attendee)
    db.session.add(CheckIn(registration_id=came.id, event_id=event.id))
    db.session.add(
        SessionAttendance(session_id=keynote.id, registration_id=came.id, event_id=event.id)
    )
    db.session.commit()
    return event


def test_openapi_document_served_without_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == set(ENDPOINTS.values())
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


@pytest.mark.parametrize("scope", sorted(ENDPOINTS))
def test_every_endpoint_answers_as_documented(client, openapi, busy_event, organizer, scope):
    raw = _token(busy_event, organizer)
    response = _valid(openapi, _get(client, ENDPOINTS[scope], raw))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("scope", sorted(ENDPOINTS))
def test_every_endpoint_refuses_without_token(client, openapi, scope):
    response = _valid(openapi, _get(client, ENDPOINTS[scope]))
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"
    assert response.get_json()["ok"] is False
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("scope", sorted(ENDPOINTS))
def test_every_endpoint_refuses_token_without_scope(client, openapi, event, organizer, scope):
    others = [s for s in ALL_SCOPES if s != scope]
    response = _valid(openapi, _get(client, ENDPOINTS[scope], _token(event, organizer, others)))
    assert response.status_code == 403
    assert response.get_json()["error"] == "scope"


def test_unknown_token_refused(client, event, organizer):
    _token(event, organizer)
    response = _get(client, "/api/v1/event", "ct_" + "x" * 43)
    assert response.status_code == 401


def test_revoked_token_fails_at_once(client, login, event, organizer):
    raw = _token(event, organizer)
    assert _get(client, "/api/v1/event", raw).status_code == 200
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.event_id == event.id))
    login(organizer)
    revoked = client.post(f"/e/{event.slug}/manage/integrations/api-tokens/{token.id}/revoke")
    assert revoked.status_code == 302
    response = _get(client, "/api/v1/event", raw)
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"


def test_token_of_one_event_reads_nothing_of_another(client, event, organizer, other_event):
    factories.participant(other_event, name="Oscar Other")
    ph.session(other_event, "Their keynote")
    raw = _token(event, organizer)
    assert _get(client, "/api/v1/event", raw).get_json()["slug"] == event.slug
    names = {row["name"] for row in _get(client, "/api/v1/registrations", raw).get_json()["data"]}
    assert names == {"Olga Organizer"}
    assert _get(client, "/api/v1/sessions", raw).get_json()["data"] == []


def test_registrations_carry_profile_and_taxonomy(client, event, organizer):
    factories.participant(
        event,
        name="Anna",
        company="Acme",
        job_title="CTO",
        industry="Finance",
        region="APAC",
        job_role="CTO",
        interests=["AI", "Security"],
        ticket_type="VIP",
    )
    raw = _token(event, organizer, ["registrations"])
    anna = _get(client, "/api/v1/registrations", raw).get_json()["data"][1]
    assert anna["name"] == "Anna"
    assert (anna["company"], anna["job_title"], anna["status"]) == ("Acme", "CTO", "approved")
    assert anna["industry"]["name"] == "Finance"
    assert anna["region"]["name"] == "APAC"
    assert anna["job_role"]["name"] == "CTO"
    assert anna["ticket_type"]["name"] == "VIP"
    assert [term["name"] for term in anna["interests"]] == ["AI", "Security"]


def test_registrations_page_by_cursor(client, event, organizer):
    for i in range(4):
        factories.participant(event, name=f"P{i}")
    raw = _token(event, organizer, ["registrations"])
    first = _get(client, "/api/v1/registrations", raw, limit=3).get_json()
    second = _get(
        client, "/api/v1/registrations", raw, limit=3, cursor=first["next_cursor"]
    ).get_json()
    assert [r["name"] for r in first["data"]] == ["Olga Organizer", "P0", "P1"]
    assert [r["name"] for r in second["data"]] == ["P2", "P3"]
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"cursor": "abc"}, "cursor"),
        ({"cursor": "9" * 23}, "cursor"),
    ],
)
def test_bad_paging_is_json_400(client, openapi, event, organizer, query, field):
    raw = _token(event, organizer)
    response = _valid(openapi, _get(client, "/api/v1/registrations", raw, **query))
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "invalid"
    assert list(body["fields"]) == [field]


def test_answers_are_never_stored_by_caches_and_unknown_paths_are_json(client, event, organizer):
    raw = _token(event, organizer)
    assert _get(client, "/api/v1/event", raw).headers["Cache-Control"] == "no-store"
    missing = _get(client, "/api/v1/nothing-here", raw)
    assert (missing.status_code, missing.get_json()["error"]) == (404, "not_found")


def test_sessions_in_utc_and_event_zone(client, event, organizer):
    ph.session(event, "Keynote", "10:00", "10:45")
    raw = _token(event, organizer, ["sessions"])
    keynote = _get(client, "/api/v1/sessions", raw).get_json()["data"][0]
    assert keynote["timezone"] == "Europe/Berlin"
    utc = ph.at(event, 0, "10:00")
    assert keynote["starts_at"] == utc.isoformat()
    assert keynote["starts_at_local"].startswith(f"{event.starts_on.isoformat()}T10:00:00+0")


def test_attendance_lists_check_in_and_sessions(client, busy_event, organizer, attendee):
    raw = _token(busy_event, organizer, ["attendance"])
    body = _get(client, "/api/v1/attendance", raw).get_json()
    registration = factories.registration_of(busy_event, attendee)
    assert [row["registration_id"] for row in body["data"]] == [registration.id]
    assert body["data"][0]["checked_in_at"] is not None
    assert len(body["data"][0]["sessions"]) == 1


def test_topics_report_suppresses_small_groups(client, event, organizer):
    raw = _token(event, organizer, ["reports"])
    body = _get(client, "/api/v1/reports/topics", raw, measure="interest", columns="").get_json()
    crosstab = body["crosstab"]
    assert crosstab["k"] == 5
    assert crosstab["measure"] == "interest"
    ai = crosstab["rows"].index(next(row for row in crosstab["rows"] if row["label"] == "AI"))
    assert crosstab["row_totals"][ai] == {
        "value": None,
        "display": "< 5",
        "share": None,
        "suppressed": True,
    }


def test_topics_report_bad_measure_is_json_400(client, openapi, event, organizer):
    raw = _token(event, organizer, ["reports"])
    response = _valid(openapi, _get(client, "/api/v1/reports/topics", raw, measure="nonsense"))
    assert response.status_code == 400
    assert response.get_json()["field"] == "measure"


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["ok"] is False


def test_rate_limit_counts_per_live_token_and_made_up_ones_share_the_address(separate_app):
    limited = separate_app(
        RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", API_RATE_LIMIT="3/minute"
    )
    with limited.app_context():
        event = factories.event(name="Limited", slug="limited")
        organizer = factories.organizer(event)
        _token, raw = api_tokens.create_token(organizer, event, "CRM", ["events"])
        db.session.commit()
    client = limited.test_client()

    def status(token: str) -> int:
        return client.get("/api/v1/event", headers={"Authorization": f"Bearer {token}"}).status_code

    assert [status("ct_one") for _ in range(3)] == [401, 401, 401]
    refused = client.get("/api/v1/event", headers={"Authorization": "Bearer ct_two"})
    assert refused.status_code == 429  # inventing another token buys nothing
    assert refused.get_json()["error"] == "rate_limited"
    assert "Retry-After" in refused.headers
    assert [status(raw) for _ in range(4)] == [200, 200, 200, 429]


# --- the organizer's token page ---------------------------------------------------------

TOKENS_URL = "/e/{slug}/manage/integrations/api-tokens"


@pytest.mark.parametrize(
    ("identity", "status"),
    [
        ("anonymous", 302),
        ("outsider", 403),
        ("attendee", 403),
        ("checkin_staff", 403),
        ("sponsor_staff", 403),
        ("other_participant", 403),
        ("organizer", 200),
    ],
)
def test_token_page_only_for_organizers(client, as_identity, event, identity, status):
    as_identity(identity)
    assert client.get(TOKENS_URL.format(slug=event.slug)).status_code == status


def test_create_token_shows_secret_once(client, login, event, organizer):
    login(organizer)
    url = TOKENS_URL.format(slug=event.slug)
    response = client.post(url, data={"name": "CRM sync", "scopes": ["registrations", "reports"]})
    page = response.get_data(as_text=True)
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.event_id == event.id))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert token.name == "CRM sync"
    assert token.scopes == ["registrations", "reports"]
    secret = page.split('id="new-token"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert api_tokens.hash_token(secret) == token.token_hash
    assert _get(client, "/api/v1/registrations", secret).status_code == 200
    again = client.get(url).get_data(as_text=True)
    assert secret not in again
    assert token.prefix in again


def test_create_token_without_scope_keeps_name_and_says_why(client, login, event, organizer):
    login(organizer)
    response = client.post(TOKENS_URL.format(slug=event.slug), data={"name": "Warehouse"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Warehouse"' in page
    assert 'id="scopes-errors"' in page
    assert db.session.scalar(db.select(db.func.count(ApiToken.id))) == 0


def test_revoke_refused_to_non_organizer(client, login, event, organizer, attendee):
    raw = _token(event, organizer)
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.event_id == event.id))
    login(attendee)
    response = client.post(f"{TOKENS_URL.format(slug=event.slug)}/{token.id}/revoke")
    assert response.status_code == 403
    assert _get(client, "/api/v1/event", raw).status_code == 200


def test_revoke_of_another_events_token_is_404(client, login, event, organizer, other_event):
    other_organizer = factories.organizer(other_event, name="Other Organizer")
    _token(other_event, other_organizer)
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.event_id == other_event.id))
    login(organizer)
    response = client.post(f"{TOKENS_URL.format(slug=event.slug)}/{token.id}/revoke")
    assert response.status_code == 404
    assert token.revoked_at is None
