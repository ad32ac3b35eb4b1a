"""A stand-alone fake of Haier's open-platform gateway, speaking the wire protocol of
shared/haier-open-platform.md. It never imports the dashboard's client or app: it is what the client talks to.

    flask --app dashboard.haier.sandbox run --port 5001
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from .settings import SandboxSettings, load_settings
from .state import EXTENSION_KEY, SandboxState, get_sandbox_state

__all__ = [
    "SandboxSettings",
    "SandboxState",
    "create_app",
    "create_sandbox_app",
    "get_sandbox_state",
]


def create_sandbox_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The sandbox gateway app. Settings come from `config` (HAIER_SANDBOX_* keys), else env vars of the same name.

    Its state (faults, counters, clock, live settings) is app.extensions["haier_sandbox"], a SandboxState.
    """
    from . import control, views
    from .divisions import county_codes

    settings = load_settings(config)
    # Load the county table now: the first stock call must not spend jionlp's ~0.4 s start-up inside a client's
    # timeout. It is built once per process.
    county_codes()
    app = Flask(__name__, static_folder=None)
    app.config.update(
        {key: value for key, value in (config or {}).items() if not key.startswith("HAIER_SANDBOX_")}
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions[EXTENSION_KEY] = SandboxState(settings)
    app.register_blueprint(views.bp)
    if settings.control:
        app.register_blueprint(control.bp)
    return app


create_app = create_sandbox_app
