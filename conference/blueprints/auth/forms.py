"""Forms of the accounts area: sign up, log in, reset, and the account settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from conference.formatting import LANGUAGE_NAMES
from conference.services.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

#: Column sizes of ``User.email`` and ``User.display_name``.
EMAIL_MAX = 254
NAME_MAX = 120

#: Interface languages, each named in itself (and marked so screen readers say it right).
LANGUAGE_CHOICES = [
    SelectChoice(code, name, render_kw={"lang": code}) for code, name in LANGUAGE_NAMES.items()
]


def _email_field(label, autocomplete: str = "email", *, strict: bool = True) -> EmailField:
    validators = [DataRequired(), Length(max=EMAIL_MAX)]
    if strict:
        validators.append(Email(message=_l("Please enter a valid email address.")))
    return EmailField(
        label,
        validators=validators,
        filters=[lambda value: value.strip() if value else value],
        render_kw={"autocomplete": autocomplete},
    )


def _new_password_field(label) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l(
                    "Use between %(min)d and %(max)d characters.",
                    min=MIN_PASSWORD_LENGTH,
                    max=MAX_PASSWORD_LENGTH,
                ),
            ),
        ],
        description=_l("At least %(num)d characters.", num=MIN_PASSWORD_LENGTH),
        render_kw={"autocomplete": "new-password"},
    )


def _confirm_field(other: str) -> PasswordField:
    return PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo(other, message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password", "maxlength": MAX_PASSWORD_LENGTH},
    )


def _current_password_field(label) -> PasswordField:
    """A password the account already has (logging in, confirming a change): no minimum."""
    return PasswordField(
        label,
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class SignupForm(FlaskForm):
    display_name = StringField(
        _l("Your name"),
        validators=[DataRequired(), Length(max=NAME_MAX)],
        filters=[lambda value: value.strip() if value else value],
        description=_l("Shown to other participants, in any script."),
        render_kw={"autocomplete": "name"},
    )
    email = _email_field(_l("Email"))
    password = _new_password_field(_l("Password"))
    confirm = _confirm_field("password")


class LoginForm(FlaskForm):
    # No format check: an address that was valid when the account was made must still work.
    email = _email_field(_l("Email"), autocomplete="username", strict=False)
    password = _current_password_field(_l("Password"))
    remember = BooleanField(_l("Remember me"))


class ResetRequestForm(FlaskForm):
    email = _email_field(_l("Email"), strict=False)


class ResetPasswordForm(FlaskForm):
    password = _new_password_field(_l("New password"))
    confirm = _confirm_field("password")


class ChangePasswordForm(FlaskForm):
    current_password = _current_password_field(_l("Current password"))
    new_password = _new_password_field(_l("New password"))
    confirm = _confirm_field("new_password")


class ChangeEmailForm(FlaskForm):
    new_email = _email_field(_l("New email"))
    current_password = _current_password_field(_l("Current password"))


class LanguageForm(FlaskForm):
    locale = SelectField(
        _l("Interface language"),
        choices=[SelectChoice("", _l("As my browser asks")), *LANGUAGE_CHOICES],
        default="",
    )
