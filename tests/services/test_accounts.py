"""Rules of accounts: sign up, verification, log in, reset, password, email and language."""

from __future__ import annotations

import re

import pytest

from conference.extensions import db
from conference.services import ServiceError, accounts
from tests import factories

PASSWORD = factories.PASSWORD
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture(autouse=True)
def _request(app):
    """Messages are translated for a request's locale (``select_locale`` needs a request)."""
    with app.test_request_context():
        yield


def _token_in(outbox, address: str, path: str) -> str:
    (message,) = outbox.to(address)
    match = re.search(rf"http://localhost{path}/(\S+)", outbox.text(message))
    assert match is not None
    return match.group(1)


def _refused(call, *args) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call(*args)
    return caught.value


# --- sign up ------------------------------------------------------------------


def test_register_account_creates_unverified_user_with_profile(outbox):
    user = accounts.register_account(" Mia@Example.COM ", PASSWORD, " Mia Müller ")

    assert (user.email, user.display_name, user.is_verified) == (
        "mia@example.com",
        "Mia Müller",
        False,
    )
    assert user.profile is not None
    assert accounts.check_password(user, PASSWORD) is True


def test_register_account_emails_verification_link(outbox):
    accounts.register_account("mia@example.com", PASSWORD, "Mia")
    db.session.commit()

    (message,) = outbox.messages
    assert (message["To"], message["Subject"]) == ("mia@example.com", "Confirm your email address")


def test_register_account_duplicate_email_refused(outbox):
    factories.user(email="taken@example.com")

    error = _refused(accounts.register_account, "TAKEN@example.com", PASSWORD, "Someone")

    assert (error.code, error.field) == ("email_taken", "email")
    assert outbox.messages == []


def test_register_account_short_password_refused(outbox):
    error = _refused(accounts.register_account, "mia@example.com", "short", "Mia")

    assert (error.code, error.field) == ("password_too_short", "password")
    assert accounts.find_by_email("mia@example.com") is None


def test_register_account_long_password_refused(outbox):
    too_long = "x" * (accounts.MAX_PASSWORD_LENGTH + 1)

    error = _refused(accounts.register_account, "mia@example.com", too_long, "Mia")

    assert error.code == "password_too_long"


def test_register_account_blank_name_refused(outbox):
    error = _refused(accounts.register_account, "mia@example.com", PASSWORD, "   ")

    assert (error.code, error.field) == ("name_required", "display_name")


# --- verification -------------------------------------------------------------


def test_verify_email_marks_address_confirmed():
    user = factories.user(verified=False)

    assert accounts.verify_email(accounts.verification_token(user)) == user
    assert user.is_verified is True


def test_verify_email_twice_keeps_first_time():
    user = factories.user(verified=False)
    token = accounts.verification_token(user)
    accounts.verify_email(token)
    first = user.email_verified_at

    accounts.verify_email(token)

    assert user.email_verified_at == first


def test_verify_email_expired_token_refused(app, monkeypatch):
    user = factories.user(verified=False)
    token = accounts.verification_token(user)
    monkeypatch.setitem(app.config, "TOKEN_MAX_AGE", -1)

    assert _refused(accounts.verify_email, token).code == "token_expired"
    assert user.is_verified is False


def test_verify_email_tampered_token_refused():
    user = factories.user(verified=False)
    token = accounts.verification_token(user)

    assert _refused(accounts.verify_email, token[:-2] + "xx").code == "token_invalid"


def test_verify_email_token_of_another_purpose_refused():
    user = factories.user(verified=False)

    assert _refused(accounts.verify_email, accounts.reset_token(user)).code == "token_invalid"


def test_verify_email_after_email_change_refused():
    user = factories.user(verified=False)
    token = accounts.verification_token(user)
    user.email = "elsewhere@example.com"

    assert _refused(accounts.verify_email, token).code == "token_invalid"
    assert user.is_verified is False


def test_send_verification_verified_account_refused(outbox):
    user = factories.user(verified=True)

    assert _refused(accounts.send_verification, user).code == "already_verified"
    assert outbox.messages == []


# --- log in -------------------------------------------------------------------


def test_authenticate_right_password_returns_user():
    user = factories.user(email="anna@example.test")

    assert accounts.authenticate("  ANNA@example.test", PASSWORD) == user


