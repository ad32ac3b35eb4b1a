"""The OAuth2 token: parsed from Haier's reply, cached process-wide, optionally shared via Redis.

One refresh at a time: a thread that finds the token due takes the store's lock and re-checks, so
concurrent callers wait for the one fetch instead of each making their own. With Redis, a Redis lock
does the same across processes. Expiry is wall-clock (``exp`` is an epoch), not monotonic.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import jwt

from .errors import HaierError
from .masking import mask_url

logger = logging.getLogger("dashboard.haier")

DEFAULT_EXPIRES_IN = 3600.0
_TOKEN_FIELDS = ("access_token", "token")


@dataclass(frozen=True)
class TokenInfo:
    token: str
    expires_at: float  # epoch seconds; never used at or past this
    refresh_at: float  # epoch seconds; fetch a new one from here on

    def __repr__(self) -> str:
        return f"TokenInfo(token='***', expires_at={self.expires_at}, refresh_at={self.refresh_at})"


class TokenReplyError(Exception):
    """The token endpoint's reply holds no usable token."""


def token_from_reply(body: Any, *, now: float, margin: float) -> TokenInfo:
    """Read the token from any of Haier's four placements and work out when to refresh it."""
    if not isinstance(body, dict):
        raise TokenReplyError("token reply is not a JSON object")
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    token = next(
        (
            s
            for s in (
                *(body.get(k) for k in _TOKEN_FIELDS),
                *(data.get(k) for k in _TOKEN_FIELDS),
            )
            if isinstance(s, str) and s.strip()
        ),
        None,
    )
    if token is None:
        raise TokenReplyError("token reply has no access_token/token/data.access_token/data.token")
    token = token.strip()
    expires_at = now + _expires_in(body.get("expires_in", data.get("expires_in")))
    exp = _jwt_exp(token)
    if exp is not None:
        expires_at = min(expires_at, exp)
    if expires_at <= now:
        raise TokenReplyError("token is already expired on arrival (clock skew?)")
    # A lifetime shorter than the margin (short-lived sandbox tokens) would otherwise mean a fetch
    # before every call; keep at least half of the lifetime usable.
    refresh_at = expires_at - min(margin, (expires_at - now) / 2)
    return TokenInfo(token=token, expires_at=expires_at, refresh_at=refresh_at)


def _expires_in(value: Any) -> float:
    if value is None or value == "":
        return DEFAULT_EXPIRES_IN
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise TokenReplyError(f"token reply has an unreadable expires_in: {value!r}") from None
    if seconds <= 0:
        raise TokenReplyError(f"token reply has a non-positive expires_in: {value!r}")
    return seconds


def _jwt_exp(token: str) -> float | None:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None  # not a JWT we can read: rely on expires_in alone
    exp = claims.get("exp")
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None


Fetch = Callable[[], TokenInfo]


class TokenStore(Protocol):
    def get(self, fetch: Fetch, *, stale: str | None = None, force: bool = False) -> str: ...


class LocalTokenStore:
    """The token of one client identity within this process."""

    def __init__(self, *, wall_clock: Callable[[], float] = time.time) -> None:
        self._wall = wall_clock
        self._lock = threading.Lock()
        self._info: TokenInfo | None = None

    def _usable(self, info: TokenInfo | None, stale: str | None) -> bool:
        return info is not None and info.token != stale and self._wall() < info.refresh_at

    def get(self, fetch: Fetch, *, stale: str | None = None, force: bool = False) -> str:
        """A fresh token. ``stale`` is one Haier just refused (401): never return it again."""
        info = self._info
        if not force and self._usable(info, stale):
            return info.token
        with self._lock:
            info = self._info
            if not force and self._usable(info, stale):
                return info.token  # another thread refreshed while we waited
            try:
                new = fetch()
            except HaierError as exc:
                if force or info is None or info.token == stale or self._wall() >= info.expires_at:
                    raise
                # Inside the refresh margin the old token is still valid: keep serving it.
                logger.warning("haier token refresh failed, old token still valid: %s", exc)
                return info.token
            self._info = new
            return new.token

    def clear(self) -> None:
        with self._lock:
            self._info = None


class RedisTokenStore:
    """Shares the token between processes through Redis; one process fetches, under a Redis lock.

    When Redis itself fails we fetch locally and say so in the log: losing the cross-process
    sharing costs a few extra token fetches, while failing every Haier call would stop the shop.
    """

    def __init__(
        self,
        redis_client: Any,
        key: str,
        *,
        wall_clock: Callable[[], float] = time.time,
        lock_timeout: float = 60.0,
        wait_timeout: float = 60.0,
    ) -> None:
        self._redis = redis_client
        self.key = key
        self._wall = wall_clock
        self._lock_timeout = lock_timeout
        self._wait_timeout = wait_timeout
        self._local = LocalTokenStore(wall_clock=wall_clock)

    def get(self, fetch: Fetch, *, stale: str | None = None, force: bool = False) -> str:
        return self._local.get(lambda: self._shared(fetch, stale, force), stale=stale, force=force)

    def _shared(self, fetch: Fetch, stale: str | None, force: bool) -> TokenInfo:
        import redis

        try:
            if not force and (info := self._usable_from_redis(stale)):
                return info
            lock = self._redis.lock(
                f"{self.key}:lock",
                timeout=self._lock_timeout,
                blocking_timeout=self._wait_timeout,
            )
            with lock:
                if not force and (info := self._usable_from_redis(stale)):
                    return info
                info = fetch()
                ttl_ms = int((info.expires_at - self._wall()) * 1000)
                if ttl_ms > 0:
                    payload = {
                        "token": info.token,
                        "expires_at": info.expires_at,
                        "refresh_at": info.refresh_at,
                    }
                    self._redis.set(self.key, json.dumps(payload), px=ttl_ms)
                return info
        except redis.RedisError as exc:
            logger.warning(
                "haier token: Redis unavailable (%s), fetching in-process",
                type(exc).__name__,
            )
            return fetch()

    def _usable_from_redis(self, stale: str | None) -> TokenInfo | None:
        raw = self._redis.get(self.key)
        if not raw:
            return None
        try:
            info = TokenInfo(**json.loads(raw))
        except (TypeError, ValueError):
            logger.warning("haier token: unreadable entry in Redis ignored")
            return None
        if info.token == stale or self._wall() >= info.refresh_at:
            return None
        return info

    def clear(self) -> None:
        self._local.clear()
        self._redis.delete(self.key)


_shared: dict[tuple, TokenStore] = {}
_shared_lock = threading.Lock()


def shared_token_store(token_url: str, client_id: str | None, redis_url: str | None) -> TokenStore:
    """The process-wide store for (token URL, client id): every HaierAPI with them shares one token."""
    key = (token_url, client_id or "", redis_url or "")
    with _shared_lock:
        store = _shared.get(key)
        if store is None:
            store = _shared[key] = _build_store(token_url, client_id, redis_url)
        return store


def _build_store(token_url: str, client_id: str | None, redis_url: str | None) -> TokenStore:
    if not redis_url:
        return LocalTokenStore()
    import redis

    digest = hashlib.sha256(f"{token_url}|{client_id}".encode()).hexdigest()[:24]
    client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
    logger.info("haier token shared through Redis at %s", mask_url(redis_url))
    return RedisTokenStore(client, f"dashboard:haier:token:{digest}")


def clear_shared_token_stores() -> None:
    """Forget process-wide tokens (tests)."""
    with _shared_lock:
        _shared.clear()
