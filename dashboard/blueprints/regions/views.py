"""Address widget fragments and the regions JSON API.

Every signed-in role may use both: resolving an address changes nothing.
"""

from __future__ import annotations

from flask import abort, request

from dashboard import regions
from dashboard.api_envelope import api_error, api_ok
from dashboard.blueprints.api.auth import api_auth_required
from dashboard.blueprints.regions import bp, widget
from dashboard.htmx import render_page_or_fragment
from dashboard.models import Role
from dashboard.security import role_required

PAGE = "regions/index.html"
FRAGMENT = "regions/_address_state.html"
ERROR_CODES = {
    "ambiguous": "address_ambiguous",
    "incomplete": "address_incomplete",
    "unresolved": "address_unresolved",
}


@bp.record_once
def _register_template_helper(setup_state) -> None:
    # A Jinja global (not a context processor) so the macro works when imported without context.
    setup_state.app.jinja_env.globals["address_widget_state"] = widget.for_template


def _prefix() -> str:
    try:
        return widget.check_prefix(request.args.get("prefix"))
    except widget.InvalidPrefix:
        abort(400)


@bp.get("/regions/", endpoint="index")
@bp.get("/regions/widget/resolve")
@role_required(Role.VIEWER)
def resolve_widget():
    """The page, and resolve-as-you-type: the parse of the text box, with the cascade pre-filled from it."""
    prefix = _prefix()
    state = widget.from_text(prefix, request.args.get(f"{prefix}address", ""))
    return render_page_or_fragment(PAGE, FRAGMENT, s=state)


@bp.get("/regions/widget/select")
@role_required(Role.VIEWER)
def select_widget():
    """A cascade select changed (or a candidate was chosen)."""
    prefix = _prefix()
    args = request.args
    state = widget.from_selects(
        prefix,
        args.get(f"{prefix}province") or None,
        args.get(f"{prefix}city") or None,
        args.get(f"{prefix}county") or None,
        address=args.get(f"{prefix}address", ""),
    )
    return render_page_or_fragment(PAGE, FRAGMENT, s=state)


@bp.get("/api/regions/resolve")
@api_auth_required(Role.VIEWER)
def api_resolve():
    """?address=free text, or ?province=&city=&county= parts. 200 only for a county-level result."""
    args = request.args
    address = (args.get("address") or "").strip()
    parts = [(args.get(name) or "").strip() or None for name in ("province", "city", "county")]
    if address:
        resolution = regions.resolve_address(address[: widget.MAX_ADDRESS])
    elif any(parts):
        resolution = regions.resolve_parts(*parts)
    else:
        return api_error("missing_parameter", "缺少参数 address（或 province / city / county）", 400)
    data = resolution.to_dict()
    if resolution.status == "resolved":
        return api_ok(data)
    return api_error(
        ERROR_CODES[resolution.status],
        resolution.message,
        400,
        candidates=data["candidates"],
        resolution=data,
    )


def _region_json(region: regions.Region) -> dict:
    return {
        "code": region.code,
        "name": region.name,
        "short_name": region.short_name,
        "level": region.level,
        "parent_code": region.parent_code,
        "is_county": region.level == "county" and regions.is_county_code(region.code),
    }


@bp.get("/api/regions/provinces")
@api_auth_required(Role.VIEWER)
def api_provinces():
    return api_ok([_region_json(region) for region in regions.children(None)])


@bp.get("/api/regions/<code>/children")
@api_auth_required(Role.VIEWER)
def api_children(code: str):
    if regions.get_region(code) is None:
        return api_error("region_not_found", f"未知的行政区划编码：{code[:12]}", 404)
    return api_ok([_region_json(region) for region in regions.children(code)])
