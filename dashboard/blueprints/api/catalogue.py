"""GET /api/products/ and GET /api/stock-logs/ — the catalogue and the stock log with their pages' filters."""

from __future__ import annotations

from flask import current_app, request

from dashboard.api_envelope import api_ok
from dashboard.blueprints.api import bp, params
from dashboard.blueprints.api.auth import api_auth_required
from dashboard.blueprints.api.serializers import product_dict, stock_log_dict
from dashboard.models import Role
from dashboard.services import catalogue, ledger_filters, stock_log


def _paged(items: list, page_number: int, per_page: int, page):
    # The pages correct a page past the end to the last page; a script walking pages wants an empty one instead.
    shown = items if page.page == page_number else []
    return api_ok(shown, page=page_number, per_page=per_page, total=page.total, pages=page.pages)


@bp.get("/products/")
@api_auth_required(Role.VIEWER)
def products():
    page_number, per_page = params.paging(request.args)
    f = catalogue.parse_filter(request.args)  # the same filters, sorting and search as the catalogue page
    f.page = page_number
    low_threshold = current_app.config["LOW_STOCK_THRESHOLD"]
    page = catalogue.search_products(f, per_page, low_threshold)
    return _paged([product_dict(p, low_threshold) for p in page.items], page_number, per_page, page)


@bp.get("/stock-logs/")
@api_auth_required(Role.VIEWER)
def stock_logs():
    page_number, per_page = params.paging(request.args)
    f = ledger_filters.parse_log_filter(request.args)  # the same filters as the stock log page
    f.page = page_number
    page = stock_log.search_logs(f, per_page)
    return _paged([stock_log_dict(*row) for row in page.items], page_number, per_page, page)
