"""The JSON API under /api/: the old system's envelope, session or personal-token auth, roles as on the pages.

CSRF: the blueprint is exempt from the app-wide check and applies it itself to session-authenticated requests
only. A request carrying `Authorization: Bearer …` is authenticated by that token alone (never by the cookie),
and a cross-site form cannot set that header, so it needs no CSRF token.
"""

from flask import Blueprint, current_app

from dashboard.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)


@bp.before_request
def _csrf_for_session_requests() -> None:
    from dashboard.blueprints.api.auth import bearer_token

    if bearer_token() is None and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()


from dashboard.blueprints.api import catalogue, errors, haier, openapi, stock  # noqa: E402,F401
