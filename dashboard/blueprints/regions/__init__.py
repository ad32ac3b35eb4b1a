"""The address widget (resolve as you type, province → city → county cascade) and the regions JSON API."""

from flask import Blueprint

bp = Blueprint("regions", __name__)

from dashboard.blueprints.regions import views  # noqa: E402,F401
