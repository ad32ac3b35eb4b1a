"""/health, /health/live and /metrics over HTTP: states, status codes, protection, and counters that move."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from dashboard.extensions import db
from dashboard.haier import get_haier_client
from dashboard.haier.sandbox import get_sandbox_state
from dashboard.models import SyncRun
from tests.conftest import haier_settings_for
from tests.services._monitoring_support import CODE, COUNTY, drive_known_sequence, planned_client

SECRETS = ("sandbox-secret", "sandbox-password", "sandbox-seller-password")


@pytest.fixture
def haier_app(make_app, sandbox):
    """An app whose Haier client talks to the sandbox, starting without a cached token."""
    app = make_app(**haier_settings_for(sandbox))
    with app.app_context():
        get_haier_client().token_store.clear()
        yield app


def completed_stock_sync(minutes_ago=5):
    finished = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    db.session.add(
        SyncRun(
            kind="stock",
            trigger="schedule",
            operator="scheduler",
            status="succeeded",
            started_at=finished - timedelta(minutes=1),
            finished_at=finished,
        )
    )
    db.session.commit()


def get_health(app):
    response = app.test_client().get("/health")
    return response, response.get_json()


# --- /health --------------------------------------------------------------------------------------------


def test_healthy_when_every_part_works(haier_app, sandbox):
    completed_stock_sync()
    response, body = get_health(haier_app)
    assert response.status_code == 200
    assert body["status"] == "healthy"
    checks = body["checks"]
    assert {name: check["status"] for name, check in checks.items()} == {
        "database": "ok",
        "cache": "ok",
        "haier": "ok",
        "scheduler": "disabled",
        "stock_sync": "ok",
    }
    assert checks["database"]["schema_revision"]
    assert checks["haier"]["token"] == "fetched" and checks["haier"]["latency_ms"] >= 0
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert not any(secret in text for secret in SECRETS)


def test_haier_probe_is_cached_not_repeated_on_every_call(haier_app, sandbox):
    for _ in range(3):
        get_health(haier_app)
    assert get_sandbox_state(sandbox.app).counters()["tokens_issued"] == 1


def test_a_token_already_held_is_reported_as_cached(haier_app, sandbox):
    get_haier_client().ensure_token()
    _, body = get_health(haier_app)
    assert body["checks"]["haier"]["token"] == "cached"


def test_haier_failing_in_the_sandbox_makes_it_degraded(haier_app, sandbox):
    completed_stock_sync()
    get_sandbox_state(sandbox.app).set_fault("401", rate=1.0, endpoints=["token"])
    response, body = get_health(haier_app)
    assert (response.status_code, body["status"]) == (200, "degraded")
    haier = body["checks"]["haier"]
    assert (haier["status"], haier["error"]) == ("down", "HaierAuthError")
    assert body["checks"]["database"]["status"] == "ok"
    assert not any(secret in response.get_data(as_text=True) for secret in SECRETS)


def test_cache_down_makes_it_degraded(make_app, sandbox):
    app = make_app(
        **haier_settings_for(sandbox), CACHE_TYPE="RedisCache", CACHE_REDIS_URL="redis://127.0.0.1:1/0"
    )
    with app.app_context():
        completed_stock_sync()
    response, body = get_health(app)
    assert (response.status_code, body["status"]) == (200, "degraded")
    assert body["checks"]["cache"]["status"] == "down"
    assert body["checks"]["cache"]["backend"] == "RedisCache"
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.fixture
def broken_database_uri(database_uri, tmp_path):
    if database_uri.startswith("sqlite"):
        return f"sqlite:///{tmp_path}/missing-dir/nothing.db"
    return "postgresql+psycopg://postgres@127.0.0.1:1/nothing"


def test_database_down_makes_it_unhealthy_503(make_app, sandbox, broken_database_uri):
    app = make_app(**haier_settings_for(sandbox), SQLALCHEMY_DATABASE_URI=broken_database_uri)
    response, body = get_health(app)
    assert (response.status_code, body["status"]) == (503, "unhealthy")
    database = body["checks"]["database"]
    assert database["status"] == "down" and database["error"] == "OperationalError"
    assert body["checks"]["stock_sync"]["status"] == "unknown"
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "127.0.0.1:1" not in text and "missing-dir" not in text


def test_liveness_answers_even_when_the_database_is_down(make_app, broken_database_uri):
    app = make_app(SQLALCHEMY_DATABASE_URI=broken_database_uri)
    response = app.test_client().get("/health/live")
    assert (response.status_code, response.get_json()) == (200, {"status": "alive"})


# --- /metrics --------------------------------------------------------------------------------------------


def sample(text: str, name: str, **labels) -> float:
    """A sample's value in the exposition text (0 when absent)."""
    total = 0.0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                total += s.value
    return total


