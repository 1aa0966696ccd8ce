"""Wiring of the Flask app: extensions, blueprints, locale, headers and error pages.

Kept out of ``conference/__init__.py`` so the factory stays a few lines.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context, render_template, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from conference import models, observability
from conference.extensions import babel, csrf, db, limiter, login_manager, migrate, socketio
from conference.models.types import render_migration_item
from conference.permissions import can, network_phase
from conference.services import program_search

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def init_app(app: Flask) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    Path(app.config["UPLOAD_FOLDER"]).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    # First, so its request hooks time and label everything after them.
    observability.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(MIGRATIONS_DIR),
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_item,
        include_name=program_search.include_name,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    _init_login(app)
    # Handlers are declared on import and handed to every server init_app builds.
    from conference import realtime  # noqa: F401

    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        message_queue=app.config["REDIS_URL"],
        channel=app.config["SOCKETIO_CHANNEL"],
    )
    if proxies := app.config["TRUSTED_PROXIES"]:
        # Behind nginx every request comes from 127.0.0.1: rate limits need the client's address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    from conference import jobs
    from conference.blueprints import register_blueprints
    from conference.cli import register_cli

    jobs.configure(app)

    register_blueprints(app)
    register_cli(app)
    _init_templates(app)
    _init_errors(app)
    app.after_request(_security_headers)


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@sa_event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL and enforced foreign keys on SQLite; other databases are left alone.

    The driver's own transaction handling is switched off so that SQLAlchemy
    emits BEGIN itself (see ``_sqlite_begin``): that makes SAVEPOINTs work.
    """
    if _is_sqlite(dbapi_connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


@sa_event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    """SQLAlchemy's documented recipe for real transactions on pysqlite, with IMMEDIATE.

    A deferred BEGIN that reads and then writes fails at once with SQLITE_BUSY
    when another connection wrote in between (busy_timeout cannot help it).
    IMMEDIATE takes the write lock at the start and waits for it instead, so
    concurrent requests and sockets queue rather than fail. PostgreSQL, the
    production database, is not affected.
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def select_locale() -> str | None:
    """The person's own setting first, then the language chosen in the footer, then what
    the browser asks for."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages) or "en"


def _init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str):
        user_id, _sep, nonce = session_id.partition(":")
        if not user_id.isdigit() or not nonce:
            return None
        user = db.session.get(models.User, int(user_id))
        if user is None or user.session_nonce != nonce or not user.is_active:
            return None
        return user


def _init_templates(app: Flask) -> None:
    from conference import formatting
    from conference.services import network

    app.jinja_env.globals.update(
        can=can,
        my_registration=_my_registration,
        get_locale=get_locale,
        language_names=formatting.LANGUAGE_NAMES,
        # Where an event's network stands today (live, after, closed), and the banner
        # about it for the signed-in person (``templates/events/_network_banner.html``).
        network_phase=network_phase,
        network_notice=lambda event: network.notice_for(event, current_user),
    )
    app.jinja_env.filters.update(formatting.FILTERS)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def _my_registration(event: models.Event) -> models.Registration | None:
    """The signed-in person's registration for ``event``, for templates."""
    if not current_user.is_authenticated:
        return None
    return db.session.scalar(
        sa.select(models.Registration).where(
            models.Registration.event_id == event.id,
            models.Registration.user_id == current_user.id,
        )
    )


def _init_errors(app: Flask) -> None:
    from conference.blueprints.common import ParticipantsOnly

    @app.errorhandler(ParticipantsOnly)
    def participants_only(exc: ParticipantsOnly):
        return render_template("errors/participants_only.html", event=exc.event), 403

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        message = _("Your form expired or came from another site. Please try again.")
        return render_template(
            "errors/error.html", code=400, title=_("Form expired"), message=message
        ), 400

    pages = {
        400: (lambda: _("Bad request"), lambda: _("The request could not be understood.")),
        403: (lambda: _("Not allowed"), lambda: _("You do not have permission to see this page.")),
        404: (
            lambda: _("Page not found"),
            lambda: _("There is nothing at this address. It may have moved or never existed."),
        ),
        405: (lambda: _("Not allowed"), lambda: _("That method is not allowed here.")),
        413: (lambda: _("Too large"), lambda: _("The upload is larger than allowed.")),
        429: (
            lambda: _("Too many attempts"),
            lambda: _("Too many attempts in a short time. Please wait a minute and try again."),
        ),
        500: (
            lambda: _("Something went wrong"),
            lambda: _(
                "An unexpected error happened on our side. It has been logged; please try again."
            ),
        ),
    }

    #: The ``error`` of a JSON answer, the same words the API documents.
    codes = {
        400: "invalid",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
        429: "rate_limited",
        500: "server_error",
    }

    def make_handler(code: int):
        title, message = pages[code]

        def handler(exc):
            if code == 500:
                db.session.rollback()
            if request.accept_mimetypes.best == "application/json" or request.path.startswith(
                "/api/"
            ):
                return {"ok": False, "error": codes[code], "message": message()}, code
            return render_template(
                "errors/error.html", code=code, title=title(), message=message()
            ), code

        return handler

    for code in pages:
        app.register_error_handler(code, make_handler(code))


def _security_headers(response):
    """A strict policy: no inline scripts or styles, nothing from other hosts."""
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'self'; object-src 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
