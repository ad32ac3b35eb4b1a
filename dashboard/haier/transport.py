"""One logical POST to Haier: rate limit, timeouts, retries with backoff, typed failures.

Retried: connection errors, timeouts, 429 (after ``Retry-After``), 502/503/504 — bounded by the
attempt count *and* a total deadline. Never retried: 4xx other than 429, 500 and a business error.
A 401 is handed back to the caller, which owns the token and decides whether to repeat once.
"""

from __future__ import annotations

import email.utils
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter

from .errors import (
    HaierAuthError,
    HaierBusinessError,
    HaierProtocolError,
    HaierUnavailable,
)
from .masking import mask_text
from .observers import CallRecord
from .parsing import Unreadable, load_json, unwrap
from .ratelimit import RateLimiter, RateLimitTimeout

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 8.0
RAW_BODY_LIMIT = 2000


def make_session(pool_maxsize: int = 32) -> requests.Session:
    session = requests.Session()
    # Retries are ours (deadline-aware, typed); urllib3's own would hide attempts from the record.
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_maxsize, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@dataclass
class Reply:
    status: int
    body: object  # parsed JSON
    raw: bytes


class Transport:
    def __init__(
        self,
        *,
        session: requests.Session,
        rate_limiter: RateLimiter,
        connect_timeout: float,
        read_timeout: float,
        max_attempts: int,
        deadline_seconds: float,
        secrets: Callable[[], tuple[str, ...]],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.session = session
        self.rate_limiter = rate_limiter
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_attempts = max_attempts
        self.deadline_seconds = deadline_seconds
        self.secrets = secrets
        self.clock = clock
        self.sleep = sleep
        self.jitter = jitter

    def post(self, url: str, payload: dict, headers: dict, record: CallRecord) -> Reply:
        """POST until a non-retryable answer; return 2xx and 401 replies, raise for the rest."""
        endpoint = record.endpoint
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            **headers,
        }
        deadline = self.clock() + self.deadline_seconds
        attempt = 0
        while True:
            attempt += 1
            self._wait_for_slot(deadline, record, attempt)
            record.attempts += 1
            remaining = deadline - self.clock()
            timeout = (
                min(self.connect_timeout, remaining),
                min(self.read_timeout, remaining),
            )
            retry_after = None
            try:
                response = self.session.post(url, data=body, headers=headers, timeout=timeout)
            except requests.Timeout:
                reason, status = "timeout", None
            except requests.ConnectionError:
                reason, status = "connection error", None
            else:
                status = record.http_status = response.status_code
                if status not in RETRYABLE_STATUSES:
                    return self._settle(response, endpoint, attempt)
                reason = f"HTTP {status}"
                if status == 429:
                    record.rate_limited += 1
                    retry_after = _retry_after(response.headers.get("Retry-After"))
            delay = self._backoff(attempt, retry_after)
            if attempt >= self.max_attempts:
                raise HaierUnavailable(
                    f"{reason} after {attempt} attempts",
                    reason=reason,
                    attempts=attempt,
                    status=status,
                    endpoint=endpoint,
                )
            if self.clock() + delay >= deadline:
                raise HaierUnavailable(
                    f"{reason}; deadline of {self.deadline_seconds:g} s reached after {attempt} attempts",
                    reason=f"{reason}, deadline",
                    attempts=attempt,
                    status=status,
                    endpoint=endpoint,
                )
            self.sleep(delay)

    def _wait_for_slot(self, deadline: float, record: CallRecord, attempt: int) -> None:
        try:
            wait = self.rate_limiter.reserve(deadline)
        except RateLimitTimeout:
            raise HaierUnavailable(
                "client rate limit leaves no slot before the deadline",
                reason="client rate limit",
                attempts=attempt - 1,
                endpoint=record.endpoint,
            ) from None
        if wait > 0:
            record.throttled_s += wait
            self.sleep(wait)
        record.throttled_s += self.rate_limiter.admit(self.sleep)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        # "Full jitter" spreads retries of many threads instead of having them hit Haier in step.
        ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
        delay = ceiling * (0.5 + 0.5 * self.jitter())
        return max(delay, retry_after) if retry_after is not None else delay

    def _settle(self, response: requests.Response, endpoint: str, attempts: int) -> Reply:
        status = response.status_code
        raw = response.content
        if status == 401:
            return Reply(status, None, raw)
        if 200 <= status < 300:
            try:
                return Reply(status, load_json(raw), raw)
            except Unreadable as exc:
                raise self.protocol_error(str(exc), raw, status, endpoint) from None
        message = self._error_message(raw) or f"HTTP {status}"
        if status == 400:
            raise HaierBusinessError(f"rejected by Haier (400): {message}", status=status, endpoint=endpoint)
        if status == 403:
            raise HaierAuthError(f"forbidden (403): {message}", status=status, endpoint=endpoint)
        if status >= 500:
            raise HaierUnavailable(
                f"HTTP {status}: {message}",
                reason=f"HTTP {status}",
                attempts=attempts,
                status=status,
                endpoint=endpoint,
            )
        raise self.protocol_error(f"unexpected HTTP {status}", raw, status, endpoint)

    def _error_message(self, raw: bytes) -> str | None:
        try:
            _, _, message = unwrap(load_json(raw))
        except Unreadable:
            return None
        return mask_text(message, self.secrets()) if message else None

    def protocol_error(
        self, message: str, raw: bytes, status: int | None, endpoint: str
    ) -> HaierProtocolError:
        text = raw[:RAW_BODY_LIMIT].decode("utf-8", errors="replace")
        return HaierProtocolError(
            mask_text(message, self.secrets()),
            raw_body=mask_text(text, self.secrets()),
            status=status,
            endpoint=endpoint,
        )


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
