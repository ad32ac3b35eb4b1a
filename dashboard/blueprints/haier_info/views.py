"""Haier look-ups for staff: payer account balances (admins) and an order's logistics (operators).

A Haier failure is shown as the page's answer with what to do (HTTP 200, so htmx swaps it); the JSON API
is where Haier failures carry 502/503.
"""

from __future__ import annotations

from flask import request

from dashboard.blueprints.haier_info import bp
from dashboard.blueprints.haier_info.forms import LogisticsForm
from dashboard.blueprints.stock_check.problems import problem_for
from dashboard.haier.errors import HaierError
from dashboard.htmx import render_page_or_fragment
from dashboard.models import Role
from dashboard.security import role_required
from dashboard.services import haier_info
from dashboard.timeutil import utcnow


@bp.get("/balance/")
@role_required(Role.ADMIN)
def balance():
    balances, problem = None, None
    try:
        balances = haier_info.account_balances()
    except HaierError as exc:
        problem = problem_for(
            exc, haier_business_error="请确认海尔账号的客户编码和密码配置正确，或稍后再试。"
        )
        if problem is None:
            raise
    return render_page_or_fragment(
        "haier_info/balance.html",
        "haier_info/_balance.html",
        balances=balances,
        total=haier_info.total_balance(balances) if balances else None,
        problem=problem,
        fetched_at=utcnow(),
    )


@bp.get("/logistics/")
@role_required(Role.OPERATOR)
def logistics():
    form = LogisticsForm(formdata=request.args)
    context = {"form": form, "info": None, "timelines": None, "problem": None}
    if "order_code" not in request.args:
        return _render(context)
    if not form.validate():
        return _render(context, status=422)
    try:
        info = haier_info.order_logistics(form.order_code.data, form.delivery_record_code.data)
    except HaierError as exc:
        context["problem"] = problem_for(exc, haier_business_error="请检查订单号和发货单号是否正确。")
        if context["problem"] is None:
            raise
        return _render(context)
    context.update(info=info, timelines=haier_info.timelines(info))
    return _render(context)


def _render(context: dict, status: int = 200):
    return render_page_or_fragment(
        "haier_info/logistics.html", "haier_info/_logistics.html", status=status, **context
    )
