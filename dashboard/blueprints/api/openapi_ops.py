"""Building blocks of the OpenAPI document: the envelope around each operation, shared parameters, error texts."""

from __future__ import annotations

from typing import Any

from dashboard.blueprints.api.params import DEFAULT_PER_PAGE, MAX_PER_PAGE
from dashboard.models import Role

ERROR_TEXT = {
    400: "参数缺失或无效（如 `product_code参数必填`）、地址无法唯一确定（附候选）、CSRF 校验失败",
    401: "未登录，或令牌无效、已撤销、所属用户已停用",
    403: "角色权限不足",
    404: "商品或锁定记录不存在",
    409: "可用库存不足以锁定，锁定记录已释放，或请求编号冲突",
    502: "海尔接口返回失败（附海尔的原因），或海尔认证失败",
    503: "重试后海尔接口仍不可用，或海尔接口未配置",
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def query(name: str, schema: dict[str, Any], description: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


def path_param(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "integer"},
    }


PAGING = [
    query("page", {"type": "integer", "minimum": 1, "default": 1}, "页码（超出末页时返回空列表）"),
    query(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
        f"每页条数，最多 {MAX_PER_PAGE}",
    ),
]
IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "同一编号重复提交时返回第一次的结果（200，replayed=true），不会重复执行",
    "schema": {"type": "string", "maxLength": 80},
}


def operation(
    summary: str,
    role: Role,
    data: dict[str, Any],
    *,
    errors: tuple[int, ...],
    parameters: list[dict[str, Any]] | None = None,
    body: str | None = None,
    paged: bool = False,
    created: bool = False,
    tag: str,
    description: str = "",
) -> dict[str, Any]:
    envelope: dict[str, Any] = {
        "type": "object",
        "required": ["success", "data"],
        "properties": {"success": {"type": "boolean", "enum": [True]}, "data": data},
    }
    if paged:
        envelope["properties"]["meta"] = ref("PageMeta")
        envelope["required"].append("meta")
    ok = {"description": "成功", "content": {"application/json": {"schema": envelope}}}
    responses: dict[str, Any] = (
        {"201": ok, "200": {**ok, "description": "重复提交，返回第一次的结果"}} if created else {"200": ok}
    )
    for status in sorted({401, 403, *errors}):
        responses[str(status)] = {"$ref": f"#/components/responses/Error{status}"}
    operation: dict[str, Any] = {
        "summary": summary,
        "description": (description + "\n\n" if description else "")
        + f"所需角色：{role.value}（{role.label}）及以上。",
        "tags": [tag],
        "x-required-role": role.value,
        "parameters": parameters or [],
        "responses": responses,
    }
    if body:
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": ref(body)},
                "application/x-www-form-urlencoded": {"schema": ref(body)},
            },
        }
    return operation
