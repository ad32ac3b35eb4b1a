"""Request checks the way Haier's gateway makes them.

Malformed requests (a missing field, a wrong type, an unknown enum value, more than 20 codes, a county code that is
not six digits) are HTTP 400. Requests that are well formed but wrong for this account (a bad password, a customer
or ship-to code that is not ours, a county that does not exist) are HTTP 200 with success:false, as Haier answers.
"""

from __future__ import annotations

import hmac
import re
from typing import Any

MAX_CODES = 20
COUNTY_PATTERN = re.compile(r"^\d{6}$")


class BadRequest(Exception):
    """HTTP 400: the request itself is malformed."""


class BusinessFailure(Exception):
    """HTTP 200 with success:false and this message as errorMsg."""


def required_str(body: dict[str, Any], name: str) -> str:
    if name not in body or body[name] is None or body[name] == "":
        raise BadRequest(f"缺少必填参数: {name}")
    value = body[name]
    if not isinstance(value, str):
        raise BadRequest(f"参数类型错误: {name} 必须是字符串")
    return value


def optional_str(body: dict[str, Any], name: str) -> str | None:
    if body.get(name) in (None, ""):
        return None
    return required_str(body, name)


def expect(body: dict[str, Any], name: str, expected: str) -> None:
    if required_str(body, name) != expected:
        raise BadRequest(f"参数错误: {name} 只支持 {expected}")


def product_codes(body: dict[str, Any], *, required: bool) -> list[str]:
    value = body.get("productCodes")
    if value is None or value == []:
        if required:
            raise BadRequest("缺少必填参数: productCodes")
        return []
    if not isinstance(value, list) or not all(isinstance(code, str) and code for code in value):
        raise BadRequest("参数类型错误: productCodes 必须是非空字符串数组")
    if len(value) > MAX_CODES:
        raise BadRequest(f"productCodes 最多 {MAX_CODES} 个，收到 {len(value)} 个")
    return value


def county_code(body: dict[str, Any]) -> str:
    value = required_str(body, "countyCode")
    if not COUNTY_PATTERN.match(value):
        raise BadRequest("参数错误: countyCode 必须是6位区县编码")
    return value


def check_secret(given: str, expected: str) -> None:
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise BusinessFailure("密码错误")


def check_customer(given: str, expected: str) -> None:
    if given != expected:
        raise BusinessFailure("售达方编码不存在或无权限")


def check_send_to(given: str, expected: str) -> None:
    if given != expected:
        raise BusinessFailure("送达方编码与售达方不匹配")
