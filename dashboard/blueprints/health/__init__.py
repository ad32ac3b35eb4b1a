"""Health, liveness and Prometheus metrics: machine endpoints, no sign-in (metrics by token or address)."""

from flask import Blueprint

bp = Blueprint("health", __name__)

from dashboard.blueprints.health import access, views  # noqa: E402,F401

bp.record_once(lambda state: access.init_app(state.app))
