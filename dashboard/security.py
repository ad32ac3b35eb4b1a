"""Who may do what: the user loader, the role decorator and HTTP security headers."""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, make_response, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from dashboard.extensions import db, login_manager
from dashboard.htmx import hx_redirect
from dashboard.models import Role, User

CSP = (
    "default-src 'self'; "
    "script-src 'self' https://unpkg.com; "
    "style-src 'self'; "
    "img-src 'self' data: https:; "
    "connect-src 'self'; "
    "frame-ancestors 'none'; "
    "base-uri 'self'; "
    "form-action 'self'"
)


def role_required(role: Role | str):
    """Refuse the view (403) unless the signed-in user has at least `role`; 401 → login when signed out."""
    needed = Role(role)

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(needed):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_role = needed  # lets a test walk every route and check it is guarded
        return wrapped

    return decorator


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    return db.session.execute(select(User).where(User.id == int(user_id))).scalar_one_or_none()


@login_manager.unauthorized_handler
def unauthorized():
    login_url = url_for("auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
    if request.headers.get("HX-Request") == "true":
        # Never swap a login page into a table cell: send the whole page there instead.
        return hx_redirect(make_response("", 401), login_url)
    if request.path.startswith("/api/"):
        from dashboard.api_envelope import api_error

        return api_error("unauthorized", "未登录或令牌无效", 401)
    return redirect(login_url)


def init_app(app: Flask) -> None:
    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Content-Security-Policy", CSP)
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
