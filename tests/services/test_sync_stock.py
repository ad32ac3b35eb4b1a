"""Stock sync against the sandbox over HTTP: ledger entries, drift, faults, hangs and the rate limit."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.haier import HaierBusinessError
from dashboard.haier.sandbox import get_sandbox_state
from dashboard.haier.sandbox.stock import LEVEL_STEPS
from dashboard.models import (
    ChangeType,
    InventoryLog,
    RegionalStock,
    Source,
    SyncKind,
    SyncStatus,
    SyncTrigger,
)
from dashboard.services import sync
from tests.services._sync_support import (
    COUNTY,
    FOR_SALE,
    expected_stock,
    log_count,
    product,
    sellable_here,
    sync_settings,
)


@pytest.fixture
def app(make_app, sandbox):
    app = make_app(**sync_settings(sandbox))
    with app.app_context():
        sync.run_sync(SyncKind.CATALOGUE, trigger=SyncTrigger.COMMAND, operator="tester")
        yield app


def stock_sync(**options):
    options.setdefault("trigger", SyncTrigger.SCHEDULE)
    options.setdefault("operator", "system:sync")
    return sync.run_sync(SyncKind.STOCK, **options)


def test_stock_lands_through_the_ledger_as_sync_entries(app, sandbox):
    summary = stock_sync()

    sellable = sellable_here(sandbox)
    refused = len(FOR_SALE) - len(sellable)
    assert summary.failed == refused and summary.status is SyncStatus.PARTIAL  # refused in this region
    for code in sellable[:25]:
        assert product(code).stock == expected_stock(sandbox, code)
    logs = list(db.session.execute(select(InventoryLog)).scalars())
    assert len(logs) == summary.changed
    # A product out of stock still gets its warehouse recorded (a sync entry of quantity 0).
    in_stock = sum(1 for c in sellable if expected_stock(sandbox, c) != 0)
    assert sum(1 for log in logs if log.stock_after > 0) == in_stock
    assert {(log.change_type, log.operator, log.source) for log in logs} == {
        (ChangeType.SYNC.value, "system:sync", Source.SCHEDULER.value)
    }
    assert all(log.stock_before == 0 for log in logs)


def test_warehouse_and_regional_rows_are_kept(app, sandbox):
    stock_sync()
    code = sellable_here(sandbox)[0]
    row = product(code)
    regional = db.session.execute(
        select(RegionalStock).where(RegionalStock.product_id == row.id, RegionalStock.county_code == COUNTY)
    ).scalar_one()
    assert regional.total_stock == expected_stock(sandbox, code)
    assert regional.county_name == "朝阳区"
    best = regional.result["warehouses"][0]
    if row.stock:
        assert (row.warehouse_code, row.warehouse_grade, row.stock_county_code) == (
            best["sec_code"],
            best["grade"],
            COUNTY,
        )


def test_a_second_run_writes_no_log_rows(app):
    stock_sync()
    logs = log_count()

    summary = stock_sync()

    assert summary.changed == 0 and log_count() == logs


def test_drift_shows_up_as_sync_entries_with_before_and_after(app, sandbox):
    stock_sync()
    codes = sellable_here(sandbox)
    before = {code: product(code).stock for code in codes}
    warehouse_before = {code: product(code).warehouse_code for code in codes}
    first_new_log = db.session.execute(select(InventoryLog.id).order_by(InventoryLog.id.desc())).scalar() or 0
    get_sandbox_state(sandbox.app).advance_clock(LEVEL_STEPS)  # the slow stock level moves too

    summary = stock_sync()

    logs = list(db.session.execute(select(InventoryLog).where(InventoryLog.id > first_new_log)).scalars())
    # A sync entry is written when the figure moves, and also when only the serving warehouse moves (the
    # ledger logs that as quantity 0, see test_sync_of_a_new_warehouse_alone_is_logged).
    moved = {
        code
        for code, stock in before.items()
        if expected_stock(sandbox, code) != stock or product(code).warehouse_code != warehouse_before[code]
    }
    assert summary.changed == len(logs) == len(moved) > 0
    for log in logs:
        code = log.product.code
        assert (log.stock_before, log.stock_after) == (before[code], expected_stock(sandbox, code))
        assert log.quantity == log.stock_after - log.stock_before


def test_injected_faults_give_a_partial_run_and_the_failed_keep_their_stock(app, sandbox):
    stock_sync()
    state = get_sandbox_state(sandbox.app)
    state.advance_clock(LEVEL_STEPS)
    codes = sellable_here(sandbox)
    broken = [c for c in codes if expected_stock(sandbox, c) != product(c).stock][:3]
    kept = {code: product(code).stock for code in broken}
    state.set_fault("503", rate=1.0, endpoints=["stock"], product_codes=broken)

    summary = stock_sync()

    assert summary.status is SyncStatus.PARTIAL
    assert set(broken) <= {e.code for e in summary.errors}
    assert all(product(code).stock == kept[code] for code in broken)  # unknown is never zero
    others = [c for c in codes if c not in broken][:20]
    assert all(product(code).stock == expected_stock(sandbox, code) for code in others)
    message = next(e for e in summary.errors if e.code == broken[0])
    assert message.kind == "unavailable"


def test_a_hang_past_the_timeout_does_not_stall_the_run(make_app, sandbox):
    app = make_app(**sync_settings(sandbox, HAIER_READ_TIMEOUT=0.5, HAIER_MAX_ATTEMPTS=1))
    with app.app_context():
        sync.run_sync(SyncKind.CATALOGUE, trigger=SyncTrigger.COMMAND, operator="tester")
        codes = sellable_here(sandbox)
        state = get_sandbox_state(sandbox.app)
        # One attempt per call: a 429 from the in-process sandbox's own scheduling jitter would fail a third
        # product; this test is about hangs, the rate limit has its own test.
        state.configure(rate_limit=0)
        state.set_fault("hang", rate=1.0, endpoints=["stock"], product_codes=codes[:2])
        started = time.monotonic()

        summary = stock_sync()

        elapsed = time.monotonic() - started
        hung = {e.code: e for e in summary.errors if e.code in codes[:2]}
        assert set(hung) == set(codes[:2]) and all(e.kind == "unavailable" for e in hung.values())
        assert summary.unchanged + summary.changed == len(codes) - 2
        assert elapsed < 20  # the hang lasts 35 s; the run waited only for the 0.5 s timeout


def test_the_rate_limit_is_never_exceeded(make_app, sandbox):
    # The client paces below the limit; the sandbox is in this process, so a 10 % margin keeps GIL hiccups
    # from bunching arrivals into one window (see the report: the client's own pacing is 96 %).
    app = make_app(**sync_settings(sandbox, SYNC_CONCURRENCY=16, HAIER_RATE_LIMIT_PER_SECOND=90))
    with app.app_context():
        sync.run_sync(SyncKind.CATALOGUE, trigger=SyncTrigger.COMMAND, operator="tester")
        state = get_sandbox_state(sandbox.app)
        state.reset()
        state.freeze_clock(True)

        stock_sync()
        stock_sync()

        counters = state.counters()
        assert counters["totals"]["stock"] == 2 * len(FOR_SALE)
        assert "429" not in counters["calls"]["stock"]
        assert counters["max_calls_per_second"] <= 100


def test_unknown_codes_fail_with_their_codes_and_known_ones_sync(app, sandbox):
    code = sellable_here(sandbox)[0]

    summary = stock_sync(product_codes=[code, "ZZ0NOPE99"])

    assert summary.total == 2 and summary.failed == 1
    assert summary.errors[0].code == "ZZ0NOPE99"
    assert product(code).stock == expected_stock(sandbox, code)


def test_dry_run_lists_changes_and_writes_nothing(app, sandbox):
    summary = stock_sync(dry_run=True)

    assert summary.dry_run and summary.changed > 0
    assert {c.field for c in summary.changes} == {"stock"}
    assert log_count() == 0
    assert db.session.execute(select(RegionalStock.id)).first() is None


@pytest.mark.parametrize("county", ["12345", "abcdef", "999999", "110100"])
def test_a_county_that_is_not_a_real_county_is_refused_before_any_run(app, county):
    with pytest.raises(sync.InvalidSyncRequest):
        stock_sync(county_code=county)
    assert [run for run in sync.recent_runs() if run.kind == "stock"] == []


def test_bad_credentials_stop_the_run_as_failed(make_app, sandbox):
    from dashboard.haier.token import clear_shared_token_stores

    clear_shared_token_stores()
    app = make_app(**sync_settings(sandbox, HAIER_CLIENT_SECRET="wrong", HAIER_CLIENT_ID="other-client"))
    with app.app_context():
        summary = sync.run_sync(
            SyncKind.STOCK, trigger=SyncTrigger.COMMAND, operator="t", product_codes=["X"]
        )
        summary = sync.run_sync(SyncKind.CATALOGUE, trigger=SyncTrigger.COMMAND, operator="t")
    assert summary.status is SyncStatus.FAILED
    assert "认证" in summary.message


def test_one_product_stock_sync_returns_the_change(app, sandbox):
    code = sellable_here(sandbox)[0]
    row = product(code)

    result = sync.sync_product_stock(row.id, operator="op", source=Source.WEB)

    assert result.changed and result.changes[0].after == expected_stock(sandbox, code)
    assert result.stock_result.total == expected_stock(sandbox, code)
    log = db.session.execute(select(InventoryLog)).scalar_one()
    assert (log.operator, log.source) == ("op", "web")


def test_one_product_stock_sync_lets_haier_errors_through_and_writes_nothing(app, sandbox):
    code = sellable_here(sandbox)[0]
    get_sandbox_state(sandbox.app).set_fault("business_error", count=1, endpoints=["stock"])

    with pytest.raises(HaierBusinessError):
        sync.sync_product_stock(product(code).id, operator="op", source=Source.WEB)

    assert product(code).stock == 0 and log_count() == 0


def test_one_product_price_sync(app):
    from decimal import Decimal

    item = next(p for p in FOR_SALE if p.price_effective)
    row = product(item.code)
    row.supply_price = Decimal("1.00")
    db.session.commit()

    result = sync.sync_product_prices(row.id, operator="op")

    assert result.changed and product(item.code).supply_price == item.supply_price
    assert not sync.sync_product_prices(row.id, operator="op").changed
