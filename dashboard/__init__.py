"""The Haier catalogue and stock dashboard."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from dashboard.config import build_config


def create_app(config: Mapping[str, Any] | type | None = None) -> Flask:
    """Build the dashboard app. `config` overrides the environment-derived settings."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(build_config(app.instance_path))
    if isinstance(config, type):
        config = {k: getattr(config, k) for k in dir(config) if k.isupper()}
    if config:
        app.config.update(config)
    _configure_cache(app)

    from dashboard import logging_setup

    logging_setup.init_app(app)
    _init_extensions(app)
    _init_monitoring(app)
    _register_blueprints(app)

    from dashboard import cli, errors, security, templating

    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    cli.init_app(app)

    from dashboard import scheduler

    scheduler.init_app(app)  # last: a started scheduler may fire into a fully built app
    return app


def _configure_cache(app: Flask) -> None:
    if app.config.get("CACHE_TYPE"):
        return
    if app.config.get("REDIS_URL"):
        app.config["CACHE_TYPE"] = "RedisCache"
        app.config["CACHE_REDIS_URL"] = app.config["REDIS_URL"]
    else:
        app.config["CACHE_TYPE"] = "SimpleCache"
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", 300)
    app.config.setdefault("CACHE_KEY_PREFIX", "dashboard:")


def _init_extensions(app: Flask) -> None:
    from dashboard import database
    from dashboard.extensions import babel, cache, csrf, db, login_manager, migrate

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    csrf.init_app(app)
    cache.init_app(app)
    babel.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "warning"

    import dashboard.models  # noqa: F401  (register the models with the metadata)
    from dashboard.haier import init_app as init_haier

    init_haier(app)


def _init_monitoring(app: Flask) -> None:
    from dashboard import metrics
    from dashboard.services import health, monitoring

    metrics.init_app(app)
    monitoring.init_app(app)
    health.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from dashboard.blueprints import (
        api,
        auth,
        haier_info,
        health,
        main,
        monitoring,
        products,
        regions,
        scheduler,
        stock,
        stock_check,
        stock_logs,
        sync,
    )

    # Chinese in JSON bodies (API, /health) as text, not \u escapes: readable in logs and by people.
    app.json.ensure_ascii = False
    for area in (
        main,
        auth,
        products,
        stock,
        stock_logs,
        stock_check,
        regions,
        sync,
        scheduler,
        haier_info,
        api,
        health,
        monitoring,
    ):
        app.register_blueprint(area.bp)
