"""Catalogue and price sync against the sandbox over HTTP."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.haier.sandbox import get_sandbox_state
from dashboard.models import Product, SyncKind, SyncStatus, SyncTrigger
from dashboard.services import sync
from dashboard.services.catalogue import filter_options
from dashboard.services.sync_mapping import category_for_group
from dashboard.timeutil import utcnow
from tests.factories import make_product
from tests.services._sync_support import FOR_SALE, SANDBOX_CATALOGUE, log_count, product, sync_settings


@pytest.fixture
def app(make_app, sandbox):
    app = make_app(**sync_settings(sandbox))
    with app.app_context():
        yield app


def catalogue_sync(**options):
    return sync.run_sync(SyncKind.CATALOGUE, trigger=SyncTrigger.COMMAND, operator="tester", **options)


def test_catalogue_lands_with_the_contract_mapping(app):
    summary = catalogue_sync()

    assert summary.status is SyncStatus.SUCCEEDED
    assert summary.total == len(FOR_SALE) and summary.changed == len(FOR_SALE)
    count = db.session.execute(select(func.count(Product.id))).scalar_one()
    assert count == len(FOR_SALE)  # the full listing is the purchasable products
    item = next(p for p in FOR_SALE if p.price_effective and p.rebate > 0)
    row = product(item.code)
    assert (row.model, row.name, row.brand, row.product_group) == (
        item.model,
        item.name,
        item.brand,
        item.group,
    )
    assert row.category == item.category
    assert row.image_url == item.image_url and row.detail_image_urls == list(item.detail_image_urls)
    assert row.is_sales is True and row.no_sales_reason is None
    assert row.supply_price == item.supply_price and isinstance(row.supply_price, Decimal)
    assert row.invoice_price == item.invoice_price
    assert row.direct_discount == item.direct_discount and row.rebate == item.rebate
    assert row.price_note is None
    assert row.catalogue_synced_at is not None and row.prices_synced_at is not None


def test_a_product_without_an_effective_price_keeps_no_price_and_haiers_reason(app):
    catalogue_sync()
    item = next(p for p in FOR_SALE if not p.price_effective)
    row = product(item.code)
    assert row.supply_price is None and row.invoice_price is None
    assert row.price_note == "价格未生效"


def test_a_second_run_writes_nothing(app):
    catalogue_sync()
    before = {p.code: p.updated_at for p in db.session.execute(select(Product)).scalars()}

    summary = catalogue_sync()

    assert summary.changed == 0 and summary.unchanged == summary.total == len(FOR_SALE)
    db.session.expire_all()
    after = {p.code: p.updated_at for p in db.session.execute(select(Product)).scalars()}
    assert after == before
    assert log_count() == 0


def test_a_changed_field_is_put_back_and_only_that_product_counts_as_changed(app):
    catalogue_sync()
    item = FOR_SALE[3]
    row = product(item.code)
    row.brand, row.supply_price = "别的品牌", Decimal("1.00")
    db.session.commit()

    summary = catalogue_sync()

    assert summary.changed == 1
    row = product(item.code)
    assert row.brand == item.brand
    assert row.supply_price == (item.supply_price if item.price_effective else None)


def test_a_product_haier_no_longer_returns_is_marked_not_deleted_and_cleared_when_back(app):
    gone = make_product("ZZ0GONE01")
    catalogue_sync()
    back = product(FOR_SALE[0].code)
    back.missing_from_haier_at = utcnow() - timedelta(days=1)
    db.session.commit()

    summary = catalogue_sync()

    assert product(gone.code).missing_from_haier_at is not None
    assert product(back.code).missing_from_haier_at is None
    assert summary.changed == 1  # the product that came back; the gone one was already marked


def test_codes_are_fetched_in_batches_of_twenty(app, sandbox):
    codes = [p.code for p in SANDBOX_CATALOGUE[:45]]

    summary = catalogue_sync(product_codes=codes)

    calls = get_sandbox_state(sandbox.app).counters()["totals"]
    assert calls["products"] == 3 and calls["prices"] == 3
    assert summary.total == 45 and summary.failed == 0
    not_for_sale = next(p for p in SANDBOX_CATALOGUE[:45] if not p.is_sales)
    row = product(not_for_sale.code)
    assert row.is_sales is False and row.no_sales_reason == not_for_sale.no_sales_reason


def test_a_code_haier_does_not_know_is_reported_with_its_code(app):
    summary = catalogue_sync(product_codes=[FOR_SALE[0].code, "ZZ0NOPE99"])

    assert summary.status is SyncStatus.PARTIAL
    assert [e.code for e in summary.errors] == ["ZZ0NOPE99"]


def test_category_filter_syncs_only_that_category(app):
    summary = catalogue_sync(category="空调")

    categories = set(db.session.execute(select(Product.category).distinct()).scalars())
    assert categories == {"空调"}
    assert summary.total == sum(1 for p in FOR_SALE if p.category == "空调")


def test_prices_sync_touches_prices_only(app):
    catalogue_sync()
    item = next(p for p in FOR_SALE if p.price_effective)
    row = product(item.code)
    row.supply_price, row.name = Decimal("9.99"), "本地改过的名称"
    db.session.commit()

    summary = sync.run_sync(SyncKind.PRICES, trigger=SyncTrigger.COMMAND, operator="tester")

    assert summary.changed == 1
    row = product(item.code)
    assert row.supply_price == item.supply_price and row.name == "本地改过的名称"


def test_dry_run_reports_and_writes_nothing(app):
    summary = catalogue_sync(dry_run=True)

    assert summary.dry_run and summary.changed == len(FOR_SALE)
    assert {c.field for c in summary.changes} == {"created"}
    assert db.session.execute(select(func.count(Product.id))).scalar_one() == 0


def test_filter_options_are_fresh_after_a_catalogue_sync(app):
    assert filter_options()["brands"] == []

    catalogue_sync()

    assert set(filter_options()["brands"]) == {p.brand for p in FOR_SALE}


@pytest.mark.parametrize(
    ("group", "category"),
    [
        ("冰箱", "冰箱"),
        ("滚筒洗衣机", "洗衣机"),
        ("柜式空调", "空调"),
        ("燃气热水器", "热水器"),
        ("未知新品类", ""),
        (None, ""),
    ],
)
def test_category_comes_from_the_group_table_and_never_a_guess(group, category):
    assert category_for_group(group) == category
