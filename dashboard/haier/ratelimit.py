"""Client-side token bucket so that no sync can exceed Haier's 100 calls per second."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

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
    ``burst`` is small by default: Haier counts calls per second, and a full one-second burst on
    top of the steady rate could put up to twice the limit into one second.
    """

    def __init__(
        self,
        rate_per_second: float,
        *,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self.rate = float(rate_per_second)
        self.capacity = float(burst) if burst is not None else max(1.0, self.rate / 20)
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
            self._level = min(
                self.capacity, self._level + (now - self._updated) * self.rate
            )
            self._updated = now
            wait = 0.0 if self._level >= 1 else (1 - self._level) / self.rate
            if deadline is not None and now + wait > deadline:
                raise RateLimitTimeout(wait)
            self._level -= 1
            return wait

    def acquire(self, deadline: float | None = None) -> float:
        """Block until a slot is ours; return the time waited."""
        wait = self.reserve(deadline)
        if wait > 0:
            self._sleep(wait)
        return wait


def shared_rate_limiter(key: tuple, rate_per_second: float) -> RateLimiter:
    """The process-wide limiter for one Haier client identity, so instances share the budget."""
    full_key = (*key, float(rate_per_second))
    with _shared_lock:
        limiter = _shared.get(full_key)
        if limiter is None:
            limiter = _shared[full_key] = RateLimiter(rate_per_second)
        return limiter


def clear_shared_rate_limiters() -> None:
    """Forget the process-wide limiters (tests)."""
    with _shared_lock:
        _shared.clear()
