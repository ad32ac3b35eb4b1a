"""flask sync-haier-products and flask demo-data, through click's runner against the sandbox."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import InventoryLog, Product, SyncRun
from tests.services._sync_support import FOR_SALE, sellable_here, sync_settings


@pytest.fixture
def app(make_app, sandbox):
    app = make_app(**sync_settings(sandbox))
    with app.app_context():
        yield app


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def products() -> int:
    db.session.rollback()
    return db.session.execute(select(func.count(Product.id))).scalar_one()


def test_the_default_is_the_catalogue_with_prices(app):
    result = invoke(app, "sync-haier-products")

    assert result.exit_code == 0, result.output
    assert (
        f"catalogue sync (run #1): succeeded — {len(FOR_SALE)} products: {len(FOR_SALE)} changed"
        in result.output
    )
    assert products() == len(FOR_SALE)
    assert "jionlp" not in result.output.lower()


def test_plain_progress_lines_when_not_on_a_terminal(app):
    result = invoke(app, "sync-haier-products")
    assert f"catalogue sync: {len(FOR_SALE)}/{len(FOR_SALE)} (changed" in result.output


def test_stock_for_several_codes_after_one_option_and_a_non_zero_exit_when_partial(app, sandbox):
    invoke(app, "sync-haier-products")
    first, second = sellable_here(sandbox)[:2]

    result = invoke(app, "sync-haier-products", "--sync-stock", "--product-codes", first, second, "ZZ0NOPE")

    assert result.exit_code == 1
    assert "stock sync (run #2): partial" in result.output and "3 products" in result.output
    assert "ZZ0NOPE: 本地目录中没有该商品" in result.output
    db.session.rollback()
    run = db.session.get(SyncRun, 2)
    assert run.params["product_codes"] == [first, second, "ZZ0NOPE"] and run.params["county_code"] == "110105"
    assert run.trigger == "command"
    logs = db.session.execute(select(InventoryLog.source).distinct()).scalars().all()
    assert logs in ([], ["cli"])


def test_repeated_and_comma_separated_codes(app):
    codes = [p.code for p in FOR_SALE[:3]]

    result = invoke(
        app, "sync-haier-products", "--product-codes", f"{codes[0]},{codes[1]}", "--product-codes", codes[2]
    )

    assert result.exit_code == 0, result.output
    assert products() == 3


def test_category_and_brand_narrow_the_catalogue(app):
    result = invoke(app, "sync-haier-products", "--category", "空调", "--brand", "卡萨帝")

    assert result.exit_code == 0, result.output
    expected = sum(1 for p in FOR_SALE if p.category == "空调" and p.brand == "卡萨帝")
    assert products() == expected


def test_dry_run_prints_what_would_change_and_writes_nothing(app):
    result = invoke(app, "sync-haier-products", "--dry-run", "--concurrency", "4")

    assert result.exit_code == 0, result.output
    assert "would change" in result.output and "would set" in result.output
    assert products() == 0


@pytest.mark.parametrize(
    "args",
    [
        ("--sync-stock", "--county-code", "12"),
        ("--sync-stock", "--county-code", "999999"),
        ("--concurrency", "0"),
        ("GA0ABCDEF",),
    ],
)
def test_bad_options_are_usage_errors(app, args):
    result = invoke(app, "sync-haier-products", *args)
    assert result.exit_code == 2, result.output


def test_demo_data_is_idempotent(app):
    first = invoke(app, "demo-data")
    assert first.exit_code == 0, first.output
    logs = db.session.execute(select(func.count(InventoryLog.id))).scalar_one()
    assert logs > 0 and products() == len(FOR_SALE)

    second = invoke(app, "demo-data")

    assert second.exit_code == 0, second.output
    assert f"{len(FOR_SALE)} products: 0 changed" in second.output
    db.session.rollback()
    assert db.session.execute(select(func.count(InventoryLog.id))).scalar_one() == logs
    assert "jionlp" not in (first.output + second.output).lower()


def test_demo_data_refuses_a_real_gateway(make_app, sandbox):
    app = make_app(**sync_settings(sandbox), HAIER_USE_MOCK_DATA=False)
    with app.app_context():
        result = invoke(app, "demo-data")
    assert result.exit_code == 1 and "only runs against the sandbox" in result.output
