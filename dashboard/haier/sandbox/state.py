"""The sandbox's mutable state: live settings, faults, counters, the drift clock and the rate limiter.

One SandboxState per sandbox app, kept in app.extensions["haier_sandbox"], so two sandboxes in one test process
never share anything. Every mutation happens under one lock: the sandbox serves many threads at once.
"""

from __future__ import annotations

import math
import random
import secrets
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Collection
from typing import Any

from flask import Flask, current_app

from .faults import ENDPOINTS, Fault
from .settings import SandboxSettings

EXTENSION_KEY = "haier_sandbox"
RECENT_CALLS_KEPT = 5000
RUNTIME_SETTINGS = frozenset(
    {
        "latency_ms",
        "jitter_ms",
        "rate_limit",
        "token_ttl",
        "auth_scheme",
        "drift_seconds",
        "token_field",
        "token_paths",
    }
)


class SandboxState:
    def __init__(self, settings: SandboxSettings) -> None:
        self.initial_settings = settings
        self.settings = settings
        # Signing key is per app instance: a token from one sandbox is worthless to another.
        self._signing_key = secrets.token_bytes(64)
        # Set on server shutdown so hanging and slow calls return at once instead of holding the server open.
        self.stop_event = threading.Event()
        self._lock = threading.Lock()
        # The rate limiter's clock; a test may swap in a fake to move the window without sleeping.
        self.monotonic = time.monotonic
        self._reset_locked()

    def __repr__(self) -> str:
        return f"<SandboxState client_id={self.settings.client_id!r} faults={len(self._faults)}>"

    @property
    def signing_key(self) -> bytes:
        return self._signing_key

    def _reset_locked(self) -> None:
        self.settings = self.initial_settings
        self._faults: list[Fault] = []
        self._outcomes: dict[str, Counter[str]] = {name: Counter() for name in ENDPOINTS}
        self._recent: dict[str, deque[float]] = {name: deque(maxlen=RECENT_CALLS_KEPT) for name in ENDPOINTS}
        self._tokens_issued = 0
        self._token_epoch = 0
        self._clock_offset = 0.0
        self._frozen_at: float | None = None
        self._windows: dict[str, deque[float]] = defaultdict(deque)
        # Separate generators so latency jitter never shifts which calls a rate-based fault hits.
        self._rng = random.Random(self.initial_settings.seed)
        self._jitter_rng = random.Random(self.initial_settings.seed + 1)

    def reset(self) -> None:
        """Clear faults, counters, clock offset and token expiry; restore the settings the app started with."""
        with self._lock:
            self._reset_locked()

    def configure(self, **changes: Any) -> SandboxSettings:
        unknown = set(changes) - RUNTIME_SETTINGS
        if unknown:
            raise ValueError(
                f"cannot change {sorted(unknown)} at run time; allowed: {sorted(RUNTIME_SETTINGS)}"
            )
        with self._lock:
            self.settings = self.settings.replace(**changes)
            return self.settings

    # Faults

    def set_fault(self, mode: str, **options: Any) -> Fault:
        """Add a fault built by :meth:`Fault.build`: by `rate` (0..1 of matching calls) or `count` (the next N
        matching calls), optionally limited to `endpoints` / `product_codes`, with `hang_seconds` for "hang"."""
        fault = Fault.build(mode, **options)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return [fault.describe() for fault in self._faults]

    def draw_fault(self, endpoint: str, product_codes: Collection[str], *, transport: bool) -> Fault | None:
        """The fault that hits this call, if any; the first matching fault that fires wins."""
        with self._lock:
            for fault in self._faults:
                matches = fault.is_transport == transport and fault.applies_to(endpoint, product_codes)
                if matches and fault.fires(self._rng):
                    return fault
        return None

    # Counters

    def record_arrival(self, endpoint: str) -> None:
        with self._lock:
            self._recent[endpoint].append(self.monotonic())

    def record_outcome(self, endpoint: str, outcome: str) -> None:
        with self._lock:
            self._outcomes[endpoint][outcome] += 1

    def counters(self) -> dict[str, Any]:
        """Calls by endpoint and outcome, tokens issued, and recent arrival times (monotonic seconds)."""
        with self._lock:
            recent = {name: list(times) for name, times in self._recent.items()}
            calls = {name: dict(outcomes) for name, outcomes in self._outcomes.items()}
            tokens_issued = self._tokens_issued
        every_call = sorted(t for times in recent.values() for t in times)
        return {
            "calls": calls,
            "totals": {name: sum(outcomes.values()) for name, outcomes in calls.items()},
            "tokens_issued": tokens_issued,
            "recent_calls": recent,
            "max_calls_per_second": max_in_window(every_call, 1.0),
        }

    # Tokens

    def token_issued(self) -> int:
        """Count an issued token and return the epoch it belongs to."""
        with self._lock:
            self._tokens_issued += 1
            return self._token_epoch

    @property
    def token_epoch(self) -> int:
        return self._token_epoch

    def expire_tokens(self) -> None:
        """Every token issued so far stops working now."""
        with self._lock:
            self._token_epoch += 1

    # Clock for stock drift

    def clock(self) -> float:
        base = self._frozen_at if self._frozen_at is not None else time.time()
        return base + self._clock_offset

    def step(self) -> int:
        return int(self.clock() // self.settings.drift_seconds)

    def advance_clock(self, steps: int = 1) -> int:
        with self._lock:
            self._clock_offset += steps * self.settings.drift_seconds
        return self.step()

    def set_clock_offset(self, seconds: float) -> int:
        with self._lock:
            self._clock_offset = float(seconds)
        return self.step()

    def freeze_clock(self, frozen: bool = True) -> int:
        """Stop (or restart) the drift clock so a test cannot straddle a step boundary."""
        with self._lock:
            self._frozen_at = time.time() if frozen else None
        return self.step()

    def clock_state(self) -> dict[str, Any]:
        return {
            "clock": self.clock(),
            "offset_seconds": self._clock_offset,
            "frozen": self._frozen_at is not None,
            "step": self.step(),
            "drift_seconds": self.settings.drift_seconds,
        }

    # Rate limit

    def admit(self, client: str) -> float | None:
        """Admit a call from `client`, or return the seconds it must wait (sliding one-second window)."""
        limit = self.settings.rate_limit
        if limit <= 0:
            return None
        now = self.monotonic()
        with self._lock:
            window = self._windows[client]
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= limit:
                return window[0] + 1.0 - now
            window.append(now)
        return None

    def jitter(self) -> float:
        """A uniform draw in [0, 1) for latency jitter, from the seeded generator."""
        with self._lock:
            return self._jitter_rng.random()

    def pause(self, seconds: float) -> bool:
        """Sleep unless the server is shutting down; True if the full pause elapsed."""
        return not self.stop_event.wait(seconds) if seconds > 0 else True


def max_in_window(times: list[float], window: float) -> int:
    """The most timestamps (sorted) that fall within any `window`-second span."""
    best = 0
    start = 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


def get_sandbox_state(app: Flask | None = None) -> SandboxState:
    return (app or current_app).extensions[EXTENSION_KEY]
