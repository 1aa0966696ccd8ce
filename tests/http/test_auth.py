"""Routes of the accounts area: sign up, verify, log in and out, reset, account settings."""

from __future__ import annotations

import re

import pytest

from conference.blueprints.auth.views import safe_next
from conference.extensions import db
from conference.services import accounts
from tests import factories
from tests.conftest import IDENTITIES

PASSWORD = factories.PASSWORD
NEW_PASSWORD = "a brand new passphrase"


def _signed_in(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


def _link(outbox, address: str, path: str) -> str:
    (message,) = outbox.to(address)
    match = re.search(rf"http://localhost({path}/\S+)", outbox.text(message))
    assert match is not None
    return match.group(1)


def _signup_data(**changes) -> dict:
    data = {
        "display_name": "Mia Müller",
        "email": "mia@example.com",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    data.update(changes)
    return data


# --- safe redirects -----------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["/", "/e/northwind/", "/e/northwind/people/?q=anna&page=2", "/account#email"],
)
def test_safe_next_same_site_path_kept(target):
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "//evil.example/",
        "///evil.example/",
        "http://evil.example/",
        "https://localhost/account",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "e/northwind/",
        "/\r\nLocation: http://evil.example",
        "/\tevil",
    ],
)
def test_safe_next_other_targets_rejected(target):
    assert safe_next(target) is None


# --- sign up ------------------------------------------------------------------


def test_signup_page_shows_form(client):
    response = client.get("/signup")

    assert response.status_code == 200
    assert 'name="display_name"' in response.get_data(as_text=True)


def test_signup_creates_account_logs_in_and_redirects_home(client, outbox):
    response = client.post("/signup", data=_signup_data())

    user = accounts.find_by_email("mia@example.com")
    assert (response.status_code, response.headers["Location"]) == (302, "/")
    assert (user.display_name, user.is_verified) == ("Mia Müller", False)
    assert _signed_in(client) == user.get_id()


def test_signup_verification_email_link_verifies(client, outbox):
    client.post("/signup", data=_signup_data())
    link = _link(outbox, "mia@example.com", "/verify")

    response = client.get(link)

    assert (response.status_code, response.headers["Location"]) == (302, "/")
    assert accounts.find_by_email("mia@example.com").is_verified is True


def test_signup_safe_next_followed(client, outbox):
    response = client.post("/signup?next=/e/northwind/", data=_signup_data())

    assert response.headers["Location"] == "/e/northwind/"


def test_signup_external_next_ignored(client, outbox):
    response = client.post("/signup?next=//evil.example/", data=_signup_data())

    assert response.headers["Location"] == "/"


def test_signup_duplicate_email_shown_at_field_and_input_kept(client, outbox):
    factories.user(email="mia@example.com")

    response = client.post("/signup", data=_signup_data(email="MIA@example.com"))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(
        r'id="email-errors"[^>]*>An account with this email already exists\.</div>', page
    )
    assert 'value="MIA@example.com"' in page
    assert 'value="Mia Müller"' in page
    assert _signed_in(client) is None
    assert outbox.messages == []


def test_signup_short_password_refused(client, outbox):
    response = client.post("/signup", data=_signup_data(password="short", confirm="short"))

    assert response.status_code == 200
    assert 'id="password-errors"' in response.get_data(as_text=True)
    assert accounts.find_by_email("mia@example.com") is None


def test_signup_passwords_differ_refused(client, outbox):
    response = client.post("/signup", data=_signup_data(confirm="something else entirely"))

    assert "The two passwords differ." in response.get_data(as_text=True)
    assert accounts.find_by_email("mia@example.com") is None


def test_signup_invalid_email_refused(client, outbox):
    response = client.post("/signup", data=_signup_data(email="not-an-address"))

    assert "Please enter a valid email address." in response.get_data(as_text=True)
    assert 'value="not-an-address"' in response.get_data(as_text=True)


def test_signup_oversized_name_refused(client, outbox):
    response = client.post("/signup", data=_signup_data(display_name="x" * 121))

    assert 'id="display_name-errors"' in response.get_data(as_text=True)
    assert accounts.find_by_email("mia@example.com") is None


@pytest.mark.parametrize("path", ["/signup", "/login"])
def test_signup_and_login_pages_signed_in_redirect_home(client, login, outsider, path):
    login(outsider)

    response = client.get(path)

    assert (response.status_code, response.headers["Location"]) == (302, "/")


