"""Prometheus metrics: defined once here, incremented by the services that do the work.

Under gunicorn set PROMETHEUS_MULTIPROC_DIR so every worker's figures are summed at /metrics.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

HAIER_CALL_SECONDS = Histogram(
    "dashboard_haier_call_seconds",
    "Latency of Haier open platform calls, including retries.",
    ["endpoint", "outcome"],
    buckets=LATENCY_BUCKETS,
)
HAIER_AUTH_ATTEMPTS = Counter("dashboard_haier_auth_attempts_total", "Haier token requests.", ["outcome"])
HAIER_RETRIES = Counter("dashboard_haier_retries_total", "Retried Haier calls.", ["endpoint"])
HAIER_RATE_LIMITED = Counter("dashboard_haier_rate_limited_total", "429 answers from Haier.", ["endpoint"])
STOCK_QUERIES = Counter("dashboard_stock_queries_total", "Stock checks by outcome.", ["outcome"])
CACHE_LOOKUPS = Counter("dashboard_cache_lookups_total", "Stock-check cache lookups.", ["result"])
SYNC_RUNS = Counter("dashboard_sync_runs_total", "Finished sync runs.", ["kind", "status"])
SYNC_ITEMS = Counter("dashboard_sync_items_total", "Items processed by syncs.", ["kind", "result"])
LEDGER_OPERATIONS = Counter(
    "dashboard_stock_ledger_operations_total", "Stock ledger operations.", ["type", "outcome"]
)
HTTP_REQUESTS = Counter("dashboard_http_requests_total", "HTTP requests served.", ["endpoint", "status"])