def scrape(app, **kwargs) -> str:
    response = app.test_client().get("/metrics", **kwargs)
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    return response.get_data(as_text=True)


def test_haier_call_metrics_increase_as_calls_are_made(haier_app, sandbox):
    before = scrape(haier_app)
    drive_known_sequence(haier_app, sandbox)
    client, session = planned_client(haier_app, sandbox)
    get_sandbox_state(sandbox.app).set_fault("429", count=1, endpoints=["stock"])
    client.check_stock(CODE, COUNTY)  # one 429, retried after Retry-After on the fake clock
    session.close()
    after = scrape(haier_app)

    def grew(name, **labels):
        return sample(after, name, **labels) - sample(before, name, **labels)

    name = "dashboard_haier_call_seconds_count"
    assert grew(name, endpoint="check_stock", outcome="ok") == 10
    assert grew(name, endpoint="check_stock", outcome="unavailable") == 1
    assert grew(name, endpoint="check_stock", outcome="business_error") == 1
    assert grew(name, endpoint="check_stock", outcome="auth_error") == 1
    # The 40 s call (2 × 20 s) lands above the 30 s bucket.
    assert grew("dashboard_haier_call_seconds_bucket", endpoint="check_stock", outcome="ok", le="30.0") == 9
    assert grew("dashboard_haier_auth_attempts_total", outcome="ok") == 3
    assert grew("dashboard_haier_auth_attempts_total", outcome="auth_error") == 1
    assert grew("dashboard_haier_rate_limited_total", endpoint="check_stock") == 1
    # Repeats: the stale token's 401 answered again with a fresh token, and the 429.
    assert grew("dashboard_haier_retries_total", endpoint="check_stock") == 2


def test_http_requests_are_counted_by_endpoint_and_status(app):
    client = app.test_client()
    before = scrape(app)
    client.get("/health/live")
    client.get("/health/live")
    client.get("/no-such-page")
    after = scrape(app)
    live = {"endpoint": "health.live", "status": "200"}
    assert (
        sample(after, "dashboard_http_requests_total", **live)
        - sample(before, "dashboard_http_requests_total", **live)
        == 2
    )
    missing = {"endpoint": "unmatched", "status": "404"}
    assert (
        sample(after, "dashboard_http_requests_total", **missing)
        - sample(before, "dashboard_http_requests_total", **missing)
        == 1
    )


OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}


def test_metrics_from_an_address_not_allowed_is_forbidden(app):
    response = app.test_client().get("/metrics", environ_base=OUTSIDE)
    assert response.status_code == 403
    assert "dashboard_" not in response.get_data(as_text=True)


def test_metrics_with_a_token_needs_the_right_bearer(make_app):
    app = make_app(METRICS_TOKEN="s3cret-scrape-token", METRICS_ALLOWED_IPS="")
    client = app.test_client()
    assert client.get("/metrics").status_code == 401  # localhost is no longer enough
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"}, environ_base=OUTSIDE)
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"] == "Bearer"
    right = client.get(
        "/metrics", headers={"Authorization": "Bearer s3cret-scrape-token"}, environ_base=OUTSIDE
    )
    assert right.status_code == 200 and "dashboard_http_requests_total" in right.get_data(as_text=True)


def test_metrics_allow_list_takes_networks(make_app):
    app = make_app(METRICS_ALLOWED_IPS="10.0.0.0/8, 192.0.2.7")
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code == 403


def test_metrics_with_neither_setting_refuses_everyone(make_app):
    app = make_app(METRICS_TOKEN=None, METRICS_ALLOWED_IPS="")
    assert app.test_client().get("/metrics").status_code == 403


def test_an_unreadable_allow_list_stops_the_app_at_start(make_app):
    with pytest.raises(ValueError, match="METRICS_ALLOWED_IPS"):
        make_app(METRICS_ALLOWED_IPS="10.0.0.0/8, not-an-address")


WORKER = """
import sys
from dashboard.metrics import HTTP_REQUESTS
HTTP_REQUESTS.labels("worker.test", "200").inc(int(sys.argv[1]))
"""


def test_multiprocess_mode_sums_every_workers_figures(make_app, tmp_path):
    directory = tmp_path / "prometheus"
    directory.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    for count in (2, 3):  # two "workers", each a process of its own
        subprocess.run([sys.executable, "-c", WORKER, str(count)], env=env, check=True, timeout=60)
    app = make_app(PROMETHEUS_MULTIPROC_DIR=str(directory))
    text = scrape(app)
    assert sample(text, "dashboard_http_requests_total", endpoint="worker.test", status="200") == 5


def test_health_body_is_plain_json(haier_app):
    response, body = get_health(haier_app)
    assert response.mimetype == "application/json"
    assert json.loads(response.get_data(as_text=True)) == body
