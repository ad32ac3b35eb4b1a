"""OAuth2 client-credentials tokens as Haier's gateway issues them: HS512 JWTs with key, extend and exp."""

from __future__ import annotations

import hashlib
import hmac
import time

import jwt

from .settings import SandboxSettings
from .state import SandboxState

ALGORITHM = "HS512"


class AuthFailure(Exception):
    """The call carries no usable token; the message is the gateway's reply text."""


def credentials_match(settings: SandboxSettings, client_id: object, client_secret: object) -> bool:
    if not isinstance(client_id, str) or not isinstance(client_secret, str):
        return False
    # Compare both in constant time so a timing probe cannot learn either.
    id_ok = hmac.compare_digest(client_id.encode(), settings.client_id.encode())
    secret_ok = hmac.compare_digest(client_secret.encode(), settings.client_secret.encode())
    return id_ok and secret_ok


def client_key(client_id: str) -> str:
    """The token's `key` claim: an opaque id for the client, as Haier's tokens carry (never the secret)."""
    return hashlib.sha256(f"haier-sandbox-client:{client_id}".encode()).hexdigest()[:32]


def issue_token(state: SandboxState) -> tuple[str, int]:
    """A fresh token and its lifetime in seconds."""
    settings = state.settings
    epoch = state.token_issued()
    payload = {
        "key": client_key(settings.client_id),
        "extend": {
            "customerCode": settings.customer_code,
            "clientId": settings.client_id,
            "epoch": epoch,
        },
        "exp": int(time.time()) + settings.token_ttl,
    }
    return jwt.encode(payload, state.signing_key, algorithm=ALGORITHM), settings.token_ttl


def token_from_header(header: str | None, scheme: str) -> str:
    if not header:
        raise AuthFailure("缺少访问令牌")
    has_bearer = header[:7].lower() == "bearer "
    if has_bearer and scheme == "bare":
        raise AuthFailure("令牌格式错误")
    if not has_bearer and scheme == "bearer":
        raise AuthFailure("令牌格式错误")
    token = header[7:] if has_bearer else header
    return token.strip()


def verify(state: SandboxState, header: str | None) -> dict:
    """The token's claims, or AuthFailure for a missing, malformed, foreign, expired or revoked token."""
    token = token_from_header(header, state.settings.auth_scheme)
    try:
        claims = jwt.decode(
            token,
            state.signing_key,
            algorithms=[ALGORITHM],
            options={"require": ["exp"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise AuthFailure("访问令牌已过期") from exc
    except jwt.InvalidTokenError as exc:
        raise AuthFailure("访问令牌无效") from exc
    extend = claims.get("extend")
    if not isinstance(extend, dict) or extend.get("epoch") != state.token_epoch:
        raise AuthFailure("访问令牌已过期")
    return claims


def unverified_key(header: str | None) -> str | None:
    """The `key` claim without checking the signature: only to tell clients apart for rate limiting."""
    if not header:
        return None
    token = header[7:] if header[:7].lower() == "bearer " else header
    try:
        key = jwt.decode(token.strip(), options={"verify_signature": False}).get("key")
    except jwt.InvalidTokenError:
        return None
    return key if isinstance(key, str) else None
