from flask import Blueprint

from dashboard.services.stock_check import regional_answer
from dashboard.services.stock_check_types import age_text

bp = Blueprint("stock_check", __name__, url_prefix="/stock-check")
bp.add_app_template_filter(age_text, "age_text")
bp.add_app_template_global(regional_answer, "regional_answer")

from dashboard.blueprints.stock_check import views  # noqa: E402,F401
