"""Checks of our own arguments, done before any call: a failure here is a HaierBadRequest."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .errors import HaierBadRequest

MAX_CODE_LENGTH = 64
_COUNTY = re.compile(r"\d{6}")


def product_code(value: object, endpoint: str, field: str = "product_code") -> str:
    if not isinstance(value, str):
        raise HaierBadRequest(
            f"{field} must be a string, not {type(value).__name__}",
            field=field,
            endpoint=endpoint,
        )
    code = value.strip()
    if not code:
        raise HaierBadRequest(f"{field} is empty", field=field, endpoint=endpoint)
    if len(code) > MAX_CODE_LENGTH or any(ch.isspace() for ch in code):
        raise HaierBadRequest(
            f"{field} is not a product code: {code[:80]!r}",
            field=field,
            endpoint=endpoint,
        )
    return code


def product_codes(values: object, endpoint: str) -> list[str]:
    """Validated codes in their first-seen order, duplicates dropped."""
    # A lone string is iterable too; treating "GA0SZC00U" as nine one-letter codes is a bug.
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise HaierBadRequest(
            "product_codes must be a list of codes",
            field="product_codes",
            endpoint=endpoint,
        )
    codes = [product_code(v, endpoint, "product_codes") for v in values]
    return list(dict.fromkeys(codes))


def county_code(value: object, endpoint: str) -> str:
    if not isinstance(value, str) or not _COUNTY.fullmatch(value.strip()) or value.strip() == "000000":
        raise HaierBadRequest(
            f"county_code must be a 6-digit GB/T 2260 code, not {value!r}",
            field="county_code",
            endpoint=endpoint,
        )
    return value.strip()


def required_text(value: object, field: str, endpoint: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise HaierBadRequest(
            f"{field} must be a non-empty string, not {value!r}",
            field=field,
            endpoint=endpoint,
        )
    return value.strip()


def optional_text(value: object, field: str, endpoint: str) -> str | None:
    return None if value is None else required_text(value, field, endpoint)


def optional_member_id(value: object, endpoint: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise HaierBadRequest(
            f"member_id must be a non-negative integer, not {value!r}",
            field="member_id",
            endpoint=endpoint,
        )
    return value
