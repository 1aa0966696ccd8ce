"""Accounts: creating them, logging in, passwords, email verification and changes.

Passwords are hashed with argon2id. Links sent by email carry signed, expiring
tokens (itsdangerous, keyed by the app's ``SECRET_KEY``, one salt per purpose):

- a verification link carries the account id and the address it was sent to,
  so it stops working once the email changes;
- a reset link carries a fingerprint of the password hash and the session
  nonce, so it stops working once used (or once the password changes, or the
  person logs out everywhere);
- an email-change link carries the old and the new address and the same
  fingerprint, so it works once, and dies if the password changes meanwhile.

Functions here flush and never commit; the HTTP layer commits once.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
from functools import cache

import argon2.profiles
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from conference.extensions import db
from conference.models import Profile, User
from conference.models.people import new_session_nonce
from conference.models.types import utcnow
from conference.services import ServiceError, messaging
from conference.services.mail import send_template


@cache
def _hasher_for(profile: str) -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(argon2.profiles, profile))


def _hasher() -> PasswordHasher:
    """The argon2 hasher of the configured profile (``PASSWORD_HASH_PROFILE``).

    Production keeps RFC 9106's low-memory profile; the test suite uses the
    cheapest one so that hundreds of log-ins do not dominate its run time.
    """
    return _hasher_for(current_app.config.get("PASSWORD_HASH_PROFILE", "RFC_9106_LOW_MEMORY"))


MIN_PASSWORD_LENGTH = 10
#: Longer passwords are refused: argon2 would hash them, but nobody types more.
MAX_PASSWORD_LENGTH = 128

_VERIFY_SALT = "conference.accounts.verify-email"
_RESET_SALT = "conference.accounts.reset-password"
_EMAIL_CHANGE_SALT = "conference.accounts.change-email"


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(user: User, password: str) -> bool:
    try:
        ok = _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if ok and _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    return ok


def _decoy_hash() -> str:
    """A hash to verify against when no account matches, so both cases take as long."""
    return _decoy_hash_for(_hasher())


@cache
def _decoy_hash_for(hasher: PasswordHasher) -> str:
    return hasher.hash("decoy password for unknown accounts")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def create_user(email: str, password: str, display_name: str, *, verified: bool = False) -> User:
    """Create an account with an empty profile. Refuses an email already in use."""
    email = normalize_email(email)
    if find_by_email(email) is not None:
        raise ServiceError(
            "email_taken", gettext("An account with this email already exists."), "email"
        )
    user = User(
        email=email,
        password_hash=hash_password(password),
        display_name=display_name.strip(),
        email_verified_at=utcnow() if verified else None,
    )
    user.profile = Profile()
    db.session.add(user)
    db.session.flush()
    return user


def validate_password(password: str, field: str = "password") -> None:
    """Refuse a password that is too short or too long, naming ``field`` in the error."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(
            "password_too_short",
            gettext("Use at least %(num)d characters for the password.", num=MIN_PASSWORD_LENGTH),
            field,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ServiceError(
            "password_too_long",
            gettext("Use at most %(num)d characters for the password.", num=MAX_PASSWORD_LENGTH),
            field,
        )


def rotate_sessions(user: User) -> None:
    """Give the account a new session nonce: every session logged in before stops working.

    Side effects: open sockets of the account are ended after the commit
    (``messaging.end_sessions``), so a password change reaches other devices at once.
    """
    user.session_nonce = new_session_nonce()
    messaging.end_sessions(user.id)


# --- tokens -------------------------------------------------------------------


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _load_token(salt: str, token: str, max_age: int) -> dict:
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ServiceError(
            "token_expired", gettext("This link has expired. Please ask for a new one.")
        ) from None
    except BadSignature:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        raise ServiceError(
            "token_invalid",
            gettext("This link is not valid. Please check that you copied all of it."),
        )
    return data


def _user_of(data: dict) -> User:
    user = db.session.get(User, data["uid"])
    if user is None or user.is_suspended:
        raise ServiceError("token_invalid", gettext("This link no longer belongs to an account."))
    return user


def _fingerprint(user: User) -> str:
    """Changes whenever the password or the session nonce does; reveals neither."""
    material = f"{user.password_hash}\x00{user.session_nonce}".encode()
    return hashlib.sha256(material).hexdigest()[:24]


