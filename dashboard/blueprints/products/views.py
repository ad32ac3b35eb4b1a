from flask import current_app, render_template, request

from dashboard.blueprints.products import bp
from dashboard.extensions import db
from dashboard.htmx import render_page_or_fragment
from dashboard.models import Product, Role
from dashboard.security import role_required
from dashboard.services import catalogue


@bp.get("/")
@role_required(Role.VIEWER)
def index():
    try:
        f = catalogue.parse_filter(request.args)
    except catalogue.InvalidFilter as error:
        return render_template("errors/error.html", code=400, message=str(error)), 400
    page = catalogue.search_products(
        f, current_app.config["PRODUCTS_PER_PAGE"], current_app.config["LOW_STOCK_THRESHOLD"]
    )
    return render_page_or_fragment(
        "products/index.html",
        "products/_table.html",
        page=page,
        f=f,
        options=catalogue.filter_options(),
        low_threshold=current_app.config["LOW_STOCK_THRESHOLD"],
    )


@bp.get("/<int:product_id>")
@role_required(Role.VIEWER)
def detail(product_id: int):
    product = db.get_or_404(Product, product_id)
    return render_template(
        "products/detail.html",
        product=product,
        low_threshold=current_app.config["LOW_STOCK_THRESHOLD"],
    )
