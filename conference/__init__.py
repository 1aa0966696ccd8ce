"""A private networking platform for conferences and events."""

from __future__ import annotations

from flask import Flask

from conference.config import BASE_DIR, load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, error pages, CLI."""
    settings = load_config()
    settings.update(config or {})
    app = Flask(
        __name__,
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
    )
    app.config.update(settings)

    from conference import web

    web.init_app(app)
    return app
