"""The schema comes only from migrations: they must match the models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from conference.extensions import db
from conference.models.types import render_migration_item


def test_migrations_match_models():
    context = MigrationContext.configure(
        db.session.connection(),
        opts={"compare_type": True, "render_item": render_migration_item},
    )
    diff = compare_metadata(context, db.metadata)
    assert diff == []
