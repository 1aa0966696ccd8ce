"""Console commands: ``flask --app conference <command>``.

``init-db`` applies the migrations; ``create-admin`` makes a platform admin;
``seed-demo`` and ``bench-data`` fill the database for trying and measuring;
``send-message-digests`` emails people about messages waiting unread (the job
consumer also does so every minute); ``jobs`` runs a background-job consumer;
``badges render`` writes an event's badges to one PDF; ``backup`` and ``restore``
write and read back one archive of the database and the uploaded files.
"""

from __future__ import annotations

from contextlib import nullcontext

import click
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from conference.extensions import db
from conference.models import User


def register_cli(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db() -> None:
        """Create or upgrade the schema to the newest migration."""
        upgrade()
        click.echo("Database is at the newest migration.")

    @app.cli.command("create-admin")
    @click.option("--email", required=True)
    @click.option("--name", default="Platform admin")
    @click.password_option()
    def create_admin(email: str, name: str, password: str) -> None:
        """Create a platform admin, or make an existing account one."""
        from conference.services import accounts

        user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
        if user is None:
            user = accounts.create_user(email, password, name, verified=True)
        user.is_platform_admin = True
        db.session.commit()
        click.echo(f"{user.email} is a platform admin.")

    @app.cli.command("send-message-digests")
    @click.option(
        "--base-url",
        help="The site's address for the links in the emails, e.g. https://events.example.org "
        "(needed unless SERVER_NAME is set).",
    )
    def send_message_digests(base_url: str | None) -> None:
        """Email everyone whose messages have waited unread longer than MESSAGE_DIGEST_DELAY."""
        from conference.models.types import utcnow
        from conference.services import messaging

        if not base_url and not app.config.get("SERVER_NAME"):
            raise click.UsageError(
                "Give --base-url (or set SERVER_NAME) so the emails can link to the site."
            )
        with app.test_request_context(base_url=base_url) if base_url else nullcontext():
            sent = messaging.send_digests(utcnow())
            db.session.commit()
        click.echo(f"{sent} digest email(s) sent.")

    @app.cli.command("jobs")
    @click.option("--workers", default=2, show_default=True, help="Worker threads.")
    @click.option(
        "--no-periodic",
        is_flag=True,
        help="Leave periodic jobs (message digests) to another consumer; run them in one only.",
    )
    def run_jobs(workers: int, no_periodic: bool) -> None:
        """Run background jobs (mailings, digests) until stopped: production's consumers."""
        from conference.jobs import huey

        huey.create_consumer(workers=workers, worker_type="thread", periodic=not no_periodic).run()

    from conference import backup, demo
    from conference.badges import cli as badges_cli

    demo.register_cli(app)
    badges_cli.register_cli(app)
    backup.register_cli(app)
