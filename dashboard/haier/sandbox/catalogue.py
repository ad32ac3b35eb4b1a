"""The demo catalogue: the one definition of the appliances the sandbox sells.

The sandbox serves it over the wire and the dashboard's demo data seeds its tables from it, so both always agree on
codes, models and prices. Generation is deterministic for a given (size, seed): the same codes come back in every
process and on every machine, which is what lets tests and demo data name products by code.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

DEFAULT_SEED = 20251125
DEFAULT_SIZE = 3000

CENT = Decimal("0.01")
IMAGE_HOST = "https://img.haier-sandbox.invalid"

NOT_RELEASED_REASONS = ("该商品暂未在本区域上市", "该商品已停产", "该商品暂停供货")


@dataclass(frozen=True)
class SandboxProduct:
    """One appliance as Haier describes it, with Python names (the wire names live in the sandbox views)."""

    code: str
    model: str
    name: str
    group: str
    category: str
    brand: str
    image_url: str
    detail_image_urls: tuple[str, ...] = field(repr=False)
    is_sales: bool
    no_sales_reason: str | None
    supply_price: Decimal
    direct_discount: Decimal
    rebate: Decimal
    market_price: Decimal
    # False for products whose price list is not yet in force: the price call answers "价格未生效" for them.
    price_effective: bool = True

    @property
    def invoice_price(self) -> Decimal:
        gross = self.supply_price * (Decimal(1) - self.direct_discount) - self.rebate
        return gross.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class _Group:
    name: str
    category: str
    code_prefix: str
    weight: int
    price_range: tuple[int, int]


# Weights follow a typical appliance retailer's range: many refrigerators, washers and air conditioners, fewer
# dishwashers and sterilisers. Code prefixes mimic Haier's material codes (a group letter pair, then "0").
GROUPS: tuple[_Group, ...] = (
    _Group("冰箱", "冰箱", "BE0", 18, (1299, 12999)),
    _Group("冷柜", "冰箱", "BD0", 5, (899, 3999)),
    _Group("滚筒洗衣机", "洗衣机", "CE0", 12, (1599, 8999)),
    _Group("波轮洗衣机", "洗衣机", "CB0", 8, (699, 3499)),
    _Group("干衣机", "洗衣机", "CF0", 4, (2499, 8999)),
    _Group("挂式空调", "空调", "AA0", 12, (1899, 5999)),
    _Group("柜式空调", "空调", "AB0", 6, (4299, 15999)),
    _Group("电热水器", "热水器", "GA0", 9, (699, 4999)),
    _Group("燃气热水器", "热水器", "GD0", 6, (1299, 6999)),
    _Group("油烟机", "厨电", "JA0", 6, (1499, 6999)),
    _Group("燃气灶", "厨电", "JB0", 5, (599, 3499)),
    _Group("洗碗机", "厨电", "JD0", 5, (2499, 9999)),
    _Group("消毒柜", "厨电", "JE0", 4, (899, 3999)),
)

# Casarte is Haier's premium line and Leader (统帅) its value line; their prices scale accordingly.
BRANDS: tuple[tuple[str, int, Decimal], ...] = (
    ("海尔", 70, Decimal("1.00")),
    ("卡萨帝", 15, Decimal("1.90")),
    ("统帅", 15, Decimal("0.75")),
)

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"


def _letters(rng: random.Random, n: int, alphabet: str = "ABCDEFGHJKLMNPQRSTUVWXYZ") -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


# Wall (GW) and floor-standing (LW) units share one model pattern; only the mount letters and sizes differ.
_AIR_CONDITIONERS: dict[str, tuple[str, tuple[tuple[int, str], ...]]] = {
    "挂式空调": ("GW", ((26, "大1匹"), (35, "1.5匹"))),
    "柜式空调": ("LW", ((50, "2匹"), (72, "3匹"))),
}


def _model_and_name(group: str, brand: str, rng: random.Random) -> tuple[str, str]:
    """A model number in Haier's style for the group, and the Chinese product name that goes with it."""
    if group == "冰箱":
        litres = rng.choice((178, 216, 258, 310, 335, 405, 470, 510, 535, 601, 646))
        door = rng.choice(("十字对开门", "法式多门", "对开门", "三门", "双门"))
        model = f"BCD-{litres}W{_letters(rng, 5)}U1"
        return model, f"{brand} {litres}升{door}冰箱"
    if group == "冷柜":
        litres = rng.choice((100, 142, 203, 226, 301, 429, 519))
        return f"BC/BD-{litres}H{_letters(rng, 2)}", f"{brand} {litres}升家用冷柜"
    if group in ("滚筒洗衣机", "波轮洗衣机", "干衣机"):
        kg = rng.choice((8, 9, 10, 12))
        if group == "滚筒洗衣机":
            return (
                f"EG{kg}0{_letters(rng, 3)}{rng.randint(1, 9)}S",
                f"{brand} {kg}公斤变频滚筒洗衣机",
            )
        if group == "波轮洗衣机":
            return (
                f"EB{kg}0M{rng.randint(10, 39)}{_letters(rng, 2)}",
                f"{brand} {kg}公斤波轮洗衣机",
            )
        return f"HGY{kg}0-F{rng.randint(100, 399)}U1", f"{brand} {kg}公斤热泵干衣机"
    if group in _AIR_CONDITIONERS:
        mount, sizes = _AIR_CONDITIONERS[group]
        size, hp = rng.choice(sizes)
        model = f"KFR-{size}{mount}/{rng.randint(1, 99):02d}{_letters(rng, 3)}{rng.choice('123')}{rng.choice('A1')}U1"
        return model, f"{brand} {hp}新一级能效变频{group}"
    if group == "电热水器":
        litres = rng.choice((50, 60, 80, 100))
        return (
            f"EC{litres}0{rng.randint(1, 9)}-{_letters(rng, 2)}{rng.randint(1, 9)}",
            f"{brand} {litres}升电热水器",
        )
    if group == "燃气热水器":
        litres = rng.choice((12, 13, 16, 20))
        return (
            f"JSQ{litres * 2 - 1}-{litres}{_letters(rng, 2)}{rng.randint(1, 9)}(12T)",
            f"{brand} {litres}升燃气热水器",
        )
    if group == "油烟机":
        kind = rng.choice(("侧吸式", "顶吸式", "近吸式"))
        return (
            f"CXW-{rng.randint(200, 299)}-{_letters(rng, 1)}{rng.randint(100, 999)}",
            f"{brand} {kind}油烟机",
        )
    if group == "燃气灶":
        return (
            f"JZT-Q{rng.randint(1, 9)}{_letters(rng, 2)}(12T)",
            f"{brand} 嵌入式燃气灶",
        )
    if group == "洗碗机":
        sets = rng.choice((8, 10, 13, 15))
        return (
            f"EYW{sets}{rng.randint(100, 999)}{_letters(rng, 2)}",
            f"{brand} {sets}套嵌入式洗碗机",
        )
    litres = rng.choice((80, 90, 100, 120))
    return (
        f"ZQD{litres}F-{_letters(rng, 1)}{rng.randint(10, 99)}",
        f"{brand} {litres}升嵌入式消毒柜",
    )


