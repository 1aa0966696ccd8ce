"""Console commands: ``flask --app conference <command>``.

``init-db`` applies the migrations; ``create-admin`` makes a platform admin;
``seed-demo`` and ``bench-data`` fill the database for trying and measuring.
"""

from __future__ import annotations

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

    from conference import demo

    demo.register_cli(app)
