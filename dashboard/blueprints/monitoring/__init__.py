from flask import Blueprint

bp = Blueprint("monitoring", __name__, url_prefix="/monitoring")

from dashboard.blueprints.monitoring import views  # noqa: E402,F401