# --- verification -------------------------------------------------------------


def test_verify_invalid_link_offers_resend_to_signed_in_person(client, login):
    user = login(factories.user(verified=False))

    response = client.get("/verify/not-a-token")

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'action="/verify/resend"' in page
    assert f"Send a new link to {user.email}" in page


def test_verify_invalid_link_asks_anonymous_to_log_in(client):
    response = client.get("/verify/not-a-token")

    assert response.status_code == 400
    assert 'href="/login?next=/verify/not-a-token"' in response.get_data(as_text=True)


def test_verify_expired_link_explained(client, app, monkeypatch):
    user = factories.user(verified=False)
    token = accounts.verification_token(user)
    monkeypatch.setitem(app.config, "TOKEN_MAX_AGE", -1)

    response = client.get(f"/verify/{token}")

    assert response.status_code == 400
    assert "This link has expired." in response.get_data(as_text=True)
    assert user.is_verified is False


def test_resend_verification_sends_new_link(client, login, outbox):
    user = login(factories.user(verified=False))

    response = client.post("/verify/resend", data={"next": "/account"})

    assert (response.status_code, response.headers["Location"]) == (302, "/account")
    assert len(outbox.to(user.email)) == 1


@pytest.mark.parametrize(
    ("referrer", "location"),
    [
        ("http://localhost/e/northwind/?tab=people", "/e/northwind/?tab=people"),
        ("http://evil.example/e/northwind/", "/account"),
        (None, "/account"),
    ],
)
def test_resend_verification_returns_to_same_site_page(client, login, outbox, referrer, location):
    login(factories.user(verified=False))
    headers = {"Referer": referrer} if referrer else {}

    response = client.post("/verify/resend", headers=headers)

    assert response.headers["Location"] == location


def test_resend_verification_verified_account_sends_nothing(client, login, outsider, outbox):
    login(outsider)

    response = client.post("/verify/resend")

    assert response.status_code == 302
    assert outbox.messages == []


# --- log in and out -----------------------------------------------------------


def test_login_page_shows_form(client):
    response = client.get("/login")

    assert response.status_code == 200
    assert 'name="remember"' in response.get_data(as_text=True)


def test_login_right_password_signs_in(client, outsider):
    response = client.post("/login", data={"email": outsider.email, "password": PASSWORD})

    assert (response.status_code, response.headers["Location"]) == (302, "/")
    assert _signed_in(client) == outsider.get_id()
    assert client.get_cookie("remember_token") is None


def test_login_remember_me_sets_cookie(client, outsider):
    client.post("/login", data={"email": outsider.email, "password": PASSWORD, "remember": "y"})

    assert client.get_cookie("remember_token") is not None


