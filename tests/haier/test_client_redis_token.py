"""The Redis-backed token store: one fetch across processes, and a loud local fallback."""

from __future__ import annotations

import logging
import threading
import uuid

import pytest
import redis

from dashboard.haier import RedisTokenStore
from dashboard.haier.token import (
    clear_shared_token_stores,
    shared_token_store,
    token_from_reply,
)

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_client():
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis is not running at 127.0.0.1:6379")
    keys = []
    yield client, keys
    for key in keys:
        client.delete(key, f"{key}:lock")


class Counter:
    def __init__(self) -> None:
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self):
        with self.lock:
            self.calls += 1
            n = self.calls
        return token_from_reply({"access_token": f"tok-{n}"}, now=1000.0, margin=600)


def stores(redis_client, n: int) -> list[RedisTokenStore]:
    client, keys = redis_client
    key = f"test:haier:token:{uuid.uuid4().hex}"
    keys.append(key)
    # Separate stores stand for separate processes: they share only Redis.
    return [RedisTokenStore(client, key, wall_clock=lambda: 1000.0) for _ in range(n)]


def test_processes_share_one_token_through_redis(redis_client):
    fetch = Counter()
    first, second = stores(redis_client, 2)
    assert first.get(fetch) == "tok-1"
    assert second.get(fetch) == "tok-1"
    assert fetch.calls == 1


def test_concurrent_processes_fetch_once_under_the_redis_lock(redis_client):
    fetch = Counter()
    many = stores(redis_client, 8)
    results: list[str] = []
    barrier = threading.Barrier(len(many))

    def run(store):
        barrier.wait()
        results.append(store.get(fetch))

    threads = [threading.Thread(target=run, args=(s,)) for s in many]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == ["tok-1"] * 8
    assert fetch.calls == 1


def test_a_refused_token_is_replaced_for_every_process(redis_client):
    fetch = Counter()
    first, second = stores(redis_client, 2)
    old = first.get(fetch)
    assert first.get(fetch, stale=old) == "tok-2"
    assert second.get(fetch, stale=old) == "tok-2"
    assert fetch.calls == 2


def test_redis_down_falls_back_to_a_local_fetch_and_says_so(caplog):
    client = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    store = RedisTokenStore(client, "test:haier:down", wall_clock=lambda: 1000.0)
    fetch = Counter()
    with caplog.at_level(logging.WARNING, logger="dashboard.haier"):
        assert store.get(fetch) == "tok-1"
        assert store.get(fetch) == "tok-1"  # then cached in-process
    assert fetch.calls == 1
    assert "Redis unavailable" in caplog.text


def test_redis_url_setting_selects_the_redis_store():
    clear_shared_token_stores()
    try:
        store = shared_token_store("https://h.test/oauth2/auth", "cid", REDIS_URL)
        assert isinstance(store, RedisTokenStore)
        assert store is shared_token_store("https://h.test/oauth2/auth", "cid", REDIS_URL)
    finally:
        clear_shared_token_stores()
