"""The sandbox over real HTTP on loopback, as the client and the benchmarks meet it."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from _sandbox_wire import CREDENTIALS, make_app, valid_body

from dashboard.haier.sandbox.server import serve_in_thread
from dashboard.haier.sandbox.views import PATHS


@pytest.fixture
def server():
    with serve_in_thread(make_app()) as running:
        yield running


@pytest.fixture
def token(server):
    reply = requests.post(f"{server.url}/oauth2/auth", json=CREDENTIALS, timeout=5)
    reply.raise_for_status()
    return reply.json()["access_token"]


def _stock(server, token, timeout=5.0, session=requests):
    return session.post(
        server.url + PATHS["stock"],
        json=valid_body("stock"),
        headers={"Authorization": token},
        timeout=timeout,
    )


def test_serves_on_an_ephemeral_loopback_port(server, token):
    assert server.port > 0
    assert server.url == f"http://127.0.0.1:{server.port}"

    reply = _stock(server, token)

    assert reply.status_code == 200
    assert reply.json()["success"] is True


def test_control_endpoints_work_over_http(server, token):
    requests.post(f"{server.url}/_sandbox/faults", json={"mode": "503", "count": 1}, timeout=5)

    assert _stock(server, token).status_code == 503
    counters = requests.get(f"{server.url}/_sandbox/counters", timeout=5).json()
    assert counters["calls"]["stock"] == {"fault:503": 1}


def test_drop_fault_closes_the_connection_without_a_response(server, token):
    requests.post(f"{server.url}/_sandbox/faults", json={"mode": "drop", "count": 1}, timeout=5)

    with pytest.raises(requests.ConnectionError):
        _stock(server, token)
    assert _stock(server, token).status_code == 200


def test_hang_fault_outlasts_the_client_timeout_and_does_not_block_shutdown():
    app = make_app()
    running = serve_in_thread(app)
    token = requests.post(f"{running.url}/oauth2/auth", json=CREDENTIALS, timeout=5).json()["access_token"]
    app.extensions["haier_sandbox"].set_fault("hang", count=1)  # default 35 s, past any client timeout

    with pytest.raises(requests.ReadTimeout):
        _stock(running, token, timeout=0.3)
    started = time.monotonic()
    running.shutdown()

    assert time.monotonic() - started < 10
    assert app.extensions["haier_sandbox"].counters()["calls"]["stock"] == {"fault:hang": 1}


def test_sixteen_concurrent_clients_all_get_answers(server, token):
    def worker(_):
        with requests.Session() as session:
            return [_stock(server, token, session=session).status_code for _ in range(10)]

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = [status for batch in pool.map(worker, range(16)) for status in batch]

    assert statuses == [200] * 160
    counters = server.app.extensions["haier_sandbox"].counters()
    assert counters["calls"]["stock"] == {"ok": 160}


def test_rate_limit_over_http_answers_429_with_retry_after(server, token):
    server.app.extensions["haier_sandbox"].configure(rate_limit=3)

    statuses = [_stock(server, token) for _ in range(6)]

    limited = [reply for reply in statuses if reply.status_code == 429]
    assert limited
    assert int(limited[0].headers["Retry-After"]) >= 1
    assert sum(reply.status_code == 200 for reply in statuses) <= 3


def test_stopped_server_refuses_connections():
    with serve_in_thread(make_app()) as running:
        url = running.url

    with pytest.raises(requests.ConnectionError):
        requests.post(f"{url}/oauth2/auth", json=CREDENTIALS, timeout=2)
