"""The schema comes only from migrations: they must match the models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from conference.extensions import db
from conference.models.types import render_migration_item
from conference.services.program_search import include_name


def test_migrations_match_models():
    context = MigrationContext.configure(
        db.session.connection(),
        opts={
            "compare_type": True,
            "render_item": render_migration_item,
            # The program search index is created by hand (FTS5 / tsvector); no model has it.
            "include_name": include_name,
        },
    )
    diff = compare_metadata(context, db.metadata)
    assert diff == []
