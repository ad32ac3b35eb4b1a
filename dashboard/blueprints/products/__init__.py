from flask import Blueprint

bp = Blueprint("products", __name__, url_prefix="/products")

from dashboard.blueprints.products import views  # noqa: E402,F401