def test_authenticate_wrong_password_refused():
    factories.user(email="anna@example.test")

    assert _refused(accounts.authenticate, "anna@example.test", "wrong guess!").code == (
        "bad_credentials"
    )


def test_authenticate_unknown_email_refused_same_way():
    error = _refused(accounts.authenticate, "nobody@example.test", PASSWORD)

    assert (error.code, error.message) == (
        "bad_credentials",
        "The email or password is not correct.",
    )


def test_authenticate_suspended_account_refused():
    user = factories.user(email="anna@example.test")
    user.is_suspended = True

    assert _refused(accounts.authenticate, "anna@example.test", PASSWORD).code == "suspended"


def test_authenticate_suspended_account_wrong_password_not_told_suspended():
    user = factories.user(email="anna@example.test")
    user.is_suspended = True

    assert _refused(accounts.authenticate, "anna@example.test", "wrong guess!").code == (
        "bad_credentials"
    )


# --- password reset -----------------------------------------------------------


def test_request_password_reset_emails_link(outbox):
    factories.user(email="anna@example.test")

    accounts.request_password_reset("Anna@example.test")
    db.session.commit()

    (message,) = outbox.messages
    assert (message["To"], message["Subject"]) == ("anna@example.test", "Reset your password")


def test_request_password_reset_unknown_email_sends_nothing(outbox):
    accounts.request_password_reset("nobody@example.test")

    assert outbox.messages == []


def test_request_password_reset_suspended_account_sends_nothing(outbox):
    user = factories.user(email="anna@example.test")
    user.is_suspended = True

    accounts.request_password_reset("anna@example.test")

    assert outbox.messages == []


def test_reset_password_sets_password_and_logs_out_sessions(outbox):
    user = factories.user(email="anna@example.test")
    old_nonce = user.session_nonce
    accounts.request_password_reset(user.email)
    db.session.commit()
    token = _token_in(outbox, user.email, "/reset")

    assert accounts.reset_password(token, NEW_PASSWORD) == user
    assert accounts.check_password(user, NEW_PASSWORD) is True
    assert user.session_nonce != old_nonce


def test_reset_password_confirms_unverified_email():
    user = factories.user(verified=False)

    accounts.reset_password(accounts.reset_token(user), NEW_PASSWORD)

    assert user.is_verified is True


def test_reset_password_reused_link_refused():
    user = factories.user()
    token = accounts.reset_token(user)
    accounts.reset_password(token, NEW_PASSWORD)

    assert _refused(accounts.reset_password, token, "yet another passphrase").code == "token_used"
    assert accounts.check_password(user, NEW_PASSWORD) is True


def test_reset_password_link_dies_after_password_change():
    user = factories.user()
    token = accounts.reset_token(user)
    accounts.change_password(user, PASSWORD, NEW_PASSWORD)

    assert _refused(accounts.check_reset_token, token).code == "token_used"


def test_reset_password_expired_link_refused(app, monkeypatch):
    user = factories.user()
    token = accounts.reset_token(user)
    monkeypatch.setitem(app.config, "RESET_TOKEN_MAX_AGE", -1)

    assert _refused(accounts.reset_password, token, NEW_PASSWORD).code == "token_expired"
    assert accounts.check_password(user, PASSWORD) is True


def test_reset_password_short_password_refused():
    user = factories.user()
    token = accounts.reset_token(user)

    error = _refused(accounts.reset_password, token, "short")

    assert (error.code, error.field) == ("password_too_short", "password")
    assert accounts.check_reset_token(token) == user


def test_reset_password_suspended_account_refused():
    user = factories.user()
    token = accounts.reset_token(user)
    user.is_suspended = True

    assert _refused(accounts.reset_password, token, NEW_PASSWORD).code == "token_invalid"


# --- change password ----------------------------------------------------------


def test_change_password_sets_password_and_rotates_sessions():
    user = factories.user()
    old_nonce = user.session_nonce

    accounts.change_password(user, PASSWORD, NEW_PASSWORD)

    assert accounts.check_password(user, NEW_PASSWORD) is True
    assert user.session_nonce != old_nonce


def test_change_password_wrong_current_password_refused():
    user = factories.user()
    old_nonce = user.session_nonce

    error = _refused(accounts.change_password, user, "not my password", NEW_PASSWORD)

    assert (error.code, error.field) == ("wrong_password", "current_password")
    assert (accounts.check_password(user, PASSWORD), user.session_nonce) == (True, old_nonce)


