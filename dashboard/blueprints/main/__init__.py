from flask import Blueprint, redirect, url_for

from dashboard.models import Role
from dashboard.security import role_required

bp = Blueprint("main", __name__)


@bp.get("/")
@role_required(Role.VIEWER)
def index():
    return redirect(url_for("products.index"))
