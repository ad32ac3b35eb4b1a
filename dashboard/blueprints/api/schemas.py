"""JSON schemas of the API's payloads, for the OpenAPI document."""

from __future__ import annotations

import enum
from typing import Any

from dashboard.models import ChangeType, Role, Source
from dashboard.services.catalogue import STOCK_STATES

_STR = {"type": "string"}
_NSTR = {"type": "string", "nullable": True}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}
_TIME = {"type": "string", "format": "date-time", "nullable": True}
_MONEY = {"type": "string", "format": "decimal", "nullable": True, "description": "金额，十进制字符串"}


def _obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def enum_of(kind: type[enum.StrEnum]) -> dict[str, Any]:
    """A string schema listing the enum's values, so the document cannot drift from the model."""
    return {"type": "string", "enum": [member.value for member in kind]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


SCHEMAS: dict[str, dict[str, Any]] = {
    "ErrorEnvelope": _obj(
        {
            "success": {"type": "boolean", "enum": [False]},
            "error": _obj(
                {
                    "code": {
                        **_STR,
                        "description": "机器可读的错误码，如 missing_parameter、insufficient_stock",
                    },
                    "message": {**_STR, "description": "中文说明"},
                    "field": {**_STR, "description": "出错的参数（参数错误时）"},
                    "candidates": {"type": "array", "items": _ref("Candidate"), "description": "地址候选"},
                    "address_status": {
                        "type": "string",
                        "enum": ["ambiguous", "incomplete", "unresolved"],
                        "description": "地址解析状态",
                    },
                    "resolution": _ref("Resolution"),
                    "required_role": enum_of(Role),
                    "haier_message": {**_STR, "description": "海尔返回的原因"},
                    "reason": {**_STR, "description": "海尔不可用的原因（timeout、5xx …）"},
                    "requested": {**_INT, "description": "要锁定的数量（库存不足时）"},
                    "available": {**_INT, "description": "当前可用库存（库存不足时）"},
                    "product_code": _STR,
                    "product_id": _INT,
                },
                ["code", "message"],
            ),
        },
        ["success", "error"],
    ),
    "PageMeta": _obj(
        {"page": _INT, "per_page": _INT, "total": _INT, "pages": _INT}, ["page", "per_page", "total", "pages"]
    ),
    "Candidate": _obj({"code": _STR, "province": _STR, "city": _NSTR, "county": _NSTR, "label": _STR}),
    "Product": _obj(
        {
            "id": _INT,
            "code": _STR,
            "name": _STR,
            "model": _STR,
            "product_group": _STR,
            "category": _STR,
            "brand": _STR,
            "is_sales": _BOOL,
            "no_sales_reason": _NSTR,
            "image_url": _NSTR,
            "supply_price": _MONEY,
            "invoice_price": _MONEY,
            "market_price": _MONEY,
            "stock": _INT,
            "reserved": _INT,
            "available": _INT,
            "stock_state": {"type": "string", "enum": list(STOCK_STATES)},
            "warehouse_code": _NSTR,
            "warehouse_grade": {"type": "string", "enum": ["0", "1"], "nullable": True},
            "warehouse_grade_label": _NSTR,
            "stock_county_code": _NSTR,
            "last_sync_at": _TIME,
            "missing_from_haier_at": _TIME,
        },
        ["id", "code", "stock", "reserved", "available"],
    ),
    "DeliveryPromise": _obj(
        {
            "cut_time": {**_NSTR, "description": "截单时间"},
            "estimated_delivery": {**_TIME, "description": "预计送达"},
            "hours": {"type": "integer", "nullable": True},
            "is_transfer": {"type": "boolean", "nullable": True, "description": "是否转运"},
        }
    ),
    "Warehouse": _obj(
        {
            "sec_code": _STR,
            "stock": _INT,
            "grade": {"type": "string", "enum": ["0", "1"], "nullable": True},
            "grade_label": {"type": "string", "enum": ["本级仓", "上级仓"], "nullable": True},
            "promise": {**_ref("DeliveryPromise"), "nullable": True},
        }
    ),
    "StockCheckResult": _obj(
        {
            "product_code": _STR,
            "product_id": _INT,
            "quantity": _INT,
            "available": {**_BOOL, "description": "能否满足需求数量"},
            "total_stock": _INT,
            "county_code": _STR,
            "province": _NSTR,
            "city": _NSTR,
            "county": _NSTR,
            "place": _STR,
            "warehouses": {"type": "array", "items": _ref("Warehouse")},
            "best_promise": {**_ref("DeliveryPromise"), "nullable": True},
            "source": {"type": "string", "enum": ["live", "cache", "stale"]},
            "checked_at": _TIME,
            "age_seconds": _INT,
            "message": _STR,
            "error": {**_NSTR, "description": "stale 时的失败原因，如 haier_unavailable"},
            "error_detail": _NSTR,
        },
        ["product_code", "quantity", "available", "total_stock", "county_code", "source"],
    ),
    "AccountBalance": _obj(
        {
            "sale_group_code": _NSTR,
            "sale_group_name": _NSTR,
            "payer_account_code": _NSTR,
            "payer_account_name": _NSTR,
            "balance": {**_MONEY, "nullable": False},
        }
    ),
    "StockChange": _obj(
        {
            "log_id": _INT,
            "product_id": _INT,
            "change_type": enum_of(ChangeType),
            "quantity": _INT,
            "stock_before": _INT,
            "stock_after": _INT,
            "available_before": _INT,
            "available_after": _INT,
            "reservation_id": {"type": "integer", "nullable": True},
            "replayed": _BOOL,
        }
    ),
    "ProductSyncResult": _obj(
        {
            "product_id": _INT,
            "product_code": _STR,
            "kind": {"type": "string", "enum": ["stock"]},
            "changed": {**_BOOL, "description": "本地库存是否有变化"},
            "changes": {
                "type": "array",
                "items": _obj({"code": _STR, "field": _STR, "before": {}, "after": {}}),
            },
            "county_code": _STR,
            "stock_result": {
                **_obj(
                    {
                        "product_code": _STR,
                        "county_code": _STR,
                        "warehouses": {"type": "array", "items": _ref("WarehouseRow")},
                        "total": _INT,
                        "checked_at": _TIME,
                    }
                ),
                "nullable": True,
                "description": "海尔的分仓库存原始结果",
            },
        }
    ),
    "WarehouseRow": _obj(
        {
            "sec_code": _STR,
            "stock": _INT,
            "grade": {"type": "string", "enum": ["0", "1"], "nullable": True},
            "promise": {**_ref("DeliveryPromise"), "nullable": True},
        }
    ),
    "SyncRequest": _obj({"county_code": {"type": "string", "pattern": "^[0-9]{6}$"}}),
    "LockRequest": _obj(
        {
            "quantity": {"type": "integer", "minimum": 1},
            "reason": {"type": "string", "maxLength": 200},
            "reference": {"type": "string", "maxLength": 100},
        },
        ["quantity", "reason"],
    ),
    "ReleaseRequest": _obj(
        {
            "reason": {"type": "string", "maxLength": 200},
            "quantity": {"type": "integer", "minimum": 1, "description": "省略则全部释放"},
        },
        ["reason"],
    ),
    "StockLog": _obj(
        {
            "id": _INT,
            "created_at": _TIME,
            "product_id": _INT,
            "product_code": _STR,
            "product_name": _STR,
            "change_type": enum_of(ChangeType),
            "quantity": {**_INT, "description": "库存（调整、同步）或可用数（锁定、释放）的变化，带符号"},
            "stock_before": _INT,
            "stock_after": _INT,
            "available_before": _INT,
            "available_after": _INT,
            "reason": _STR,
            "reference": _NSTR,
            "operator": _STR,
            "source": enum_of(Source),
            "request_id": _NSTR,
            "reservation_id": {"type": "integer", "nullable": True},
        }
    ),
    "Region": _obj(
        {
            "code": _STR,
            "name": _STR,
            "short_name": _NSTR,
            "level": {"type": "string", "enum": ["province", "city", "county"]},
            "parent_code": _NSTR,
            "is_county": _BOOL,
        }
    ),
    "Resolution": _obj(
        {
            "status": {"type": "string", "enum": ["resolved", "ambiguous", "incomplete", "unresolved"]},
            "county_code": _NSTR,
            "province": _NSTR,
            "city": _NSTR,
            "county": _NSTR,
            "province_code": _NSTR,
            "city_code": _NSTR,
            "level": {"type": "string", "enum": ["county", "city", "province", "none"]},
            "detail": _STR,
            "candidates": {"type": "array", "items": _ref("Candidate")},
            "message": _STR,
            "label": _STR,
        }
    ),
}
