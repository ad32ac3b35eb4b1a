import logging

from flask import Response, current_app, jsonify, request

from dashboard import metrics
from dashboard.blueprints.health import bp
from dashboard.blueprints.health.access import metrics_access
from dashboard.services import health

logger = logging.getLogger(__name__)
NO_STORE = {"Cache-Control": "no-store"}


@bp.get("/health")
def health_status():
    report = health.health_report()
    return jsonify(report.to_dict()), report.http_status, NO_STORE


@bp.get("/health/live")
def live():
    # Touches nothing (no database, cache or Haier): "the process answers", for a liveness probe.
    return jsonify({"status": "alive"}), 200, NO_STORE


@bp.get("/metrics")
def prometheus_metrics():
    access = metrics_access()
    if not access.allows(request.remote_addr, request.headers.get("Authorization")):
        logger.warning("metrics scrape refused", extra={"remote_addr": request.remote_addr})
        if access.token:
            return Response(
                "unauthorized\n", 401, {"WWW-Authenticate": "Bearer", **NO_STORE}, mimetype="text/plain"
            )
        return Response("forbidden\n", 403, NO_STORE, mimetype="text/plain")
    body, content_type = metrics.exposition(current_app.config.get("PROMETHEUS_MULTIPROC_DIR"))
    return Response(body, 200, {"Content-Type": content_type, **NO_STORE})
