"""The stock log and the reservations: filtered pages (htmx fragments for the tables) and CSV downloads."""

from flask import Response, current_app, render_template, request, stream_with_context

from dashboard.blueprints.stock_logs import bp
from dashboard.htmx import render_page_or_fragment
from dashboard.models import ChangeType, Role, Source
from dashboard.security import role_required
from dashboard.services import csv_export, stock_log
from dashboard.services.ledger_filters import InvalidFilter, parse_log_filter, parse_reservation_filter


def _bad_filter(error: InvalidFilter):
    return render_template("errors/error.html", code=400, message=str(error)), 400


def _csv_download(chunks, filename: str) -> Response:
    response = Response(stream_with_context(chunks), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/stock-logs/")
@role_required(Role.VIEWER)
def index():
    try:
        f = parse_log_filter(request.args)
    except InvalidFilter as error:
        return _bad_filter(error)
    page = stock_log.search_logs(f, current_app.config["STOCK_LOGS_PER_PAGE"])
    return render_page_or_fragment(
        "stock_logs/index.html",
        "stock_logs/_table.html",
        page=page,
        f=f,
        change_types=list(ChangeType),
        sources=list(Source),
    )


@bp.get("/stock-logs/export.csv")
@role_required(Role.VIEWER)
def export():
    try:
        f = parse_log_filter(request.args)
    except InvalidFilter as error:
        return _bad_filter(error)
    rows = csv_export.log_cells(stock_log.iter_log_batches(f))
    return _csv_download(csv_export.stream_csv(csv_export.LOG_HEADER, rows), f.filename("stock-log"))


@bp.get("/reservations/")
@role_required(Role.VIEWER)
def reservations():
    try:
        f = parse_reservation_filter(request.args)
    except InvalidFilter as error:
        return _bad_filter(error)
    page = stock_log.search_reservations(f, current_app.config["STOCK_LOGS_PER_PAGE"])
    return render_page_or_fragment(
        "stock_logs/reservations.html",
        "stock_logs/_reservations_table.html",
        page=page,
        f=f,
    )


@bp.get("/reservations/export.csv")
@role_required(Role.VIEWER)
def reservations_export():
    try:
        f = parse_reservation_filter(request.args)
    except InvalidFilter as error:
        return _bad_filter(error)
    rows = csv_export.reservation_cells(stock_log.iter_reservation_batches(f))
    return _csv_download(
        csv_export.stream_csv(csv_export.RESERVATION_HEADER, rows), f.filename("reservations")
    )
