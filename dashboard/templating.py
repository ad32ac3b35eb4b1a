"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import Flask, current_app, g, url_for
from flask_babel import get_translations
from flask_login import current_user

from dashboard.models import Role
from dashboard.timeutil import format_local

HTMX_LOCAL = "vendor/htmx-2.0.8.min.js"
# Subresource integrity of htmx.org@2.0.8 dist/htmx.min.js (the same bytes as the vendored copy).
HTMX_INTEGRITY = "sha384-/TgkGk7p307TH7EXJDuUlgG3Ce1UVolAOFopFekQkkXihi5u/6OCvVKyz1W+idaz"


# (endpoint, path prefix, label, role). An entry shows only once its blueprint is registered.
NAV = [
    ("products.index", "/products", "商品", Role.VIEWER),
    ("stock_check.index", "/stock-check", "库存查询", Role.VIEWER),
    ("stock_logs.index", "/stock-logs", "库存日志", Role.VIEWER),
    ("stock_logs.reservations", "/reservations", "锁定记录", Role.VIEWER),
    ("haier_info.logistics", "/logistics", "物流查询", Role.OPERATOR),
    ("sync.index", "/sync", "同步", Role.ADMIN),
    ("scheduler.index", "/scheduler", "定时任务", Role.ADMIN),
    ("haier_info.balance", "/balance", "账户余额", Role.ADMIN),
    ("monitoring.index", "/monitoring", "监控", Role.ADMIN),
    ("users.index", "/users", "用户", Role.ADMIN),
    ("auth.profile", "/profile", "我的账户", Role.VIEWER),
]


@dataclass(frozen=True)
class NavItem:
    url: str
    prefix: str
    label: str


def nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    return [
        NavItem(url_for(endpoint), prefix, label)
        for endpoint, prefix, label, role in NAV
        if endpoint in current_app.view_functions and current_user.has_role(role)
    ]


def money(value: Decimal | None) -> str:
    return "—" if value is None else f"¥{value:,.2f}"


def _request_translations():
    # Flask-Babel resolves the locale and its catalogue on every _() call (~30 per page); once per
    # request is enough, as the locale cannot change mid-render.
    translations = g.get("_dashboard_translations")
    if translations is None:
        translations = g._dashboard_translations = get_translations()
    return translations


def _install_gettext(app: Flask) -> None:
    app.jinja_env.install_gettext_callables(
        gettext=lambda message: _request_translations().ugettext(message),
        ngettext=lambda singular, plural, n: _request_translations().ungettext(singular, plural, n),
        newstyle=True,
    )


def init_app(app: Flask) -> None:
    _install_gettext(app)
    app.jinja_env.filters["local_time"] = format_local
    app.jinja_env.filters["money"] = money

    @app.context_processor
    def _globals():
        return {
            "Role": Role,
            "nav_items": nav_items,
            "mock_data_banner": current_app.config.get("HAIER_USE_MOCK_DATA", False),
            "htmx_cdn_url": current_app.config.get("HTMX_CDN_URL"),
            "htmx_integrity": HTMX_INTEGRITY,
            "htmx_local_url": url_for("static", filename=HTMX_LOCAL),
            "can": lambda role: current_user.is_authenticated and current_user.has_role(role),
        }
