"""Settings read from environment variables, with embedded defaults.

Everything works with no environment at all: SQLite and the secret key live in
``instance/``, mail is written to ``instance/outbox`` as .eml files. Production
sets ``DATABASE_URL`` (PostgreSQL through psycopg 3), ``REDIS_URL`` and SMTP.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance: Path) -> str:
    """Return ``SECRET_KEY`` from the environment, else one generated once and kept."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def normalize_database_url(url: str) -> str:
    """Make a ``postgres://`` or ``postgresql://`` URL use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config() -> dict:
    """Build the Flask config mapping from the environment."""
    instance = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance")).resolve()
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'conference.db'}"
    redis_url = os.environ.get("REDIS_URL") or None
    log_format = os.environ.get("LOG_FORMAT", "text")
    return {
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": _secret_key(instance),
        #: CSRF tokens live as long as the login session: a check-in page left open at the
        #: door all day must still be able to post its scans.
        "WTF_CSRF_TIME_LIMIT": None,
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url),
        "REDIS_URL": redis_url,
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(instance / "uploads")),
        #: Largest request body; photos and materials are checked again on their own.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 60 * 1024 * 1024)),
        "MAX_PHOTO_BYTES": int(os.environ.get("MAX_PHOTO_BYTES", 5 * 1024 * 1024)),
        #: Largest session material file.
        "MATERIAL_MAX_BYTES": int(os.environ.get("MATERIAL_MAX_BYTES", 50 * 1024 * 1024)),
        #: Material types accepted, checked on the file's content (comma-separated MIME types).
        "MATERIAL_TYPES": os.environ.get(
            "MATERIAL_TYPES",
            "application/pdf,"
            "application/vnd.openxmlformats-officedocument.presentationml.presentation,"
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
            "application/vnd.oasis.opendocument.presentation,"
            "application/vnd.oasis.opendocument.text,"
            "image/png,image/jpeg,image/webp,text/plain,text/csv,application/zip",
        ).split(","),
        "MAIL_OUTBOX": os.environ.get("MAIL_OUTBOX", str(instance / "outbox")),
        "MAIL_SERVER": os.environ.get("SMTP_HOST") or None,
        "MAIL_PORT": int(os.environ.get("SMTP_PORT", 587)),
        "MAIL_USERNAME": os.environ.get("SMTP_USER") or None,
        "MAIL_PASSWORD": os.environ.get("SMTP_PASSWORD") or None,
        "MAIL_USE_TLS": _bool("SMTP_STARTTLS", True),
        "MAIL_USE_SSL": _bool("SMTP_SSL", False),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_FROM", "Conference <no-reply@localhost>"),
        #: Who may create events: "verified" (any verified account) or "allowed".
        "EVENT_CREATION": os.environ.get("EVENT_CREATION", "verified"),
        "PREFERRED_URL_SCHEME": os.environ.get("PREFERRED_URL_SCHEME", "http"),
        "SERVER_NAME": os.environ.get("SERVER_NAME") or None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SECURE_COOKIES", False),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool("SECURE_COOKIES", False),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "SOCKETIO_ASYNC_MODE": os.environ.get("SOCKETIO_ASYNC_MODE", "threading"),
        #: Redis pub/sub channel shared by the workers of one installation.
        "SOCKETIO_CHANNEL": os.environ.get("SOCKETIO_CHANNEL", "flask-socketio"),
        #: How many proxies (nginx) stand in front; their X-Forwarded-* headers are trusted.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", 0)),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LANGUAGES": ["en", "ru", "ja"],
        #: argon2 parameters, a name from ``argon2.profiles``.
        "PASSWORD_HASH_PROFILE": os.environ.get("PASSWORD_HASH_PROFILE", "RFC_9106_LOW_MEMORY"),
        "TOKEN_MAX_AGE": int(os.environ.get("TOKEN_MAX_AGE", 2 * 24 * 3600)),
        "RESET_TOKEN_MAX_AGE": int(os.environ.get("RESET_TOKEN_MAX_AGE", 3600)),
        "DIRECTORY_PAGE_SIZE": 24,
        #: JSON logs keep SQL parameters (addresses, message text) out of error texts.
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "hide_parameters": log_format == "json",
        },
        #: Seconds a message waits unread before it goes into an email digest.
        "MESSAGE_DIGEST_DELAY": int(os.environ.get("MESSAGE_DIGEST_DELAY", 900)),
        #: Messages one person may send, in the ``limits`` notation (e.g. "30/minute").
        "MESSAGE_RATE_LIMIT": os.environ.get("MESSAGE_RATE_LIMIT", "30/minute"),
        #: Where background jobs queue: "sqlite" (a file in instance/), "redis" or "memory".
        "JOBS_BACKEND": os.environ.get("JOBS_BACKEND") or ("redis" if redis_url else "sqlite"),
        #: Whether ``python -m conference.serve`` runs job workers itself (the embedded
        #: default); production runs ``flask jobs`` processes instead.
        "JOBS_EMBEDDED": _bool("JOBS_EMBEDDED", not redis_url),
        #: The site's public address, for links in emails, feeds and invitations that
        #: jobs make outside any request.
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000"),
        #: Webhooks may call loopback and private addresses (a platform admin's choice, for
        #: receivers on the organizer's own network; tests use a local receiver).
        "WEBHOOKS_ALLOW_PRIVATE": _bool("WEBHOOKS_ALLOW_PRIVATE", False),
        #: Seconds one webhook delivery may take before it counts as failed.
        "WEBHOOK_TIMEOUT": float(os.environ.get("WEBHOOK_TIMEOUT", 10)),
        #: Requests one API token may make, in the ``limits`` notation.
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "120/minute"),
        #: Most emails a mailing sends per second (a mail server's limit), 0 for no limit.
        "MAILING_RATE": float(os.environ.get("MAILING_RATE", 20)),
        #: Processes that render a bulk badge PDF side by side (1: in the job's own).
        "BADGE_RENDER_WORKERS": int(
            os.environ.get("BADGE_RENDER_WORKERS", min(2, os.cpu_count() or 1))
        ),
        #: Pages per WeasyPrint document when rendering many badges: memory per worker
        #: depends on it, not on how many badges there are.
        "BADGE_CHUNK_PAGES": int(os.environ.get("BADGE_CHUNK_PAGES", 100)),
        #: Log lines as "text" (readable, ``make run``) or "json" (one object a line, production).
        "LOG_FORMAT": log_format,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        #: Bearer token ``/metrics`` asks for; without one it answers loopback requests only.
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN") or None,
        #: Where bulk badge PDFs are kept (default: ``badges`` in the instance folder).
        "BADGE_FOLDER": os.environ.get("BADGE_FOLDER") or None,
    }
