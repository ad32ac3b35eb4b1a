"""Personal API tokens: create (the plain token is returned once), list, revoke, and authenticate a request.

Only the SHA-256 of a token is stored; the plain token exists in the create call's result and nowhere else.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import ApiToken, User
from dashboard.models.user import hash_api_token
from dashboard.timeutil import as_utc, utcnow

logger = logging.getLogger(__name__)

MAX_NAME_LENGTH = 80
MAX_ACTIVE_TOKENS = 20
PREFIX_LENGTH = 10  # "hd_" plus a few characters: enough for staff to tell their tokens apart
# Writing last_used_at on every call would turn each API read into a write; a minute is precise enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenError(ValueError):
    """A refused token operation; `message` is Chinese text for the page."""

    code = "api_token_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidTokenName(ApiTokenError):
    code = "invalid_token_name"


class TooManyTokens(ApiTokenError):
    code = "too_many_tokens"


class TokenNotFound(ApiTokenError):
    code = "token_not_found"


class TokenRejected(ApiTokenError):
    """A bearer token that does not authenticate anyone; `reason` is for the log, never for the caller."""

    code = "unauthorized"

    def __init__(self, reason: str) -> None:
        super().__init__("未登录或令牌无效")
        self.reason = reason


@dataclass(frozen=True)
class CreatedToken:
    """A new token; `plain` is the only copy of the secret and must be shown once, then dropped."""

    token: ApiToken
    plain: str

    def __repr__(self) -> str:  # the secret must never reach a log line through a repr
        return f"<CreatedToken {self.token.prefix}… id={self.token.id}>"


def create_token(user: User, name: str) -> CreatedToken:
    """Create a token named `name` for `user` and commit it; the result carries the plain token once."""
    name = (name or "").strip()
    if not name:
        raise InvalidTokenName("请填写令牌名称")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidTokenName(f"令牌名称不能超过 {MAX_NAME_LENGTH} 个字符")
    active = db.session.execute(
        select(func.count(ApiToken.id)).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).scalar_one()
    if active >= MAX_ACTIVE_TOKENS:
        raise TooManyTokens(f"每个用户最多 {MAX_ACTIVE_TOKENS} 个有效令牌，请先撤销不用的令牌")
    plain = ApiToken.generate()
    token = ApiToken(
        user_id=user.id, name=name, token_hash=hash_api_token(plain), prefix=plain[:PREFIX_LENGTH]
    )
    db.session.add(token)
    db.session.commit()
    logger.info("api token created", extra={"token_id": token.id, "user_id": user.id, "prefix": token.prefix})
    return CreatedToken(token=token, plain=plain)


def list_tokens(user: User) -> list[ApiToken]:
    """The user's tokens, active ones first, newest first within each group."""
    return list(
        db.session.execute(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
        ).scalars()
    )


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (again is a no-op); another user's token is TokenNotFound."""
    token = db.session.execute(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    ).scalar_one_or_none()
    if token is None:
        raise TokenNotFound("令牌不存在")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
        logger.info("api token revoked", extra={"token_id": token.id, "user_id": user.id})
    return token


def authenticate_token(plain: str) -> ApiToken:
    """The active token for `plain`, whose user is active; TokenRejected otherwise.

    Records the time of use, at most once per LAST_USED_RESOLUTION.
    """
    if not plain:
        raise TokenRejected("empty")
    token = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == hash_api_token(plain))
    ).scalar_one_or_none()
    if token is None:
        raise TokenRejected("unknown")
    if token.revoked_at is not None:
        raise TokenRejected("revoked")
    if not token.user.active:
        raise TokenRejected("user_inactive")
    now = utcnow()
    if token.last_used_at is None or now - as_utc(token.last_used_at) >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    return token
