from flask import Blueprint

bp = Blueprint("auth", __name__)

from dashboard.blueprints.auth import profile, views  # noqa: E402,F401
