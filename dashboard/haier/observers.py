"""One record per logical Haier call: a structured log line plus the metrics hook.

Observers are plain callables ``observer(record)``; later issues hang a latency histogram and outcome
counters on them. An observer that raises is logged and ignored: metrics never break a call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from .errors import HaierError
from .masking import mask_text

logger = logging.getLogger("dashboard.haier")

Outcome = Literal["ok", "business_error", "auth_error", "unavailable", "protocol_error"]


@dataclass
class CallRecord:
    endpoint: str
    duration_s: float = 0.0
    outcome: Outcome = "ok"
    attempts: int = 0
    retries: int = 0
    rate_limited: int = 0  # 429 replies seen
    http_status: int | None = None
    product_code: str | None = None
    county_code: str | None = None
    error: str | None = field(default=None, repr=False)
    # Time spent waiting for our own rate limiter: part of the call's duration, but not Haier's latency.
    throttled_s: float = 0.0

    @property
    def latency_s(self) -> float:
        """Time attributable to Haier and the network (retries and backoff included, our own pacing not)."""
        return max(0.0, self.duration_s - self.throttled_s)


Observer = Callable[[CallRecord], None]


class CallRecorder:
    """Context manager timing one call; on exit it logs one line and notifies observers."""

    def __init__(
        self,
        endpoint: str,
        *,
        observers: Iterable[Observer],
        clock: Callable[[], float],
        secrets: Callable[[], Iterable[str]],
        product_code: str | None = None,
        county_code: str | None = None,
    ) -> None:
        self.record = CallRecord(endpoint, product_code=product_code, county_code=county_code)
        self._observers = tuple(observers)
        self._clock = clock
        self._secrets = secrets

    def __enter__(self) -> CallRecord:
        self._started = self._clock()
        return self.record

    def __exit__(self, exc_type, exc, tb) -> None:
        record = self.record
        record.duration_s = max(0.0, self._clock() - self._started)
        if isinstance(exc, HaierError):
            record.outcome = exc.outcome if exc.outcome != "error" else "protocol_error"
            record.error = mask_text(str(exc), self._secrets())
        elif exc is not None:
            record.outcome = "protocol_error"
            record.error = mask_text(f"{type(exc).__name__}: {exc}", self._secrets())
        record.retries = max(0, record.attempts - 1)
        _log(record)
        notify(self._observers, record)


def notify(observers: Iterable[Observer], record: CallRecord) -> None:
    for observer in observers:
        try:
            observer(record)
        except Exception:
            logger.exception("haier observer %r failed; ignored", observer)


def _log(record: CallRecord) -> None:
    codes = " ".join(
        f"{name}={value}"
        for name, value in (
            ("product", record.product_code),
            ("county", record.county_code),
        )
        if value
    )
    message = (
        f"haier {record.endpoint} {record.outcome} in {record.duration_s * 1000:.1f} ms "
        f"(attempts={record.attempts}, status={record.http_status}"
        f"{', 429s=' + str(record.rate_limited) if record.rate_limited else ''}"
        f"{', ' + codes if codes else ''})"
    )
    if record.error:
        message += f": {record.error}"
    level = logging.INFO if record.outcome in ("ok", "business_error") else logging.WARNING
    logger.log(
        level,
        message,
        extra={
            "haier_endpoint": record.endpoint,
            "haier_duration_ms": round(record.duration_s * 1000, 3),
            "haier_outcome": record.outcome,
            "haier_attempts": record.attempts,
            "haier_retries": record.retries,
            "haier_rate_limited": record.rate_limited,
            "haier_http_status": record.http_status,
            "haier_product_code": record.product_code,
            "haier_county_code": record.county_code,
        },
    )
