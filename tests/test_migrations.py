"""The schema comes from the migrations; a model change without a migration fails here."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dashboard.extensions import db


# SQLite cannot reflect the expression index on (stock - reserved); the migration creates it by hand.
@pytest.mark.filterwarnings("ignore:.*expression-based index:UserWarning", "ignore:.*expression-based index")
def test_models_match_the_migrated_schema(app):
    import importlib

    env = importlib.import_module("tests._migration_env")
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": env.include_object, "compare_type": True}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []
