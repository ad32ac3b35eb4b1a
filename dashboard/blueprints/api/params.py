"""Reading API parameters: query strings, JSON bodies and forms, with 400s that name the field."""

from __future__ import annotations

from typing import Any

from flask import request

from dashboard.blueprints.api.errors import ApiError, bad_parameter
from dashboard.services import catalogue

MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50
MAX_PAGE = catalogue.MAX_PAGE  # the pages and the API accept the same page numbers
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def body() -> dict[str, Any]:
    """The request body as a dict: a JSON object, or the form fields. A JSON body that is not an object is a 400."""
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise ApiError(400, "invalid_json", "请求体必须是 JSON 对象")
        return data
    return request.form.to_dict()


def text(
    source: dict[str, Any], name: str, *, required: bool = False, max_length: int | None = None
) -> str | None:
    value = source.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise bad_parameter(name, f"{name}参数必填", code="missing_parameter")
        return None
    if not isinstance(value, str):
        raise bad_parameter(name, f"{name}参数必须是字符串")
    value = value.strip()
    if max_length is not None and len(value) > max_length:
        raise bad_parameter(name, f"{name}参数不能超过 {max_length} 个字符")
    return value


def integer(
    source: dict[str, Any],
    name: str,
    *,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
    code: str = "invalid_parameter",
) -> int | None:
    """An integer from a JSON number or a decimal string; never a float, bool or "3.0"."""
    value = source.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise bad_parameter(name, f"{name}参数必须是整数", code=code)
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped.lstrip("-").isdigit() or len(stripped) > 12:
            raise bad_parameter(name, f"{name}参数必须是整数", code=code)
        value = int(stripped)
    if minimum is not None and value < minimum:
        raise bad_parameter(name, f"{name}参数不能小于 {minimum}", code=code)
    if maximum is not None and value > maximum:
        raise bad_parameter(name, f"{name}参数不能大于 {maximum}", code=code)
    return value


def flag(source: dict[str, Any], name: str) -> bool:
    value = source.get(name)
    if value is None or isinstance(value, bool):
        return bool(value)
    if str(value).strip().lower() in _TRUE:
        return True
    if str(value).strip().lower() in _FALSE:
        return False
    raise bad_parameter(name, f"{name}参数只能是 1 或 0")


def paging(args) -> tuple[int, int]:
    """(page, per_page) from the query string; out of range is a 400, not silently corrected."""
    page = integer(args, "page", default=1, minimum=1, maximum=MAX_PAGE)
    per_page = integer(args, "per_page", default=DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)
    return page, per_page