def _hours(seconds: int) -> int:
    return max(1, seconds // 3600)


def reset_link_hours() -> int:
    """How long a reset link works, in whole hours, for the pages and emails that say so."""
    return _hours(current_app.config["RESET_TOKEN_MAX_AGE"])


def verification_token(user: User) -> str:
    return _serializer(_VERIFY_SALT).dumps({"uid": user.id, "email": user.email})


def reset_token(user: User) -> str:
    return _serializer(_RESET_SALT).dumps({"uid": user.id, "fp": _fingerprint(user)})


def email_change_token(user: User, new_email: str) -> str:
    return _serializer(_EMAIL_CHANGE_SALT).dumps(
        {"uid": user.id, "old": user.email, "new": new_email, "fp": _fingerprint(user)}
    )


# --- sign up and verification -------------------------------------------------


def register_account(email: str, password: str, display_name: str) -> User:
    """Create an unverified account and email it a verification link.

    Side effects: inserts the user and an empty profile (flushed); sends the
    ``verify_email`` message to ``email``.
    """
    if not display_name.strip():
        raise ServiceError("name_required", gettext("Please enter your name."), "display_name")
    validate_password(password)
    user = create_user(email, password, display_name)
    send_verification(user)
    return user


def send_verification(user: User) -> None:
    """Email ``user`` a link that confirms their address.

    Side effects: sends the ``verify_email`` message. Refuses verified accounts.
    """
    if user.is_verified:
        raise ServiceError("already_verified", gettext("Your email address is already confirmed."))
    send_template(
        user.email,
        gettext("Confirm your email address"),
        "verify_email",
        user=user,
        token=verification_token(user),
        hours=_hours(current_app.config["TOKEN_MAX_AGE"]),
    )


def verify_email(token: str) -> User:
    """Mark the address in ``token`` as confirmed; opening the link twice is harmless.

    Side effects: sets ``email_verified_at`` the first time (flushed).
    """
    data = _load_token(_VERIFY_SALT, token, current_app.config["TOKEN_MAX_AGE"])
    user = _user_of(data)
    if user.email != data.get("email"):
        raise ServiceError(
            "token_invalid",
            gettext("This link was sent to an address that is no longer on the account."),
        )
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        db.session.flush()
    return user


# --- logging in ---------------------------------------------------------------


def authenticate(email: str, password: str) -> User:
    """The account with this email and password, or one generic refusal.

    Unknown emails cost the same hashing time as known ones, and suspension
    is only told to someone who knows the password. Side effects: may
    upgrade the stored hash to current argon2 parameters.
    """
    user = find_by_email(email)
    if user is None:
        with contextlib.suppress(VerificationError):
            _hasher().verify(_decoy_hash(), password)
    if user is None or not check_password(user, password):
        raise ServiceError("bad_credentials", gettext("The email or password is not correct."))
    if user.is_suspended:
        raise ServiceError(
            "suspended",
            gettext(
                "This account is suspended. If you think this is a mistake, please contact "
                "the organizers."
            ),
        )
    return user


# --- password reset -----------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Email a reset link if an active account has this address; say nothing otherwise.

    Side effects: sends the ``reset_password`` message to the account's address.
    """
    user = find_by_email(email)
    if user is None or user.is_suspended:
        return
    send_template(
        user.email,
        gettext("Reset your password"),
        "reset_password",
        user=user,
        token=reset_token(user),
        hours=reset_link_hours(),
    )


def check_reset_token(token: str) -> User:
    """The account a reset link is for, if the link is still good."""
    data = _load_token(_RESET_SALT, token, current_app.config["RESET_TOKEN_MAX_AGE"])
    user = _user_of(data)
    if not hmac.compare_digest(str(data.get("fp", "")), _fingerprint(user)):
        raise ServiceError(
            "token_used",
            gettext("This link has already been used. Please ask for a new one if you need it."),
        )
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set a new password through a reset link.

    Side effects: replaces the password hash, rotates the session nonce (every
    session of the account is logged out and the link dies), and marks the
    email confirmed, since the link proved the person reads it (flushed).
    """
    user = check_reset_token(token)
    validate_password(new_password)
    user.password_hash = hash_password(new_password)
    rotate_sessions(user)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    db.session.flush()
    return user


# --- account settings ---------------------------------------------------------


def _require_password(user: User, password: str) -> None:
    if not check_password(user, password):
        raise ServiceError(
            "wrong_password", gettext("The current password is not correct."), "current_password"
        )


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Replace the password of ``user``, who proves they know the current one.

    Side effects: replaces the password hash and rotates the session nonce, so
    every other session of the account is logged out (flushed). The caller
    logs the current session in again.
    """
    _require_password(user, current_password)
    validate_password(new_password, field="new_password")
    user.password_hash = hash_password(new_password)
    rotate_sessions(user)
    db.session.flush()


def request_email_change(user: User, current_password: str, new_email: str) -> str:
    """Send a confirmation link to ``new_email``; the address changes only when it is opened.

    Returns the normalized new address. Side effects: sends the
    ``confirm_new_email`` message to the new address; nothing is written.
    """
    _require_password(user, current_password)
    new_email = normalize_email(new_email)
    if new_email == user.email:
        raise ServiceError(
            "same_email", gettext("This is already the email of your account."), "new_email"
        )
    if find_by_email(new_email) is not None:
        raise ServiceError(
            "email_taken", gettext("An account with this email already exists."), "new_email"
        )
    send_template(
        new_email,
        gettext("Confirm your new email address"),
        "confirm_new_email",
        user=user,
        new_email=new_email,
        token=email_change_token(user, new_email),
        hours=_hours(current_app.config["TOKEN_MAX_AGE"]),
    )
    return new_email


def confirm_email_change(token: str) -> User:
    """Move the account to the new address in ``token``; a second opening changes nothing.

    Side effects: sets ``email`` and ``email_verified_at`` (flushed) and sends
    the ``email_changed`` notice to the old address.
    """
    data = _load_token(_EMAIL_CHANGE_SALT, token, current_app.config["TOKEN_MAX_AGE"])
    user = _user_of(data)
    old_email, new_email = data.get("old"), data.get("new")
    if user.email == new_email:
        return user
    if user.email != old_email or not hmac.compare_digest(
        str(data.get("fp", "")), _fingerprint(user)
    ):
        raise ServiceError(
            "token_used",
            gettext(
                "This link is no longer valid: the account changed since it was sent. "
                "Please ask for a new one."
            ),
        )
    if find_by_email(new_email) is not None:
        raise ServiceError("email_taken", gettext("An account with this email already exists."))
    user.email = new_email
    user.email_verified_at = utcnow()
    db.session.flush()
    send_template(
        old_email,
        gettext("The email of your account was changed"),
        "email_changed",
        user=user,
        old_email=old_email,
        new_email=new_email,
    )
    return user


def set_locale(user: User, locale: str | None) -> None:
    """Set the interface language; None follows the browser.

    Side effects: updates ``locale`` (flushed).
    """
    if locale is not None and locale not in current_app.config["LANGUAGES"]:
        raise ServiceError("unknown_locale", gettext("This language is not available."), "locale")
    user.locale = locale
    db.session.flush()
