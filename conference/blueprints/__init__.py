"""HTTP layers, one package per area; each exposes ``bp``."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from conference.blueprints import (
        admin,
        api,
        auth,
        badges,
        calendars,
        checkin,
        contacts,
        discussions,
        event_search,
        events,
        health,
        matchmaking,
        meetings,
        messages,
        moderation,
        news,
        notifications,
        organizer,
        points,
        profiles,
        program,
        qa,
        registration,
        sponsors,
        subscriptions,
    )

    app.register_blueprint(events.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(registration.bp)
    app.register_blueprint(profiles.bp)
    app.register_blueprint(organizer.bp)
    app.register_blueprint(program.bp)
    app.register_blueprint(qa.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(messages.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(meetings.bp)
    app.register_blueprint(calendars.bp)
    app.register_blueprint(subscriptions.bp)
    app.register_blueprint(badges.bp)
    app.register_blueprint(checkin.bp)
    app.register_blueprint(sponsors.bp)
    app.register_blueprint(matchmaking.bp)
    app.register_blueprint(contacts.bp)
    app.register_blueprint(discussions.bp)
    app.register_blueprint(news.bp)
    app.register_blueprint(moderation.bp)
    app.register_blueprint(points.bp)
    app.register_blueprint(event_search.bp)
    app.register_blueprint(health.bp)
    api.init_app(app)
