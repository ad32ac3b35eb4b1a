"""The gateway's HTTP face: token endpoints and the five business paths, each run through the same pipeline.

Per call: count the arrival, rate-limit (429 + Retry-After), add latency, maybe answer with a transport fault,
authenticate (401), validate and handle (400 / success:false / data), maybe bend the answer with a shape fault.
"""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from . import auth, handlers
from .faults import Fault, reshape
from .state import SandboxState, get_sandbox_state, retry_after_header
from .validation import BadRequest, BusinessFailure

bp = Blueprint("haier_sandbox_gateway", __name__)

PATHS = {
    "products": "/yilihuo/jsh-service-goods-mall-search/api/product-info/procurable-products-out/check-procurable-products",
    "prices": "/yilihuo/jsh-service-goods-price/api/goods-price/price-daily-sales/price-query/pt-out-list-price",
    "stock": "/yilihuo/jsh-service-stock-mall/api/page/stock/get-available-stock-open",
    "logistics": "/yilihuo/ylh-cloud-service-stock/api/page/stock/logistics/sass/get-thirdparty-logistics-info-by-order-code-auth",
    "balance": "/yilihuo/jsh-service-finance-mall/api/page/account/account-balance-manager/get-payer-account-balance-by-customer-code",
}
HANDLERS: dict[str, Callable[[SandboxState, dict[str, Any]], Any]] = {
    "products": handlers.products,
    "prices": handlers.prices,
    "stock": handlers.stock,
    "logistics": handlers.logistics,
    "balance": handlers.balance,
}
MALFORMED_BODY = '{"success": true, "data": [{"productCode": "GA0'


class SandboxConnectionDropped(Exception):
    """Raised for the "drop" fault when no socket is reachable (the Flask test client, other WSGI servers)."""


def _error(status: int, message: str, **headers: str) -> Response:
    response = jsonify({"success": False, "errorMsg": message, "data": None})
    response.status_code = status
    response.headers.update(headers)
    return response


def _codes_named(body: Any) -> list[str]:
    if not isinstance(body, dict):
        return []
    codes = body.get("productCodes")
    named = [code for code in codes if isinstance(code, str)] if isinstance(codes, list) else []
    if isinstance(body.get("productCode"), str):
        named.append(body["productCode"])
    return named


def _client_identity(endpoint: str, body: Any) -> str:
    # Haier limits per client. Before authentication the only hint is the token's key (or the client_id).
    if endpoint == "token" and isinstance(body, dict) and isinstance(body.get("client_id"), str):
        return auth.client_key(body["client_id"])
    return auth.unverified_key(request.headers.get("Authorization")) or f"addr:{request.remote_addr}"


def _drop_connection() -> Response:
    sock = request.environ.get("werkzeug.socket")
    if sock is None:
        raise SandboxConnectionDropped("sandbox fault: connection dropped")
    # Shut the socket under werkzeug: its write then fails, it treats that as a dropped client and closes quietly,
    # and the caller sees the connection end with no response at all.
    with contextlib.suppress(OSError):  # the client may already have gone
        sock.shutdown(socket.SHUT_RDWR)
    return Response(b"", status=500)


def _transport_fault(state: SandboxState, fault: Fault) -> Response:
    mode = fault.mode
    if mode == "401":
        return _error(401, "访问令牌无效")
    if mode == "429":
        return _error(429, "请求过于频繁", **{"Retry-After": "1"})
    if mode == "500":
        return _error(500, "系统内部错误")
    if mode == "502":
        # Gateways in front of Haier answer 502 with an HTML page, not JSON.
        html = "<html><head><title>502 Bad Gateway</title></head><body><center>502 Bad Gateway</center></body></html>"
        return Response(html, status=502, mimetype="text/html")
    if mode == "503":
        return Response(
            "Service Unavailable",
            status=503,
            mimetype="text/plain",
            headers={"Retry-After": "1"},
        )
    if mode == "hang":
        state.pause(fault.hang_seconds)
        return _error(504, "网关超时")
    if mode == "drop":
        return _drop_connection()
    return Response(MALFORMED_BODY, status=200, mimetype="application/json")