def _retail_price(low: int, high: int, scale: Decimal, rng: random.Random) -> Decimal:
    """A market price ending in 99, as appliance list prices do."""
    raw = Decimal(rng.randint(low, high)) * scale
    hundreds = int(raw // 100)
    return Decimal(max(hundreds, 1) * 100 + 99).quantize(CENT)


def _product(rng: random.Random, taken: set[str]) -> SandboxProduct:
    group = rng.choices(GROUPS, weights=[g.weight for g in GROUPS])[0]
    brand, _, scale = rng.choices(BRANDS, weights=[b[1] for b in BRANDS])[0]
    code = group.code_prefix + "".join(rng.choice(_CODE_ALPHABET) for _ in range(6))
    while code in taken:
        code = group.code_prefix + "".join(rng.choice(_CODE_ALPHABET) for _ in range(6))
    taken.add(code)
    model, name = _model_and_name(group.name, brand, rng)
    market_price = _retail_price(*group.price_range, scale, rng)
    supply_price = (market_price * Decimal(rng.randint(72, 86)) / 100).quantize(Decimal(1)).quantize(CENT)
    direct_discount = Decimal(rng.choice((0, 0, 1, 2, 3, 5))).scaleb(-2).quantize(Decimal("0.0001"))
    rebate = Decimal(rng.choice((0, 0, 10, 20, 50, 100))).quantize(CENT)
    is_sales = rng.random() >= 0.04
    return SandboxProduct(
        code=code,
        model=model,
        name=name,
        group=group.name,
        category=group.category,
        brand=brand,
        image_url=f"{IMAGE_HOST}/product/{code}/main.jpg",
        detail_image_urls=tuple(
            f"{IMAGE_HOST}/product/{code}/detail-{n}.jpg" for n in range(1, rng.randint(2, 5))
        ),
        is_sales=is_sales,
        no_sales_reason=None if is_sales else rng.choice(NOT_RELEASED_REASONS),
        supply_price=supply_price,
        direct_discount=direct_discount,
        rebate=rebate,
        market_price=market_price,
        price_effective=rng.random() >= 0.03,
    )


@cache
def catalogue(size: int = DEFAULT_SIZE, seed: int = DEFAULT_SEED) -> tuple[SandboxProduct, ...]:
    """The first `size` products for `seed`: same arguments, same products, in any process.

    A smaller catalogue is a prefix of a larger one with the same seed, so tests may use a small size and still
    meet the codes the demo data knows.
    """
    if size < 0:
        raise ValueError(f"catalogue size must not be negative, got {size}")
    # Seeded from a digest, not hash(): str hashing is salted per process.
    digest = hashlib.sha256(f"haier-sandbox-catalogue:{seed}".encode()).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    taken: set[str] = set()
    return tuple(_product(rng, taken) for _ in range(size))


@cache
def products_by_code(size: int = DEFAULT_SIZE, seed: int = DEFAULT_SEED) -> dict[str, SandboxProduct]:
    return {product.code: product for product in catalogue(size, seed)}
