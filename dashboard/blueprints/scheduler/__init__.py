from flask import Blueprint

bp = Blueprint("scheduler", __name__, url_prefix="/scheduler")

from dashboard.blueprints.scheduler import views  # noqa: E402,F401
