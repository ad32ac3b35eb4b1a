"""Sign-in with throttling, and user administration used by the CLI."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from dashboard.extensions import cache, db
from dashboard.models import Role, User
from dashboard.timeutil import utcnow

log = logging.getLogger(__name__)

# An address may fail more often than one account: several staff share an office NAT.
ADDRESS_ATTEMPTS_FACTOR = 4


class LoginRefused(Exception):
    """Generic on purpose: the message never says whether the account exists."""

    message = "用户名或密码错误"


class LoginThrottled(LoginRefused):
    message = "登录失败次数过多，请稍后再试"


class AccountError(ValueError):
    pass


@dataclass(frozen=True)
class NewAccount:
    user: User
    password: str
    generated: bool


def _keys(username: str, address: str) -> tuple[str, str]:
    return f"login-fail:user:{username.lower()}", f"login-fail:addr:{address}"


def _failures(key: str) -> int:
    return int(cache.get(key) or 0)


def _record_failure(key: str) -> None:
    window = current_app.config["LOGIN_LOCKOUT_SECONDS"]
    # The backend's inc is atomic on Redis; the window starts with the first failure.
    cache.add(key, 0, timeout=window)
    cache.cache.inc(key)


def authenticate(username: str, password: str, address: str) -> User:
    """Return the active user for these credentials, or raise LoginRefused / LoginThrottled."""
    limit = current_app.config["LOGIN_MAX_ATTEMPTS"]
    user_key, addr_key = _keys(username, address)
    if _failures(user_key) >= limit or _failures(addr_key) >= limit * ADDRESS_ATTEMPTS_FACTOR:
        log.warning("login throttled", extra={"username": username, "address": address})
        raise LoginThrottled()
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.active or not user.check_password(password):
        _record_failure(user_key)
        _record_failure(addr_key)
        log.info("login failed", extra={"username": username, "address": address})
        raise LoginRefused()
    cache.delete(user_key)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def get_user(username: str) -> User:
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise AccountError(f"no such user: {username}")
    return user


def validate_password(password: str) -> None:
    if len(password) < 10:
        raise AccountError("password must be at least 10 characters")


def create_user(username: str, role: str, password: str | None = None) -> NewAccount:
    username = username.strip()
    if not username or len(username) > 64:
        raise AccountError("username must be 1-64 characters")
    if role not in {r.value for r in Role}:
        raise AccountError(f"role must be one of: {', '.join(r.value for r in Role)}")
    if db.session.execute(select(User.id).where(User.username == username)).first():
        raise AccountError(f"user already exists: {username}")
    generated = password is None
    password = password if password is not None else secrets.token_urlsafe(12)
    validate_password(password)
    user = User(username=username, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return NewAccount(user=user, password=password, generated=generated)


def set_password(username: str, password: str) -> None:
    validate_password(password)
    user = get_user(username)
    user.set_password(password)
    db.session.commit()


def set_role(username: str, role: str) -> None:
    if role not in {r.value for r in Role}:
        raise AccountError(f"role must be one of: {', '.join(r.value for r in Role)}")
    get_user(username).role = role
    db.session.commit()


def deactivate(username: str) -> None:
    get_user(username).active = False
    db.session.commit()


def ensure_admin(password: str | None) -> NewAccount | None:
    """Create an `admin` account when no admin exists; None when one already does."""
    exists = db.session.execute(select(User.id).where(User.role == Role.ADMIN.value)).first()
    if exists:
        return None
    return create_user("admin", Role.ADMIN.value, password)
