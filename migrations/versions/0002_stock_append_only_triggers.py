"""stock ledger: database triggers that refuse UPDATE and DELETE on inventory_logs

The ORM refuses to update or delete a log row; these triggers make the database refuse it too, so raw SQL,
another tool or a future bug cannot rewrite the audit trail. TRUNCATE is left alone (a test database reset).

Revision ID: 0002_stock
Revises: 0001
"""

from alembic import op

revision = "0002_stock"
down_revision = "0001"
branch_labels = None
depends_on = None

MESSAGE = "inventory_logs rows are append-only"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION inventory_logs_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER inventory_logs_append_only BEFORE UPDATE OR DELETE ON inventory_logs "
            "FOR EACH ROW EXECUTE FUNCTION inventory_logs_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER inventory_logs_no_{action.lower()} BEFORE {action} ON inventory_logs "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS inventory_logs_append_only ON inventory_logs")
        op.execute("DROP FUNCTION IF EXISTS inventory_logs_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS inventory_logs_no_update")
        op.execute("DROP TRIGGER IF EXISTS inventory_logs_no_delete")
