from flask import Blueprint

bp = Blueprint("stock_logs", __name__)

from dashboard.blueprints.stock_logs import views  # noqa: E402,F401
