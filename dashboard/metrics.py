"""Prometheus metrics: defined once here, incremented by the services that do the work.

`init_app` hangs the Haier call observer and the HTTP request counters on an app; `exposition()` renders
the text format for /metrics. Under gunicorn set the PROMETHEUS_MULTIPROC_DIR environment variable (before
the workers start: prometheus-client picks its storage when it is imported) so every worker writes its
figures to files there and /metrics sums them.
"""

from __future__ import annotations

import time

from flask import Flask, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

from dashboard.haier.observers import CallRecord

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

HAIER_CALL_SECONDS = Histogram(
    "dashboard_haier_call_seconds",
    "Latency of Haier open platform calls, including retries.",
    ["endpoint", "outcome"],
    buckets=LATENCY_BUCKETS,
)
HAIER_AUTH_ATTEMPTS = Counter(
    "dashboard_haier_auth_attempts_total", "Haier token requests; failures have outcome != ok.", ["outcome"]
)
HAIER_RETRIES = Counter("dashboard_haier_retries_total", "Repeated attempts of Haier calls.", ["endpoint"])
HAIER_RATE_LIMITED = Counter("dashboard_haier_rate_limited_total", "429 answers from Haier.", ["endpoint"])
STOCK_QUERIES = Counter("dashboard_stock_queries_total", "Stock checks by outcome.", ["outcome"])
CACHE_LOOKUPS = Counter("dashboard_cache_lookups_total", "Stock-check cache lookups.", ["result"])
SYNC_RUNS = Counter("dashboard_sync_runs_total", "Finished sync runs.", ["kind", "status"])
SYNC_ITEMS = Counter("dashboard_sync_items_total", "Items processed by syncs.", ["kind", "result"])
LEDGER_OPERATIONS = Counter(
    "dashboard_stock_ledger_operations_total", "Stock ledger operations.", ["type", "outcome"]
)
HTTP_REQUESTS = Counter("dashboard_http_requests_total", "HTTP requests served.", ["endpoint", "status"])
HTTP_REQUEST_SECONDS = Histogram(
    "dashboard_http_request_seconds",
    "Time to answer an HTTP request, by endpoint.",
    ["endpoint"],
    buckets=LATENCY_BUCKETS,
)

# Requests whose URL matched no route share one label: raw paths would let any scanner grow the series.
UNMATCHED_ENDPOINT = "unmatched"


def observe_haier_call(record: CallRecord) -> None:
    """The Haier client observer: one logical call → latency, auth, retry and 429 figures."""
    HAIER_CALL_SECONDS.labels(record.endpoint, record.outcome).observe(record.latency_s)
    if record.endpoint == "token":
        HAIER_AUTH_ATTEMPTS.labels(record.outcome).inc()
    if record.retries:
        HAIER_RETRIES.labels(record.endpoint).inc(record.retries)
    if record.rate_limited:
        HAIER_RATE_LIMITED.labels(record.endpoint).inc(record.rate_limited)


def init_app(app: Flask) -> None:
    """Count this app's Haier calls and HTTP requests (the metrics themselves are process-wide)."""
    observers = app.extensions.setdefault("haier_observers", [])
    if observe_haier_call not in observers:
        observers.append(observe_haier_call)

    @app.before_request
    def _start_timer() -> None:
        g._metrics_started = time.perf_counter()

    @app.after_request
    def _count_request(response):
        endpoint = request.endpoint or UNMATCHED_ENDPOINT
        HTTP_REQUESTS.labels(endpoint, str(response.status_code)).inc()
        started = g.get("_metrics_started")
        if started is not None:
            HTTP_REQUEST_SECONDS.labels(endpoint).observe(time.perf_counter() - started)
        return response


def exposition(multiprocess_dir: str | None) -> tuple[bytes, str]:
    """The Prometheus text of this process, or of every worker when a multiprocess directory is set."""
    if multiprocess_dir:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=multiprocess_dir)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
