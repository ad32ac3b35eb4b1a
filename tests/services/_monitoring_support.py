"""A known sequence of real Haier calls against the sandbox, with injected faults and planned latencies.

The client is the real HaierAPI over loopback HTTP, but its clock is a fake that only moves when the session
sends a request (by the latency planned for that request) or the client sleeps. So every call's duration is
exact, and the monitoring figures expected from the sequence can be computed by hand (see KNOWN_SEQUENCE).
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

from dashboard.haier import HaierAPI, HaierError, LocalTokenStore, RateLimiter
from dashboard.haier.sandbox import get_sandbox_state
from dashboard.haier.sandbox.catalogue import catalogue
from tests.conftest import SANDBOX_TEST_SETTINGS, haier_settings_for

COUNTY = "110105"
CODE = catalogue(SANDBOX_TEST_SETTINGS["HAIER_SANDBOX_CATALOGUE_SIZE"])[0].code


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class PlannedSession(requests.Session):
    """Each business request "takes" `self.latency` seconds on the fake clock; token requests take none."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock
        self.latency = 0.0

    def post(self, url, *args, **kwargs):
        if "/oauth2/" not in url:
            self.clock.advance(self.latency)
        return super().post(url, *args, **kwargs)


@dataclass
class Expected:
    calls: int = 12
    errors: int = 3
    stock_queries: int = 12
    stock_failures: int = 3
    auth_attempts: int = 3
    auth_failures: int = 1
    # 12 latencies: 8 in (0.1, 0.25], 2 in (0.5, 1], 1 in (2.5, 5], 1 in (30, 60].
    # p50: rank 6 of 12 falls in (0.1, 0.25] holding 8 → 0.1 + 0.15 × 6/8.
    # p95: rank 11.4 falls in (30, 60] holding the 12th → 30 + 30 × 0.4/1.
    latency_p50: float = 0.1 + 0.15 * 6 / 8
    latency_p95: float = 30 + 30 * 0.4
    outcomes: dict | None = None

    def __post_init__(self) -> None:
        self.outcomes = {"ok": 9, "unavailable": 1, "business_error": 1, "auth_error": 1}


EXPECTED = Expected()


def planned_client(app, sandbox) -> tuple[HaierAPI, PlannedSession]:
    clock = FakeClock()
    session = PlannedSession(clock)
    client = HaierAPI.from_settings(
        haier_settings_for(sandbox),
        session=session,
        token_store=LocalTokenStore(),
        rate_limiter=RateLimiter(1000, burst=1000, clock=clock),
        observers=app.extensions["haier_observers"],
        clock=clock,
        sleep=clock.advance,
        jitter=lambda: 0.0,
    )
    return client, session


def drive_known_sequence(app, sandbox) -> list[str]:
    """Twelve stock checks: 8 ok, a 500, a business error, an auth failure, and a slow ok after re-auth.

    Returns the outcomes in order (for the test's own sanity).
    """
    state = get_sandbox_state(sandbox.app)
    client, session = planned_client(app, sandbox)
    outcomes = []

    def call(latency: float) -> None:
        session.latency = latency
        try:
            client.check_stock(CODE, COUNTY)
            outcomes.append("ok")
        except HaierError as exc:
            outcomes.append(exc.outcome)

    try:
        for _ in range(6):  # the first one fetches token #1
            call(0.2)
        for _ in range(2):
            call(0.7)
        state.set_fault("500", count=1, endpoints=["stock"])
        call(0.2)
        state.set_fault("business_error", count=1, endpoints=["stock"])
        call(3.0)
        # Haier revokes our token and then refuses the next token request: token #2 fails.
        state.expire_tokens()
        state.set_fault("401", count=1, endpoints=["token"])
        call(0.2)
        # The stale token is refused once more, token #3 succeeds, the repeat answers: 2 × 20 s.
        call(20.0)
    finally:
        session.close()
    return outcomes
