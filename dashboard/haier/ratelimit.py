"""Client-side token bucket so that no sync can exceed Haier's 100 calls per second."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

PACING_HEADROOM = 0.96
_shared: dict[tuple, RateLimiter] = {}
_shared_lock = threading.Lock()


class RateLimitTimeout(Exception):
    """No slot is free before the caller's deadline."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"next slot in {wait:.3f} s is past the deadline")
        self.wait = wait


class RateLimiter:
    """Thread-safe token bucket.

    A caller that finds the bucket empty *reserves* the next slot (the level goes negative) and
    sleeps outside the lock, so waiting threads are served in arrival order without polling.
    A bucket of ``burst`` and ``rate`` lets through at most ``burst + rate`` calls in any second.
    """

    def __init__(
        self,
        rate_per_second: float,
        *,
        burst: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        window_limit: int | None = None,
    ) -> None:
        if rate_per_second <= 0 or burst < 1:
            raise ValueError("rate_per_second must be positive and burst at least 1")
        if window_limit is not None and window_limit < 1:
            raise ValueError("window_limit must be at least 1")
        self.window_limit = window_limit
        self._sent: deque[float] = deque()
        self.rate = float(rate_per_second)
        self.capacity = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._level = self.capacity
        self._updated = clock()

    def reserve(self, deadline: float | None = None) -> float:
        """Take a slot; return how long the caller must wait before using it (0 when free now).

        Raises :class:`RateLimitTimeout` (taking nothing) when the slot would come after ``deadline``.
        """
        with self._lock:
            now = self._clock()
            self._level = min(self.capacity, self._level + (now - self._updated) * self.rate)
            self._updated = now
            wait = 0.0 if self._level >= 1 else (1 - self._level) / self.rate
            if deadline is not None and now + wait > deadline:
                raise RateLimitTimeout(wait)
            self._level -= 1
            return wait

    def admit(self, sleep: Callable[[float], None] | None = None) -> float:
        """Record a send happening now, first waiting while the last second already holds `window_limit` sends.

        The bucket schedules slots, but a thread that wakes late for its slot (GIL, a busy core) sends into the
        next second on top of the callers that were on time. Counting actual sends closes that gap, so no
        one-second window of sends ever exceeds the limit. Returns the time waited.
        """
        if self.window_limit is None:
            return 0.0
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                while self._sent and self._sent[0] <= now - 1.0:
                    self._sent.popleft()
                if len(self._sent) < self.window_limit:
                    self._sent.append(now)
                    return waited
                wait = self._sent[0] + 1.0 - now
            (sleep or self._sleep)(wait)
            waited += wait

    def acquire(self, deadline: float | None = None) -> float:
        """Block until a slot is ours; return the time waited."""
        wait = self.reserve(deadline)
        if wait > 0:
            self._sleep(wait)
        return wait + self.admit()


def pacing_for_limit(limit_per_second: float, *, clock: Callable[[], float] = time.monotonic) -> RateLimiter:
    """A limiter that keeps every one-second window under ``limit_per_second`` as Haier sees it.

    Haier (and the sandbox) count arrivals in a sliding one-second window. Pacing at exactly the
    limit is not enough: jitter on the way (and in the server's own scheduling) bunches arrivals,
    so a call can land in the same window as the 100th before it. The bucket therefore holds one
    call and refills at 96 % of the limit: at most ``1 + 0.96 * limit`` sends in any second, about
    three calls (~30 ms at 100/s) of slack. At 97 % the loopback bench still saw a few 429s.
    """
    paced = limit_per_second * PACING_HEADROOM
    return RateLimiter(paced, burst=1, clock=clock, window_limit=max(1, int(paced)))


def shared_rate_limiter(key: tuple, limit_per_second: float) -> RateLimiter:
    """The process-wide limiter for one Haier client identity, so instances share the budget."""
    full_key = (*key, float(limit_per_second))
    with _shared_lock:
        limiter = _shared.get(full_key)
        if limiter is None:
            limiter = _shared[full_key] = pacing_for_limit(limit_per_second)
        return limiter


def clear_shared_rate_limiters() -> None:
    """Forget the process-wide limiters (tests)."""
    with _shared_lock:
        _shared.clear()