def test_change_password_short_new_password_refused():
    user = factories.user()

    error = _refused(accounts.change_password, user, PASSWORD, "short")

    assert (error.code, error.field) == ("password_too_short", "new_password")


# --- change email -------------------------------------------------------------


def test_request_email_change_sends_link_to_new_address_only(outbox):
    user = factories.user(email="anna@example.test")

    accounts.request_email_change(user, PASSWORD, "Anna.New@Example.com")
    db.session.commit()

    assert [(m["To"], m["Subject"]) for m in outbox.messages] == [
        ("anna.new@example.com", "Confirm your new email address")
    ]
    assert user.email == "anna@example.test"


def test_request_email_change_wrong_password_refused(outbox):
    user = factories.user()

    error = _refused(accounts.request_email_change, user, "not my password", "new@example.com")

    assert (error.code, error.field) == ("wrong_password", "current_password")
    assert outbox.messages == []


def test_request_email_change_taken_address_refused(outbox):
    user = factories.user()
    factories.user(email="taken@example.com")

    error = _refused(accounts.request_email_change, user, PASSWORD, "taken@example.com")

    assert (error.code, error.field) == ("email_taken", "new_email")


def test_request_email_change_same_address_refused(outbox):
    user = factories.user(email="anna@example.test")

    error = _refused(accounts.request_email_change, user, PASSWORD, "ANNA@example.test")

    assert (error.code, error.field) == ("same_email", "new_email")


def test_confirm_email_change_moves_account_and_notifies_old_address(outbox):
    user = factories.user(email="anna@example.test", verified=False)
    accounts.request_email_change(user, PASSWORD, "anna@example.com")
    db.session.commit()
    token = _token_in(outbox, "anna@example.com", "/account/email")

    assert accounts.confirm_email_change(token) == user
    db.session.commit()
    assert (user.email, user.is_verified) == ("anna@example.com", True)
    (notice,) = outbox.to("anna@example.test")
    assert notice["Subject"] == "The email of your account was changed"


def test_confirm_email_change_twice_changes_nothing_more(outbox):
    user = factories.user(email="anna@example.test")
    token = accounts.email_change_token(user, "anna@example.com")
    accounts.confirm_email_change(token)
    db.session.commit()

    assert accounts.confirm_email_change(token) == user
    db.session.commit()
    assert user.email == "anna@example.com"
    assert len(outbox.messages) == 1


def test_confirm_email_change_after_password_change_refused():
    user = factories.user(email="anna@example.test")
    token = accounts.email_change_token(user, "anna@example.com")
    accounts.change_password(user, PASSWORD, NEW_PASSWORD)

    assert _refused(accounts.confirm_email_change, token).code == "token_used"
    assert user.email == "anna@example.test"


def test_confirm_email_change_address_taken_meanwhile_refused():
    user = factories.user(email="anna@example.test")
    token = accounts.email_change_token(user, "anna@example.com")
    factories.user(email="anna@example.com")

    assert _refused(accounts.confirm_email_change, token).code == "email_taken"
    assert user.email == "anna@example.test"


def test_confirm_email_change_expired_link_refused(app, monkeypatch):
    user = factories.user(email="anna@example.test")
    token = accounts.email_change_token(user, "anna@example.com")
    monkeypatch.setitem(app.config, "TOKEN_MAX_AGE", -1)

    assert _refused(accounts.confirm_email_change, token).code == "token_expired"
    assert user.email == "anna@example.test"


def test_email_change_invalidates_old_verification_link():
    user = factories.user(email="anna@example.test", verified=False)
    verify_token = accounts.verification_token(user)
    accounts.confirm_email_change(accounts.email_change_token(user, "anna@example.com"))
    user.email_verified_at = None

    assert _refused(accounts.verify_email, verify_token).code == "token_invalid"


# --- language -----------------------------------------------------------------


def test_set_locale_stores_language():
    user = factories.user()

    accounts.set_locale(user, "ja")
    db.session.expire(user)

    assert user.locale == "ja"


def test_set_locale_none_follows_browser():
    user = factories.user()
    user.locale = "ru"

    accounts.set_locale(user, None)

    assert user.locale is None


def test_set_locale_unknown_language_refused():
    user = factories.user()

    error = _refused(accounts.set_locale, user, "xx")

    assert (error.code, error.field) == ("unknown_locale", "locale")
    assert user.locale is None
