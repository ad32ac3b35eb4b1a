"""Test-only control endpoints under /_sandbox: the same knobs SandboxState offers to in-process callers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from .state import get_sandbox_state

bp = Blueprint("haier_sandbox_control", __name__, url_prefix="/_sandbox")


def _json_object() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise TypeError("expected a JSON object")
    return body


@bp.errorhandler(ValueError)
@bp.errorhandler(TypeError)
def _bad_control_request(exc: Exception) -> tuple[Response, int]:
    return jsonify({"error": str(exc)}), 400


def _settings_view() -> dict[str, Any]:
    settings = get_sandbox_state().settings
    return {
        "latency_ms": settings.latency_ms,
        "jitter_ms": settings.jitter_ms,
        "rate_limit": settings.rate_limit,
        "token_ttl": settings.token_ttl,
        "auth_scheme": settings.auth_scheme,
        "drift_seconds": settings.drift_seconds,
        "token_field": settings.token_field,
        "token_paths": list(settings.token_paths),
    }


@bp.post("/reset")
def reset() -> Response:
    get_sandbox_state().reset()
    return jsonify({"reset": True, "config": _settings_view()})


@bp.get("/config")
def show_config() -> Response:
    return jsonify(_settings_view())


@bp.post("/config")
def configure() -> Response:
    get_sandbox_state().configure(**_json_object())
    return jsonify(_settings_view())


@bp.get("/faults")
def list_faults() -> Response:
    return jsonify({"faults": get_sandbox_state().faults()})


@bp.post("/faults")
def add_fault() -> Response:
    body = _json_object()
    allowed = {"mode", "rate", "count", "endpoints", "product_codes", "hang_seconds"}
    unknown = set(body) - allowed
    if unknown:
        raise ValueError(f"unknown fault fields {sorted(unknown)}; allowed: {sorted(allowed)}")
    if "mode" not in body:
        raise ValueError("mode is required")
    fault = get_sandbox_state().set_fault(str(body.pop("mode")), **body)
    return jsonify({"fault": fault.describe()})


@bp.delete("/faults")
def clear_faults() -> Response:
    get_sandbox_state().clear_faults()
    return jsonify({"faults": []})


@bp.post("/clock")
def move_clock() -> Response:
    state = get_sandbox_state()
    body = _json_object()
    if "freeze" in body:
        if not isinstance(body["freeze"], bool):
            raise ValueError("freeze must be true or false")
        state.freeze_clock(body["freeze"])
    if "offset_seconds" in body:
        state.set_clock_offset(float(body["offset_seconds"]))
    if "advance_steps" in body:
        steps = body["advance_steps"]
        if isinstance(steps, bool) or not isinstance(steps, int):
            raise ValueError("advance_steps must be an integer")
        state.advance_clock(steps)
    return jsonify(state.clock_state())


@bp.get("/clock")
def show_clock() -> Response:
    return jsonify(get_sandbox_state().clock_state())


@bp.post("/tokens/expire")
def expire_tokens() -> Response:
    get_sandbox_state().expire_tokens()
    return jsonify({"expired": True})


@bp.get("/counters")
def counters() -> Response:
    return jsonify(get_sandbox_state().counters())
