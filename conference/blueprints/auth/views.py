"""Routes of the accounts area: sign up, verify, log in and out, reset, account settings.

Every state change goes through ``conference.services.accounts``; the view
commits once after the service returns, or rolls back and shows the refusal.
Routes that take a password or send mail are rate limited per client address.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh as refresh_locale
from flask_login import current_user, login_required, login_user, logout_user

from conference.blueprints.auth import bp
from conference.blueprints.auth.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    LanguageForm,
    LoginForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignupForm,
)
from conference.blueprints.common import form_errors_from
from conference.extensions import db, limiter
from conference.services import ServiceError, accounts, messaging

#: Attempts at a password, per client address.
PASSWORD_LIMIT = "10 per minute"
#: Requests that send an email, per client address.
MAIL_LIMIT = "5 per minute;30 per hour"


# --- where to go next ---------------------------------------------------------


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None.

    Only relative paths starting with a single ``/`` pass: no scheme, no host,
    no ``//evil`` (a scheme-relative URL), no backslash (browsers read
    ``/\\evil`` as ``//evil``) and no control characters.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _home() -> str:
    return url_for("events.home")


def _next_or_home() -> str:
    return safe_next(request.args.get("next")) or _home()


def _back(default: str) -> str:
    """The same-site page the form was posted from, else ``default``."""
    wanted = safe_next(request.form.get("next") or request.args.get("next"))
    if wanted:
        return wanted
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.scheme in ("http", "https"):
        path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
        return safe_next(path) or default
    return default


def _link_failed(kind: str, exc: ServiceError):
    """Roll back and explain why an emailed link (``verify``, ``reset``, ``email``) failed."""
    db.session.rollback()
    return render_template("auth/link_failed.html", kind=kind, reason=exc.message), 400


def _log_in_again(user) -> None:
    """Log this session in with the account's new session nonce, keeping "remember me"."""
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    login_user(user, remember=cookie in request.cookies)


# --- sign up and verification -------------------------------------------------


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(MAIL_LIMIT, methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(_next_or_home())
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = accounts.register_account(
                form.email.data, form.password.data, form.display_name.data
            )
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            login_user(user)
            flash(
                _(
                    "Welcome, %(name)s! We sent a link to %(email)s: open it to confirm "
                    "your address.",
                    name=user.display_name,
                    email=user.email,
                ),
                "success",
            )
            return redirect(_next_or_home())
    return render_template("auth/signup.html", form=form)


@bp.get("/verify/<token>")
def verify(token: str):
    try:
        user = accounts.verify_email(token)
    except ServiceError as exc:
        return _link_failed("verify", exc)
    db.session.commit()
    flash(_("Thank you: your email address %(email)s is confirmed.", email=user.email), "success")
    return redirect(_home())


@bp.post("/verify/resend")
@login_required
@limiter.limit(MAIL_LIMIT)
def resend_verification():
    try:
        accounts.send_verification(current_user)
    except ServiceError as exc:
        flash(exc.message, "info")
    else:
        db.session.commit()  # the email leaves once committed
        flash(
            _(
                "We sent a new link to %(email)s. It may take a minute to arrive.",
                email=current_user.email,
            ),
            "success",
        )
    return redirect(_back(url_for("auth.account")))


# --- log in and out -----------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(PASSWORD_LIMIT, methods=["POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_next_or_home())
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data)
        except ServiceError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(_next_or_home())
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        messaging.end_sessions(current_user.id)
        db.session.commit()
        logout_user()
        flash(_("You are logged out."), "info")
    return redirect(_home())


# --- password reset -----------------------------------------------------------


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(MAIL_LIMIT, methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("auth/reset_sent.html", hours=accounts.reset_link_hours())
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(PASSWORD_LIMIT, methods=["POST"])
def reset_password(token: str):
    try:
        user = accounts.check_reset_token(token)
    except ServiceError as exc:
        return _link_failed("reset", exc)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            login_user(user)
            flash(_("Your password is changed and you are logged in."), "success")
            return redirect(_home())
    return render_template("auth/reset_password.html", form=form, user=user)


# --- account settings ---------------------------------------------------------


def _account_page(
    password_form: ChangePasswordForm | None = None,
    email_form: ChangeEmailForm | None = None,
    language_form: LanguageForm | None = None,
):
    """The settings page, with whichever form was just posted showing its errors."""
    if language_form is None:
        language_form = LanguageForm(prefix="language", formdata=None)
        language_form.locale.data = current_user.locale or ""
    return render_template(
        "auth/account.html",
        password_form=password_form or ChangePasswordForm(prefix="password", formdata=None),
        email_form=email_form or ChangeEmailForm(prefix="email", formdata=None),
        language_form=language_form,
    )


@bp.get("/account")
@login_required
def account():
    return _account_page()


@bp.post("/account/password")
@login_required
@limiter.limit(PASSWORD_LIMIT)
def change_password():
    form = ChangePasswordForm(prefix="password")
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            _log_in_again(current_user._get_current_object())
            flash(
                _(
                    "Your password is changed. Other devices where you were logged in are "
                    "logged out."
                ),
                "success",
            )
            return redirect(url_for("auth.account"))
    return _account_page(password_form=form)


@bp.post("/account/email")
@login_required
@limiter.limit(MAIL_LIMIT)
def change_email():
    form = ChangeEmailForm(prefix="email")
    if form.validate_on_submit():
        try:
            new_email = accounts.request_email_change(
                current_user, form.current_password.data, form.new_email.data
            )
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            flash(
                _(
                    "We sent a link to %(new)s. Your email stays %(old)s until you open it.",
                    new=new_email,
                    old=current_user.email,
                ),
                "success",
            )
            return redirect(url_for("auth.account"))
    return _account_page(email_form=form)


@bp.get("/account/email/<token>")
def confirm_email(token: str):
    try:
        user = accounts.confirm_email_change(token)
    except ServiceError as exc:
        return _link_failed("email", exc)
    db.session.commit()
    flash(_("Your account's email is now %(email)s.", email=user.email), "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("auth.account"))
    return redirect(url_for("auth.login"))


@bp.post("/language")
def switch_language():
    """The footer's language links: for anyone, remembered in the session; a signed-in
    person's account setting changes too, so their emails follow."""
    wanted = request.form.get("locale", "")
    back = safe_next(request.form.get("next")) or url_for("events.home")
    if wanted not in current_app.config["LANGUAGES"]:
        return redirect(back)
    session["locale"] = wanted
    if current_user.is_authenticated:
        accounts.set_locale(current_user, wanted)
        db.session.commit()
    refresh_locale()
    return redirect(back)


@bp.post("/account/language")
@login_required
def change_language():
    form = LanguageForm(prefix="language")
    if form.validate_on_submit():
        try:
            accounts.set_locale(current_user, form.locale.data or None)
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            refresh_locale()
            flash(_("Your language setting is saved."), "success")
            return redirect(url_for("auth.account"))
    return _account_page(language_form=form)