@pytest.mark.parametrize(
    ("email", "password"),
    [("user@example.test", "wrong password"), ("nobody@example.test", PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
def test_login_bad_credentials_one_generic_error(client, email, password):
    factories.user(email="user@example.test")

    response = client.post("/login", data={"email": email, "password": password})

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count("The email or password is not correct.") == 1
    assert f'value="{email}"' in page
    assert _signed_in(client) is None


def test_login_suspended_account_refused(client):
    user = factories.user()
    user.is_suspended = True
    db.session.commit()

    response = client.post("/login", data={"email": user.email, "password": PASSWORD})

    assert response.status_code == 200
    assert "This account is suspended." in response.get_data(as_text=True)
    assert _signed_in(client) is None


def test_login_safe_next_followed(client, outsider):
    response = client.post(
        "/login?next=/e/northwind/people/?q=x", data={"email": outsider.email, "password": PASSWORD}
    )

    assert response.headers["Location"] == "/e/northwind/people/?q=x"


@pytest.mark.parametrize(
    "target", ["//evil.example/", "http://evil.example/", "/\\evil.example", "https:evil.example"]
)
def test_login_external_next_rejected(client, outsider, target):
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": outsider.email, "password": PASSWORD},
    )

    assert (response.status_code, response.headers["Location"]) == (302, "/")


def test_logout_ends_session(client, login, outsider):
    login(outsider)

    response = client.post("/logout")

    assert (response.status_code, response.headers["Location"]) == (302, "/")
    assert _signed_in(client) is None
    assert client.get("/account").status_code == 302


def test_logout_get_not_allowed(client, login, outsider):
    login(outsider)

    assert client.get("/logout").status_code == 405
    assert _signed_in(client) == outsider.get_id()


# --- password reset -----------------------------------------------------------


def test_reset_request_page_shows_form(client):
    assert client.get("/reset").status_code == 200


def test_reset_request_answers_same_for_unknown_email(client, outbox):
    factories.user(email="known@example.test")

    known = client.post("/reset", data={"email": "known@example.test"})
    unknown = client.post("/reset", data={"email": "nobody@example.test"})

    assert (known.status_code, unknown.status_code) == (200, 200)
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert [m["To"] for m in outbox.messages] == ["known@example.test"]


def test_reset_link_sets_password_and_logs_in(client, outbox):
    user = factories.user(email="anna@example.test")
    client.post("/reset", data={"email": user.email})
    link = _link(outbox, user.email, "/reset")

    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert (response.status_code, response.headers["Location"]) == (302, "/")
    assert accounts.check_password(user, NEW_PASSWORD) is True
    assert _signed_in(client) == user.get_id()


def test_reset_link_used_twice_refused(client, outbox):
    user = factories.user()
    link = f"/reset/{accounts.reset_token(user)}"
    client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    response = client.post(link, data={"password": "another passphrase!", "confirm": "x"})

    assert response.status_code == 400
    assert "This link has already been used." in response.get_data(as_text=True)
    assert accounts.check_password(user, NEW_PASSWORD) is True


def test_reset_invalid_link_offers_new_one(client):
    response = client.get("/reset/not-a-token")

    assert response.status_code == 400
    assert 'href="/reset"' in response.get_data(as_text=True)


def test_reset_password_mismatch_refused(client):
    user = factories.user()
    link = f"/reset/{accounts.reset_token(user)}"

    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": "something else"})

    assert response.status_code == 200
    assert "The two passwords differ." in response.get_data(as_text=True)
    assert accounts.check_password(user, PASSWORD) is True


def test_reset_password_logs_out_other_sessions(app, client, login, outsider):
    login(outsider)
    other = app.test_client()

    other.post(
        f"/reset/{accounts.reset_token(outsider)}",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )

    assert client.get("/account").status_code == 302
    assert other.get("/account").status_code == 200


# --- account settings ---------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/account"),
        ("post", "/account/password"),
        ("post", "/account/email"),
        ("post", "/account/language"),
        ("post", "/verify/resend"),
    ],
)
def test_account_routes_anonymous_sent_to_login(client, method, path):
    response = getattr(client, method)(path)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next=%2F{path[1:].replace('/', '%2F')}"


@pytest.mark.parametrize("identity", [name for name in IDENTITIES if name != "anonymous"])
def test_account_page_every_signed_in_identity_sees_own(client, as_identity, identity):
    user = as_identity(identity)

    response = client.get("/account")

    assert response.status_code == 200
    assert user.email in response.get_data(as_text=True)


def test_account_page_offers_resend_when_unverified(client, login):
    login(factories.user(verified=False))

    page = client.get("/account").get_data(as_text=True)

    assert "Send the link again" in page


def test_change_password_logs_out_other_client(app, client, login, outsider):
    login(outsider)
    other = app.test_client()
    other.post("/login", data={"email": outsider.email, "password": PASSWORD})
    assert other.get("/account").status_code == 200

    response = client.post(
        "/account/password",
        data={
            "password-current_password": PASSWORD,
            "password-new_password": NEW_PASSWORD,
            "password-confirm": NEW_PASSWORD,
        },
    )

    assert (response.status_code, response.headers["Location"]) == (302, "/account")
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    assert accounts.check_password(outsider, NEW_PASSWORD) is True


def test_change_password_keeps_remember_me_working(client, outsider):
    client.post("/login", data={"email": outsider.email, "password": PASSWORD, "remember": "y"})
    old_cookie = client.get_cookie("remember_token").value

    client.post(
        "/account/password",
        data={
            "password-current_password": PASSWORD,
            "password-new_password": NEW_PASSWORD,
            "password-confirm": NEW_PASSWORD,
        },
    )

    assert client.get_cookie("remember_token").value != old_cookie
    assert outsider.session_nonce in client.get_cookie("remember_token").value


