import re
import subprocess
import sys
from decimal import Decimal

from dashboard.haier.sandbox.catalogue import BRANDS, GROUPS, catalogue

CODE = re.compile(r"^[A-Z0-9]{9}$")


def test_default_catalogue_has_three_thousand_unique_codes_in_haier_format():
    products = catalogue()

    assert len(products) == 3000
    assert len({p.code for p in products}) == 3000
    assert all(CODE.match(p.code) for p in products)


def test_same_seed_gives_same_catalogue_in_another_process():
    script = "from dashboard.haier.sandbox.catalogue import catalogue; print([p.code for p in catalogue(50)])"
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)

    assert other.stdout.strip() == str([p.code for p in catalogue(50)])


def test_other_seed_gives_other_codes():
    assert {p.code for p in catalogue(50, seed=1)} != {p.code for p in catalogue(50)}


def test_smaller_catalogue_is_a_prefix_of_the_larger():
    assert catalogue(300) == catalogue(3000)[:300]


def test_every_group_and_brand_appears():
    products = catalogue()

    assert {p.group for p in products} == {g.name for g in GROUPS}
    assert {p.brand for p in products} == {name for name, _, _ in BRANDS}
    assert {p.category for p in products} == {"冰箱", "洗衣机", "空调", "热水器", "厨电"}


def test_names_are_chinese_and_carry_the_brand():
    for product in catalogue(200):
        assert product.name.startswith(product.brand + " ")
        assert re.search(r"[\u4e00-\u9fff]", product.name)


def test_prices_are_two_decimal_money_with_supply_below_market():
    for product in catalogue():
        assert product.supply_price == product.supply_price.quantize(Decimal("0.01"))
        assert Decimal(0) < product.supply_price < product.market_price
        assert Decimal(0) <= product.direct_discount < Decimal("0.1")
        assert product.invoice_price < product.market_price


def test_invoice_price_is_supply_less_direct_discount_less_rebate():
    product = next(p for p in catalogue() if p.direct_discount and p.rebate)
    expected = product.supply_price * (1 - product.direct_discount) - product.rebate

    assert product.invoice_price == expected.quantize(Decimal("0.01"))


def test_some_products_are_not_purchasable_with_a_reason_and_some_have_no_price():
    products = catalogue()
    not_sold = [p for p in products if not p.is_sales]

    assert not_sold and all(p.no_sales_reason for p in not_sold)
    assert all(p.no_sales_reason is None for p in products if p.is_sales)
    assert any(not p.price_effective for p in products)
    assert len(not_sold) < len(products) * 0.1
