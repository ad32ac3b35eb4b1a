"""The client-side token bucket, driven by a fake clock (nothing sleeps)."""

from __future__ import annotations

import threading

import pytest
from _haier_fakes import STOCK_URL, FakeClock, make_client, mock_token, ok

from dashboard.haier import HaierAPI, HaierSettings, HaierUnavailable, RateLimiter
from dashboard.haier.ratelimit import (
    RateLimitTimeout,
    clear_shared_rate_limiters,
    pacing_for_limit,
)


def test_burst_is_free_then_calls_are_spaced_at_the_rate():
    clock = FakeClock()
    limiter = RateLimiter(100, burst=5, clock=clock)
    waits = [limiter.reserve() for _ in range(8)]
    assert waits[:5] == [0, 0, 0, 0, 0]
    assert waits[5:] == pytest.approx([0.01, 0.02, 0.03])


def test_bucket_refills_with_time_up_to_its_capacity():
    clock = FakeClock()
    limiter = RateLimiter(10, burst=2, clock=clock)
    limiter.reserve(), limiter.reserve()
    clock.advance(10)  # long idle: refills to 2, not to 100
    assert [limiter.reserve() for _ in range(3)] == pytest.approx([0, 0, 0.1])


def test_acquire_sleeps_the_reserved_wait():
    clock = FakeClock()
    limiter = RateLimiter(50, burst=1, clock=clock, sleep=clock.sleep)
    limiter.acquire(), limiter.acquire(), limiter.acquire()
    # The fake sleep moves time on, so each later caller waits one 20 ms step.
    assert clock.sleeps == pytest.approx([0.02, 0.02])


def test_pacing_keeps_every_second_under_the_platform_limit():
    clock = FakeClock()
    limiter = pacing_for_limit(100, clock=clock)
    sends = []
    for _ in range(500):
        clock.advance(limiter.reserve())
        sends.append(clock.now)
    busiest = max(sum(1 for t in sends if start <= t < start + 1.0) for start in sends)
    assert 96 <= busiest <= 97  # at most 1 + 0.96 * 100: slack for network jitter


def test_slot_past_the_deadline_is_refused_and_not_taken():
    clock = FakeClock()
    limiter = RateLimiter(1, burst=1, clock=clock)
    limiter.reserve()
    with pytest.raises(RateLimitTimeout):
        limiter.reserve(deadline=clock.now + 0.5)
    assert limiter.reserve(deadline=clock.now + 1.0) == pytest.approx(1.0)


def test_threads_get_distinct_slots():
    clock = FakeClock()
    limiter = RateLimiter(100, burst=1, clock=clock)
    waits, lock = [], threading.Lock()

    def take():
        for _ in range(25):
            wait = limiter.reserve()
            with lock:
                waits.append(round(wait, 6))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 200 calls at 100/s from a full bucket of 1: slots 0, 10 ms, 20 ms … 1.99 s, none shared.
    assert sorted(waits) == [round(i / 100, 6) for i in range(200)]


def test_client_waits_for_the_limiter_before_each_call(requests_mock):
    clock = FakeClock()
    mock_token(requests_mock)
    requests_mock.post(STOCK_URL, json=ok([]))
    client = make_client(clock)
    client.rate_limiter = client._transport.rate_limiter = RateLimiter(10, burst=1, clock=clock)
    for _ in range(3):
        client.check_stock("GA0SZC00U", "110105")
    # Token fetch + 3 stock calls share the bucket: three waits of 100 ms.
    assert clock.sleeps == pytest.approx([0.1, 0.1, 0.1])


def test_limiter_that_cannot_serve_before_the_deadline_is_unavailable(requests_mock):
    clock = FakeClock()
    mock_token(requests_mock)
    requests_mock.post(STOCK_URL, json=ok([]))
    client = make_client(clock, HAIER_DEADLINE_SECONDS=1)
    client.authenticate()
    client._transport.rate_limiter = RateLimiter(0.1, burst=1, clock=clock)
    client._transport.rate_limiter.reserve()
    with pytest.raises(HaierUnavailable) as info:
        client.check_stock("GA0SZC00U", "110105")
    assert info.value.reason == "client rate limit"


def test_clients_with_the_same_settings_share_one_limiter():
    clear_shared_rate_limiters()
    settings = HaierSettings.from_mapping({"HAIER_BASE_URL": "https://h.test", "HAIER_CLIENT_ID": "a"})
    other = HaierSettings.from_mapping({"HAIER_BASE_URL": "https://h.test", "HAIER_CLIENT_ID": "b"})
    try:
        assert HaierAPI(settings).rate_limiter is HaierAPI(settings).rate_limiter
        assert HaierAPI(settings).rate_limiter is not HaierAPI(other).rate_limiter
        assert HaierAPI(settings).rate_limiter.rate == pytest.approx(96)
    finally:
        clear_shared_rate_limiters()


def test_time_waiting_for_our_own_rate_limiter_is_not_counted_as_haier_latency(requests_mock):
    from dashboard.haier.observers import CallRecord

    clock = FakeClock()
    records: list = []
    mock_token(requests_mock)
    requests_mock.post(STOCK_URL, json=ok([]))
    client = make_client(clock, records)
    client.rate_limiter = client._transport.rate_limiter = RateLimiter(10, burst=1, clock=clock)
    client.check_stock("GA0SZC00U", "110105")
    stock = next(r for r in records if r.endpoint == "check_stock")
    assert stock.throttled_s == pytest.approx(0.1)
    assert stock.latency_s == pytest.approx(stock.duration_s - 0.1)

    record = CallRecord("check_stock", duration_s=0.30, throttled_s=0.25)
    assert record.latency_s == pytest.approx(0.05)
    assert CallRecord("check_stock", duration_s=0.1, throttled_s=0.2).latency_s == 0.0


def test_late_senders_cannot_push_a_one_second_window_over_the_limit():
    clock = FakeClock()
    limiter = RateLimiter(100, burst=1, clock=clock, sleep=clock.sleep, window_limit=3)
    sends = []
    for _ in range(7):
        limiter.admit()  # every caller was scheduled earlier but all wake up at once
        sends.append(clock())
    for start in sends:
        assert sum(1 for t in sends if start <= t < start + 1.0) <= 3
    assert sends[3] - sends[0] == pytest.approx(1.0)


def test_the_shared_pacing_limiter_counts_sends_per_second():
    from dashboard.haier.ratelimit import pacing_for_limit

    assert pacing_for_limit(100).window_limit == 96