def _admit(state: SandboxState, endpoint: str, body: Any) -> Response | None:
    """Rate limit, latency and transport faults: everything that happens before the gateway reads the call."""
    state.record_arrival(endpoint)
    wait = state.admit(_client_identity(endpoint, body))
    if wait is not None:
        state.record_outcome(endpoint, "429")
        return _error(429, "请求过于频繁", **{"Retry-After": retry_after_header(wait)})
    settings = state.settings
    delay_ms = settings.latency_ms + (state.jitter() * settings.jitter_ms if settings.jitter_ms else 0.0)
    state.pause(delay_ms / 1000)
    fault = state.draw_fault(endpoint, _codes_named(body), transport=True)
    if fault is not None:
        state.record_outcome(endpoint, f"fault:{fault.mode}")
        return _transport_fault(state, fault)
    return None


def _business_call(endpoint: str) -> Response:
    state = get_sandbox_state()
    body = request.get_json(silent=True)
    early = _admit(state, endpoint, body)
    if early is not None:
        return early
    try:
        auth.verify(state, request.headers.get("Authorization"))
    except auth.AuthFailure as exc:
        state.record_outcome(endpoint, "401")
        return _error(401, str(exc))
    if not isinstance(body, dict):
        state.record_outcome(endpoint, "400")
        return _error(400, "请求体必须是JSON对象")
    try:
        data = HANDLERS[endpoint](state, body)
    except BadRequest as exc:
        state.record_outcome(endpoint, "400")
        return _error(400, str(exc))
    except BusinessFailure as exc:
        state.record_outcome(endpoint, "business_error")
        return _error(200, str(exc))
    reply: dict[str, Any] = {"success": True, "data": data}
    fault = state.draw_fault(endpoint, _codes_named(body), transport=False)
    if fault is not None:
        state.record_outcome(endpoint, f"fault:{fault.mode}")
        reply = reshape(fault.mode, reply)
    else:
        state.record_outcome(endpoint, "ok")
    return current_app.response_class(json.dumps(reply, ensure_ascii=False), mimetype="application/json")


def _make_business_view(endpoint: str) -> Callable[[], Response]:
    def view() -> Response:
        return _business_call(endpoint)

    view.__name__ = f"{endpoint}_view"
    return view


for _endpoint, _path in PATHS.items():
    bp.add_url_rule(_path, view_func=_make_business_view(_endpoint), methods=["POST"])


def _token(path_name: str) -> Response:
    state = get_sandbox_state()
    if path_name not in state.settings.token_paths:
        # Not counted: a deployment without this path has nothing behind it to count.
        return _error(404, "Not Found")
    body = request.get_json(silent=True)
    if body is None and request.form:
        body = request.form.to_dict()
    early = _admit(state, "token", body)
    if early is not None:
        return early
    if not isinstance(body, dict) or body.get("grant_type") != "client_credentials":
        state.record_outcome("token", "400")
        return jsonify(
            {
                "error": "unsupported_grant_type",
                "error_description": "grant_type 必须为 client_credentials",
            }
        ), 400
    if not auth.credentials_match(state.settings, body.get("client_id"), body.get("client_secret")):
        state.record_outcome("token", "401")
        return jsonify({"error": "invalid_client", "error_description": "客户端认证失败"}), 401
    token, ttl = auth.issue_token(state)
    state.record_outcome("token", "ok")
    return jsonify(_token_reply(state.settings.token_field, token, ttl))


def _token_reply(field: str, token: str, ttl: int) -> dict[str, Any]:
    if field.startswith("data."):
        return {
            "success": True,
            "data": {field[5:]: token, "token_type": "bearer", "expires_in": ttl},
        }
    return {field: token, "token_type": "bearer", "expires_in": ttl}


@bp.post("/oauth2/auth")
def token_auth() -> Response:
    return _token("auth")


@bp.post("/oauth2/token")
def token_token() -> Response:
    return _token("token")
