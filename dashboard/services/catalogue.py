"""Catalogue queries: search, filters, sorting and pagination of products."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from math import ceil

from sqlalchemy import Select, func, select, text

from dashboard.extensions import cache, db
from dashboard.models import Product

SORT_COLUMNS = {
    "code": Product.code,
    "model": Product.model,
    "name": Product.name,
    "group": Product.product_group,
    "brand": Product.brand,
    "stock": Product.stock,
    "available": Product.stock - Product.reserved,
    "supply_price": Product.supply_price,
    "last_sync": Product.last_sync_at,
}
STOCK_STATES = ("out", "low", "in")
SALE_STATES = ("1", "0")
MAX_SEARCH_LENGTH = 100
MAX_PAGE = 1_000_000
TRIGRAM = 3


class InvalidFilter(ValueError):
    """A query parameter that cannot be corrected (an unknown filter value): a 400 with this message."""


@dataclass
class CatalogueFilter:
    q: str = ""
    group: str = ""
    brand: str = ""
    category: str = ""
    sale: str = ""
    stock: str = ""
    sort: str = "code"
    direction: str = "asc"
    page: int = 1
    errors: list[str] = field(default_factory=list, repr=False)

    def query_args(self, **overrides) -> dict:
        """The non-default arguments, for links that keep the current filter."""
        values = {k: v for k, v in asdict(self).items() if k != "errors"}
        values.update(overrides)
        defaults = CatalogueFilter()
        return {k: v for k, v in values.items() if v != getattr(defaults, k)}


def parse_filter(args) -> CatalogueFilter:
    """Read the catalogue filter from query args; correct what can be corrected, raise InvalidFilter otherwise."""
    f = CatalogueFilter(
        q=(args.get("q") or "").strip()[:MAX_SEARCH_LENGTH],
        group=(args.get("group") or "").strip(),
        brand=(args.get("brand") or "").strip(),
        category=(args.get("category") or "").strip(),
        sale=(args.get("sale") or "").strip(),
        stock=(args.get("stock") or "").strip(),
    )
    if f.stock and f.stock not in STOCK_STATES:
        raise InvalidFilter(f"库存状态参数无效：{f.stock}")
    if f.sale and f.sale not in SALE_STATES:
        raise InvalidFilter(f"可采状态参数无效：{f.sale}")
    sort = args.get("sort", "code")
    f.sort = sort if sort in SORT_COLUMNS else "code"
    f.direction = "desc" if args.get("direction") == "desc" else "asc"
    raw_page = args.get("page", "1")
    try:
        f.page = min(max(int(raw_page), 1), MAX_PAGE)
    except (TypeError, ValueError):
        f.page = 1
    return f


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search_condition(term: str):
    term = term.lower()
    if db.engine.dialect.name != "sqlite":
        # PostgreSQL answers LIKE '%…%' from the trigram index made in the first migration.
        return Product.search_text.like(f"%{_escape_like(term)}%", escape="\\")
    if len(term) >= TRIGRAM:
        # The FTS5 trigram index (migration 0003): a quoted phrase matches exactly the substring.
        phrase = '"' + term.replace('"', '""') + '"'
        return Product.id.in_(
            text("SELECT rowid FROM products_fts WHERE products_fts MATCH :phrase").bindparams(phrase=phrase)
        )
    # One or two characters have no trigram: a plain substring scan (instr beats LIKE on CJK text).
    return func.instr(Product.search_text, term) > 0


def apply_filter(stmt: Select, f: CatalogueFilter, low_threshold: int) -> Select:
    if f.q:
        stmt = stmt.where(_search_condition(f.q))
    if f.group:
        stmt = stmt.where(Product.product_group == f.group)
    if f.brand:
        stmt = stmt.where(Product.brand == f.brand)
    if f.category:
        stmt = stmt.where(Product.category == f.category)
    if f.sale:
        stmt = stmt.where(Product.is_sales.is_(f.sale == "1"))
    available = Product.stock - Product.reserved
    if f.stock == "out":
        stmt = stmt.where(available <= 0)
    elif f.stock == "low":
        stmt = stmt.where(available > 0, available <= low_threshold)
    elif f.stock == "in":
        stmt = stmt.where(available > low_threshold)
    return stmt


@dataclass
class Page:
    items: list[Product]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def search_products(f: CatalogueFilter, per_page: int, low_threshold: int) -> Page:
    """One page of products; a page number past the end is corrected to the last page."""
    total = db.session.execute(apply_filter(select(func.count(Product.id)), f, low_threshold)).scalar_one()
    pages = max(1, ceil(total / per_page))
    f.page = min(f.page, pages)
    column = SORT_COLUMNS[f.sort]
    order = column.desc() if f.direction == "desc" else column.asc()
    # Codes are unique, so sorting by code needs no tie-breaker; a redundant one turns PostgreSQL's index scan
    # into an incremental sort and doubles the cost of deep pages.
    ties = [] if f.sort == "code" else [Product.id.desc() if f.direction == "desc" else Product.id.asc()]
    # Deferred join: walk the index for the page's ids only, then load 50 full rows, so a deep page
    # does not drag every skipped row through the executor.
    page_ids = (
        apply_filter(select(Product.id), f, low_threshold)
        .order_by(order, *ties)
        .limit(per_page)
        .offset((f.page - 1) * per_page)
        .subquery()
    )
    stmt = select(Product).join(page_ids, Product.id == page_ids.c.id).order_by(order, *ties)
    items = list(db.session.execute(stmt).scalars())
    return Page(items=items, page=f.page, per_page=per_page, total=total)


def product_ids_matching(f: CatalogueFilter, low_threshold: int) -> list[int]:
    """Ids of every product the filter selects (for syncing "the current catalogue filter")."""
    return list(db.session.execute(apply_filter(select(Product.id), f, low_threshold)).scalars())


@cache.memoize(timeout=300)
def filter_options() -> dict[str, list[str]]:
    def distinct(column):
        return [v for v in db.session.execute(select(column).distinct().order_by(column)).scalars() if v]

    return {
        "groups": distinct(Product.product_group),
        "brands": distinct(Product.brand),
        "categories": distinct(Product.category),
    }
