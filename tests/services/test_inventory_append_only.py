"""The stock log is append-only at every layer: ORM instances, bulk ORM statements, and the database itself."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError

from dashboard.extensions import db
from dashboard.models import AppendOnlyViolation, InventoryLog
from dashboard.services import inventory
from tests.factories import make_product


@pytest.fixture
def log_row(app) -> InventoryLog:
    product = make_product("AO1")
    change = inventory.adjust_stock(product.id, "盘点差异", "operator-user", new_stock=5)
    return db.session.get(InventoryLog, change.log_id)


def reason_in_database(log_id: int) -> str:
    db.session.rollback()
    return db.session.execute(select(InventoryLog.reason).where(InventoryLog.id == log_id)).scalar_one()


def test_updating_a_log_instance_is_refused(log_row):
    log_id = log_row.id
    log_row.reason = "rewritten"

    with pytest.raises(AppendOnlyViolation):
        db.session.commit()

    assert reason_in_database(log_id) == "盘点差异"


def test_deleting_a_log_instance_is_refused(log_row):
    log_id = log_row.id
    db.session.delete(log_row)

    with pytest.raises(AppendOnlyViolation):
        db.session.commit()

    assert reason_in_database(log_id) == "盘点差异"


def test_bulk_orm_update_is_refused(log_row):
    with pytest.raises(AppendOnlyViolation):
        db.session.execute(update(InventoryLog).values(reason="rewritten"))

    assert reason_in_database(log_row.id) == "盘点差异"


def test_bulk_orm_delete_is_refused(log_row):
    with pytest.raises(AppendOnlyViolation):
        db.session.execute(delete(InventoryLog).where(InventoryLog.id == log_row.id))

    assert reason_in_database(log_row.id) == "盘点差异"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE inventory_logs SET reason = 'rewritten'",
        "UPDATE inventory_logs SET quantity = quantity + 1",
        "DELETE FROM inventory_logs",
    ],
)
def test_raw_sql_update_or_delete_is_refused_by_the_database(log_row, statement):
    with pytest.raises(DatabaseError, match="append-only"), db.engine.begin() as connection:
        connection.execute(text(statement))

    assert reason_in_database(log_row.id) == "盘点差异"


def test_other_tables_can_still_be_bulk_updated(log_row):
    from dashboard.models import Product

    db.session.execute(update(Product).values(name="renamed"))
    db.session.commit()

    assert db.session.execute(select(Product.name)).scalar_one() == "renamed"
