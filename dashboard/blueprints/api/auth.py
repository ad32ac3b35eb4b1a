"""Who is calling the API: the browser session or a personal token, and whether their role suffices."""

from __future__ import annotations

import logging
from functools import wraps

from flask import g, request
from flask_login import current_user

from dashboard.api_envelope import api_error
from dashboard.models import Role, User
from dashboard.services import api_tokens

logger = logging.getLogger(__name__)

UNAUTHORIZED_MESSAGE = "未登录或令牌无效"


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer …` header ("" when the header is malformed), else None."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def api_user() -> User:
    """The user the current API request acts as (set by api_auth_required)."""
    return g.api_user


def api_auth_method() -> str:
    """ "token" or "session"."""
    return g.api_auth_method


def _unauthorized():
    response, status = api_error("unauthorized", UNAUTHORIZED_MESSAGE, 401)
    response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response, status


def _authenticate() -> User | None:
    token = bearer_token()
    if token is not None:
        # A token request is judged by its token alone: a valid session cookie does not rescue a bad token.
        try:
            record = api_tokens.authenticate_token(token)
        except api_tokens.TokenRejected as rejected:
            logger.info("api token rejected", extra={"reason": rejected.reason, "path": request.path})
            return None
        g.api_auth_method = "token"
        # Flask-Login's per-request slot: current_user and the log lines' user field then name the token's owner,
        # without writing anything into the session.
        g._login_user = record.user
        return record.user
    if request.headers.get("Authorization") is not None:
        return None  # another scheme (Basic …) is not accepted; never fall back to the cookie
    if not current_user.is_authenticated or not current_user.is_active:
        return None
    g.api_auth_method = "session"
    return current_user._get_current_object()


def api_auth_required(role: Role | str):
    """Answer 401 unless the session or a bearer token authenticates an active user, 403 below `role`."""
    needed = Role(role)

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = _authenticate()
            if user is None:
                return _unauthorized()
            if not user.has_role(needed):
                return api_error(
                    "forbidden", f"没有权限：需要{needed.label}或更高权限", 403, required_role=needed.value
                )
            g.api_user = user
            return view(*args, **kwargs)

        wrapped.required_role = needed  # the same marker role_required leaves, for route-walking tests
        return wrapped

    return decorator
