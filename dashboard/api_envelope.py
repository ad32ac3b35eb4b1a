"""The JSON API's envelope: {"success": true, "data": …} or {"success": false, "error": {…}}."""

from __future__ import annotations

from typing import Any

from flask import jsonify


def api_ok(data: Any, status: int = 200, **meta: Any):
    body: dict[str, Any] = {"success": True, "data": data}
    if meta:
        body["meta"] = meta
    return jsonify(body), status


def api_error(code: str, message: str, status: int, **details: Any):
    error: dict[str, Any] = {"code": code, "message": message}
    error.update(details)
    return jsonify({"success": False, "error": error}), status