def test_change_password_wrong_current_password_refused(client, login, outsider):
    login(outsider)
    nonce = outsider.session_nonce

    response = client.post(
        "/account/password",
        data={
            "password-current_password": "not my password",
            "password-new_password": NEW_PASSWORD,
            "password-confirm": NEW_PASSWORD,
        },
    )

    assert response.status_code == 200
    assert re.search(
        r'id="password-current_password-errors"[^>]*>The current password is not correct\.',
        response.get_data(as_text=True),
    )
    assert (outsider.session_nonce, accounts.check_password(outsider, PASSWORD)) == (nonce, True)


def test_change_email_confirmed_through_link(client, login, outbox):
    user = login(factories.user(email="anna@example.test"))

    response = client.post(
        "/account/email",
        data={"email-new_email": "anna@example.com", "email-current_password": PASSWORD},
    )

    assert (response.status_code, response.headers["Location"]) == (302, "/account")
    assert user.email == "anna@example.test"
    link = _link(outbox, "anna@example.com", "/account/email")

    response = client.get(link)

    assert (response.status_code, response.headers["Location"]) == (302, "/account")
    assert user.email == "anna@example.com"
    assert len(outbox.to("anna@example.test")) == 1


def test_change_email_link_opened_signed_out_goes_to_login(client, outbox):
    user = factories.user(email="anna@example.test")
    token = accounts.email_change_token(user, "anna@example.com")

    response = client.get(f"/account/email/{token}")

    assert (response.status_code, response.headers["Location"]) == (302, "/login")
    assert user.email == "anna@example.com"


def test_change_email_wrong_password_keeps_typed_address(client, login, outsider, outbox):
    login(outsider)

    response = client.post(
        "/account/email",
        data={"email-new_email": "new@example.com", "email-current_password": "nope"},
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="new@example.com"' in page
    assert 'id="email-current_password-errors"' in page
    assert outbox.messages == []


def test_change_email_invalid_link_explained(client):
    response = client.get("/account/email/not-a-token")

    assert response.status_code == 400
    assert "This link is not valid." in response.get_data(as_text=True)


def test_change_language_sets_locale(client, login, outsider):
    login(outsider)

    response = client.post("/account/language", data={"language-locale": "ja"})

    assert (response.status_code, response.headers["Location"]) == (302, "/account")
    assert outsider.locale == "ja"
    assert '<html lang="ja">' in client.get("/account").get_data(as_text=True)


def test_change_language_browser_choice_clears_locale(client, login, outsider):
    outsider.locale = "ru"
    db.session.commit()
    login(outsider)

    client.post("/account/language", data={"language-locale": ""})

    assert outsider.locale is None
    page = client.get("/account", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<html lang="ru">' in page


def test_change_language_unknown_choice_refused(client, login, outsider):
    login(outsider)

    response = client.post("/account/language", data={"language-locale": "xx"})

    assert response.status_code == 200
    assert 'id="language-locale-errors"' in response.get_data(as_text=True)
    assert outsider.locale is None


# --- protections --------------------------------------------------------------


def test_login_rate_limited_after_ten_attempts(separate_app):
    limited = separate_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    client = limited.test_client()
    attempt = {"email": "someone@example.test", "password": "guess"}

    statuses = [client.post("/login", data=attempt).status_code for _ in range(11)]

    assert statuses == [200] * 10 + [429]
    assert client.get("/login").status_code == 200


def test_reset_request_rate_limited(separate_app):
    limited = separate_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    client = limited.test_client()

    statuses = [
        client.post("/reset", data={"email": "someone@example.test"}).status_code for _ in range(6)
    ]

    assert statuses == [200] * 5 + [429]


def test_post_without_csrf_token_refused(separate_app):
    protected = separate_app(WTF_CSRF_ENABLED=True)
    client = protected.test_client()

    response = client.post("/login", data={"email": "someone@example.test", "password": "x"})

    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)


def test_post_with_csrf_token_accepted(separate_app):
    protected = separate_app(WTF_CSRF_ENABLED=True)
    client = protected.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    response = client.post(
        "/login", data={"csrf_token": token, "email": "someone@example.test", "password": "x"}
    )

    assert response.status_code == 200
    assert "The email or password is not correct." in response.get_data(as_text=True)
