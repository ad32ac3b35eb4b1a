"""Typed failures of the Haier client, one class per thing a caller can do about it.

Every error carries the logical ``endpoint`` name (``"check_stock"``, ``"token"`` …). Messages are
built from facts we already masked, so ``str()`` and ``repr()`` are safe to log or show.
"""

from __future__ import annotations


class HaierError(Exception):
    """Base of every failure raised by :mod:`dashboard.haier`."""

    outcome = "error"

    def __init__(self, message: str, *, endpoint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.endpoint = endpoint

    def __str__(self) -> str:
        prefix = f"[{self.endpoint}] " if self.endpoint else ""
        return f"{prefix}{self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(endpoint={self.endpoint!r}, message={self.message!r})"


class HaierConfigError(HaierError, ValueError):
    """A setting is missing or unreadable; an administrator has to fix the configuration."""

    def __init__(self, message: str, *, setting: str, endpoint: str | None = None) -> None:
        super().__init__(message, endpoint=endpoint)
        self.setting = setting


class HaierBadRequest(HaierError, ValueError):
    """Our own arguments are invalid; raised before any HTTP call is made."""

    def __init__(self, message: str, *, field: str | None = None, endpoint: str | None = None):
        super().__init__(message, endpoint=endpoint)
        self.field = field


class HaierAuthError(HaierError):
    """Credentials refused, token unobtainable, or a second 401 after a fresh token."""

    outcome = "auth_error"

    def __init__(self, message: str, *, status: int | None = None, endpoint: str | None = None):
        super().__init__(message, endpoint=endpoint)
        self.status = status


class HaierUnavailable(HaierError):
    """Haier could not be reached in time: network error, timeout, 5xx or 429 after retries.

    The answer is *unknown*, never zero: callers must not turn this into an empty stock.
    """

    outcome = "unavailable"

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        attempts: int,
        status: int | None = None,
        endpoint: str | None = None,
    ) -> None:
        super().__init__(message, endpoint=endpoint)
        self.reason = reason
        self.attempts = attempts
        self.status = status

    def __repr__(self) -> str:
        return (
            f"HaierUnavailable(endpoint={self.endpoint!r}, reason={self.reason!r}, "
            f"status={self.status!r}, attempts={self.attempts!r})"
        )


class HaierProtocolError(HaierError):
    """Haier answered something we cannot read. ``raw_body`` keeps the (masked, truncated) reply."""

    outcome = "protocol_error"

    def __init__(
        self,
        message: str,
        *,
        raw_body: str | None = None,
        status: int | None = None,
        endpoint: str | None = None,
    ) -> None:
        super().__init__(message, endpoint=endpoint)
        self.raw_body = raw_body
        self.status = status


class HaierBusinessError(HaierError):
    """Haier refused the request on its own terms (``success:false`` or an HTTP 400).

    ``message`` is Haier's text, e.g. ``商品暂不可采``. Never retried.
    """

    outcome = "business_error"

    def __init__(self, message: str, *, status: int | None = None, endpoint: str | None = None):
        super().__init__(message, endpoint=endpoint)
        self.status = status
