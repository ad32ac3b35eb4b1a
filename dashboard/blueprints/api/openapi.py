"""The OpenAPI 3 document of the JSON API, served at /api/openapi.json.

Written by hand from a small table of operations; tests/blueprints/api/test_api_openapi.py walks the app's
URL map and fails when a route under /api/ is missing here or an entry here has no route.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import jsonify

from dashboard.blueprints.api import bp
from dashboard.blueprints.api.auth import api_auth_required
from dashboard.blueprints.api.openapi_ops import (
    ERROR_TEXT,
    IDEMPOTENCY,
    PAGING,
    operation,
    path_param,
    query,
    ref,
)
from dashboard.blueprints.api.schemas import SCHEMAS, enum_of
from dashboard.models import ChangeType, Role, Source
from dashboard.services import catalogue

PATHS: dict[str, dict[str, Any]] = {
    "/api/openapi.json": {
        "get": {
            **operation("本文档（OpenAPI 3）", Role.VIEWER, {"type": "object"}, errors=(), tag="meta"),
            "responses": {
                "200": {"description": "OpenAPI 文档本身（不带信封）", "content": {"application/json": {}}},
                "401": {"$ref": "#/components/responses/Error401"},
            },
        }
    },
    "/api/haier/stock/": {
        "get": operation(
            "实时查询海尔库存（按区县编码或地址）",
            Role.VIEWER,
            ref("StockCheckResult"),
            errors=(400, 404, 502, 503),
            tag="haier",
            description="`county_code` 与 `address` 二选一。地址无法唯一确定时返回 400，`error.candidates` 列出候选。"
            "海尔失败但有上次结果时返回 200，`data.source` 为 `stale`，`data.error` 说明原因，且默认 `available` 为 false。",
            parameters=[
                query("product_code", {"type": "string", "maxLength": 32}, "商品编码（必填）", required=True),
                query("county_code", {"type": "string", "pattern": "^[0-9]{6}$"}, "区县编码（GB/T 2260）"),
                query("address", {"type": "string", "maxLength": 200}, "收货地址，如 北京市朝阳区建国路88号"),
                query(
                    "quantity", {"type": "integer", "minimum": 1, "maximum": 9999, "default": 1}, "需求数量"
                ),
                query("refresh", {"type": "string", "enum": ["0", "1"], "default": "0"}, "1 = 跳过缓存"),
            ],
        )
    },
    "/api/haier/balance/": {
        "get": operation(
            "海尔账户余额（按销售组织）",
            Role.ADMIN,
            {"type": "array", "items": ref("AccountBalance")},
            errors=(502, 503),
            tag="haier",
        )
    },
    "/api/products/": {
        "get": operation(
            "商品列表（筛选与商品目录页相同）",
            Role.VIEWER,
            {"type": "array", "items": ref("Product")},
            errors=(400,),
            paged=True,
            tag="products",
            parameters=[
                query("q", {"type": "string", "maxLength": 100}, "搜索编码、型号、名称"),
                query("group", {"type": "string"}, "产品组"),
                query("brand", {"type": "string"}, "品牌"),
                query("category", {"type": "string"}, "品类"),
                query("sale", {"type": "string", "enum": list(catalogue.SALE_STATES)}, "可采状态"),
                query("stock", {"type": "string", "enum": list(catalogue.STOCK_STATES)}, "库存状态"),
                query(
                    "sort",
                    {"type": "string", "enum": list(catalogue.SORT_COLUMNS), "default": "code"},
                    "排序字段",
                ),
                query("direction", {"type": "string", "enum": ["asc", "desc"], "default": "asc"}, "排序方向"),
                *PAGING,
            ],
        )
    },
    "/api/stock-logs/": {
        "get": operation(
            "库存日志（筛选与库存日志页相同），新的在前",
            Role.VIEWER,
            {"type": "array", "items": ref("StockLog")},
            errors=(400,),
            paged=True,
            tag="stock",
            parameters=[
                query("q", {"type": "string", "maxLength": 100}, "商品编码、型号或名称"),
                query("product_id", {"type": "integer"}, "商品 ID"),
                query("operator", {"type": "string", "maxLength": 100}, "操作人（包含）"),
                query(
                    "change_type",
                    enum_of(ChangeType),
                    "变动类型",
                ),
                query("source", enum_of(Source), "来源"),
                query("date_from", {"type": "string", "format": "date"}, "开始日期（北京时间，含）"),
                query("date_to", {"type": "string", "format": "date"}, "结束日期（北京时间，含）"),
                *PAGING,
            ],
        )
    },
    "/api/products/{product_id}/sync-haier-stock/": {
        "post": operation(
            "从海尔同步单个商品的库存",
            Role.OPERATOR,
            ref("ProductSyncResult"),
            errors=(400, 404, 502, 503),
            tag="products",
            parameters=[path_param("product_id", "商品 ID")],
            body="SyncRequest",
            description="浏览器会话调用时须带 `X-CSRFToken` 头；令牌调用不需要。",
        )
    },
    "/api/products/{product_id}/lock/": {
        "post": operation(
            "锁定商品库存",
            Role.OPERATOR,
            ref("StockChange"),
            errors=(400, 404, 409),
            created=True,
            tag="stock",
            parameters=[path_param("product_id", "商品 ID"), IDEMPOTENCY],
            body="LockRequest",
            description="可用库存不足时返回 409 `insufficient_stock`。",
        )
    },
    "/api/reservations/{reservation_id}/release/": {
        "post": operation(
            "释放锁定记录（全部或部分）",
            Role.OPERATOR,
            ref("StockChange"),
            errors=(400, 404, 409),
            created=True,
            tag="stock",
            parameters=[path_param("reservation_id", "锁定记录 ID"), IDEMPOTENCY],
            body="ReleaseRequest",
        )
    },
    # Served by the regions blueprint (it also backs the address widget).
    "/api/regions/resolve": {
        "get": {
            **operation(
                "地址解析为区县编码",
                Role.VIEWER,
                ref("Resolution"),
                errors=(400,),
                tag="regions",
                description="`address` 或 `province`/`city`/`county` 之一。只有解析到区县时返回 200；"
                "有歧义、不完整或无法识别时返回 400，`error.candidates` 列出候选。",
                parameters=[
                    query("address", {"type": "string", "maxLength": 200}, "地址全文"),
                    query("province", {"type": "string"}, "省"),
                    query("city", {"type": "string"}, "市"),
                    query("county", {"type": "string"}, "区县"),
                ],
            )
        }
    },
    "/api/regions/provinces": {
        "get": {
            **operation(
                "省级行政区列表",
                Role.VIEWER,
                {"type": "array", "items": ref("Region")},
                errors=(),
                tag="regions",
            )
        }
    },
    "/api/regions/{code}/children": {
        "get": {
            **operation(
                "下级行政区列表",
                Role.VIEWER,
                {"type": "array", "items": ref("Region")},
                errors=(404,),
                tag="regions",
                parameters=[
                    {
                        "name": "code",
                        "in": "path",
                        "required": True,
                        "description": "行政区划编码",
                        "schema": {"type": "string"},
                    }
                ],
            )
        }
    },
}


def build_spec() -> dict[str, Any]:
    """The whole OpenAPI document (a fresh dict each time: callers may change theirs)."""
    paths = copy.deepcopy(PATHS)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "海尔库存管理 API",
            "version": "1.0.0",
            "description": '响应信封：成功 `{"success": true, "data": …}`；失败 '
            '`{"success": false, "error": {"code": …, "message": …}}`。认证：浏览器会话（修改类请求需 CSRF），'
            "或个人 API 令牌 `Authorization: Bearer …`（在“我的账户”页面创建与撤销）。",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}, {"sessionCookie": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "个人 API 令牌"},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
            "schemas": copy.deepcopy(SCHEMAS),
            "responses": {
                f"Error{status}": {
                    "description": text,
                    "content": {"application/json": {"schema": ref("ErrorEnvelope")}},
                }
                for status, text in ERROR_TEXT.items()
            },
        },
    }


@bp.get("/openapi.json")
@api_auth_required(Role.VIEWER)
def openapi_document():
    return jsonify(build_spec())
