from flask import Blueprint

bp = Blueprint("haier_info", __name__)

from dashboard.blueprints.haier_info import views  # noqa: E402,F401
