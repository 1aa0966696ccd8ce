"""The footer's language switch: anyone picks English, Russian or Japanese; a signed-in
person's account remembers it (so their emails follow); nothing else is accepted."""

from __future__ import annotations

import re

from conference.extensions import db


def _lang(client, url: str = "/") -> str:
    return re.search(r'<html lang="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def _csrf(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_an_anonymous_visitor_switches_language_for_the_session(client):
    assert _lang(client) == "en"

    response = client.post(
        "/language", data={"locale": "ja", "next": "/login", "csrf_token": _csrf(client)}
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert _lang(client) == "ja"


def test_a_signed_in_person_keeps_the_language_on_the_account(client, login, attendee):
    login(attendee)

    client.post("/language", data={"locale": "ru", "csrf_token": _csrf(client)})

    db.session.refresh(attendee)
    assert attendee.locale == "ru"
    assert _lang(client) == "ru"


def test_unknown_languages_and_foreign_next_addresses_are_ignored(client):
    token = _csrf(client)
    response = client.post(
        "/language", data={"locale": "xx", "next": "https://evil.example/", "csrf_token": token}
    )

    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]
    assert _lang(client) == "en"


def test_the_switch_needs_the_form_token(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    assert client.post("/language", data={"locale": "ru"}).status_code == 400
    assert _lang(client) == "en"
