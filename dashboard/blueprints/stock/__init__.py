from flask import Blueprint

bp = Blueprint("stock", __name__, url_prefix="/products/<int:product_id>/stock")

from dashboard.blueprints.stock import views  # noqa: E402,F401
