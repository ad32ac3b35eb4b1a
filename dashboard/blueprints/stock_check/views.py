"""The stock-check page: pick a product, give an address, see whether and when Haier can deliver.

Haier failures are shown inside the answer (HTTP 200): the page itself worked and the user has something to
do about it. Input the user must correct — including an address that does not name one county — is a 422
with the re-rendered panel, which htmx swaps (see base.html's htmx-config).
"""

from __future__ import annotations

from flask import current_app, request

from dashboard.blueprints.stock_check import bp
from dashboard.blueprints.stock_check.forms import StockCheckForm
from dashboard.blueprints.stock_check.problems import HaierProblem, explain_haier_error, problem_for
from dashboard.blueprints.stock_check.recent import recent_checks, remember_check
from dashboard.haier.errors import HaierError
from dashboard.htmx import is_htmx_partial_request, render_page_or_fragment
from dashboard.models import Product, Role
from dashboard.security import role_required
from dashboard.services import catalogue
from dashboard.services import stock_check as service

PICKER_RESULTS = 10


@bp.get("/")
@role_required(Role.VIEWER)
def index():
    form = StockCheckForm(formdata=request.args)
    product = service.product_by_code(form.product_code.data) if form.product_code.data else None
    return _render(form, product)


@bp.route("/check", methods=["GET", "POST"])
@role_required(Role.VIEWER)
def check():
    form = StockCheckForm(formdata=request.values)
    product = _chosen_product(form)
    if not form.validate() or product is None or not form.location_given():
        if product is None:
            form.product_q.errors = [*form.product_q.errors, _product_problem(form)]
        if not form.location_given():
            form.address.errors = [*form.address.errors, "请填写收货地址"]
        return _render_invalid(form, product)

    county_code = form.settled_county_code()
    try:
        result = service.check_haier_stock(
            product,
            None if county_code else form.address.data,
            form.quantity.data,
            county_code=county_code,
            refresh=bool(form.refresh.data),
        )
    except service.AddressNotResolved as unresolved:
        return _render_invalid(form, product, unresolved=unresolved)
    except service.StockCheckInputError as invalid:
        form.address.errors = [*form.address.errors, invalid.message]
        return _render_invalid(form, product)
    except HaierError as exc:
        problem = problem_for(exc)
        if problem is None:
            raise
        return _render_answer(form, product, problem=problem)

    remember_check(result)
    if not form.address.data:
        form.address.data = result.place_label
    form.county_code.data = result.county_code  # the widget shows the county this answer is for
    return _render_answer(form, product, result=result, problem=_stale_problem(result))


@bp.get("/products")
@role_required(Role.VIEWER)
def products():
    """Search-as-you-type for the product picker: the first matches of the catalogue search."""
    form = StockCheckForm(formdata=request.args)
    query = (form.product_q.data or "").strip()[: catalogue.MAX_SEARCH_LENGTH]
    hits = _search(query)
    return render_page_or_fragment(
        "stock_check/index.html",
        "stock_check/_product_options.html",
        **_context(form, None, options=hits, query=query),
    )


def _search(query: str) -> list[Product]:
    if not query:
        return []
    found = catalogue.search_products(
        catalogue.CatalogueFilter(q=query), PICKER_RESULTS, current_app.config["LOW_STOCK_THRESHOLD"]
    )
    return found.items


def _chosen_product(form: StockCheckForm) -> Product | None:
    if form.product_code.data:
        return service.product_by_code(form.product_code.data)
    if form.product_q.data:
        return service.find_product(form.product_q.data)
    return None


def _product_problem(form: StockCheckForm) -> str:
    if form.product_code.data:
        return "找不到这个商品，请重新选择"
    if form.product_q.data:
        return "没有唯一匹配的商品，请从搜索结果中选择"
    return "请选择商品"


def _stale_problem(result: service.StockCheckResult) -> HaierProblem | None:
    return explain_haier_error(result.error, result.error_detail) if result.error else None


def _context(form: StockCheckForm, product: Product | None, **extra) -> dict:
    return {
        "form": form,
        "product": product,
        "options": extra.pop("options", None),
        "query": extra.pop("query", (form.product_q.data or "").strip()),
        "result": extra.pop("result", None),
        "unresolved": extra.pop("unresolved", None),
        "problem": extra.pop("problem", None),
        "recent": recent_checks(),
        "max_quantity": service.MAX_QUANTITY,
        **extra,
    }


def _render(form: StockCheckForm, product: Product | None, status: int = 200, **extra):
    return render_page_or_fragment(
        "stock_check/index.html", "stock_check/_panel.html", status=status, **_context(form, product, **extra)
    )


def _render_answer(form: StockCheckForm, product: Product | None, **extra):
    """Only the answer (and, out of band, the recent checks): the form the user typed into stays as it is.

    A choice made from outside the form (an address candidate) asks for the whole panel with panel=1,
    so the address widget shows the county that was chosen.
    """
    if request.values.get("panel") == "1":
        return _render(form, product, **extra)
    return render_page_or_fragment(
        "stock_check/index.html",
        "stock_check/_answer.html",
        **_context(form, product, recent_oob=True, **extra),
    )


def _render_invalid(form: StockCheckForm, product: Product | None, **extra):
    """422 with the whole panel, errors shown; htmx is told to swap the panel, not the answer box."""
    response = _render(form, product, status=422, **extra)
    if is_htmx_partial_request():
        response.headers["HX-Retarget"] = "#stock-check"
        response.headers["HX-Reswap"] = "outerHTML"
    return response
