"""The product page's stock panel: adjust, lock and release through the ledger, answered as the new panel.

htmx posts get the re-rendered panel (422 with inline errors, 409 when the stock changed under the user)
and, on success, an HX-Trigger event that makes #stock-summary reload. Plain posts (no JavaScript) get a
303 back to the product page, or the full stock page with the errors.
"""

from flask import abort, current_app, flash, g, redirect, url_for
from flask_login import current_user

from dashboard.blueprints.stock import bp
from dashboard.blueprints.stock.forms import AdjustForm, LockForm, ReleaseForm
from dashboard.extensions import db
from dashboard.htmx import hx_trigger, is_htmx_partial_request, render_page_or_fragment
from dashboard.models import Product, Role, Source, StockReservation
from dashboard.security import role_required
from dashboard.services import inventory, stock_log
from dashboard.services.inventory import InvalidInput, InventoryError, StockChange, StockChanged

STOCK_CHANGED_EVENT = "stock-changed"
# Service field names → the form field that shows the message.
FIELD_FOR = {
    "delta": "amount",
    "new_stock": "amount",
    "quantity": "quantity",
    "reason": "note",
    "reference": "reference",
}


def _panel_context(
    product: Product, *, adjust=None, lock=None, release=None, notice=None, notice_kind="info"
):
    """Everything the panel shows; every form gets a fresh idempotency key as it is rendered."""
    adjust = adjust or AdjustForm(prefix="adjust", formdata=None)
    lock = lock or LockForm(prefix="lock", formdata=None)
    adjust.renew_key()
    lock.renew_key()
    adjust.expected_stock.data = product.stock
    adjust.expected_stock.raw_data = None  # else the submitted (stale) figure is rendered again
    release_forms = []
    for reservation in inventory.open_reservations(product.id):
        form = release[1] if release and release[0] == reservation.id else None
        form = form or ReleaseForm(prefix=f"release-{reservation.id}", formdata=None)
        form.renew_key()
        release_forms.append((reservation, form))
    return {
        "product": product,
        "adjust": adjust,
        "lock": lock,
        "release_forms": release_forms,
        "recent": stock_log.recent_logs(product.id),
        "notice": notice,
        "notice_kind": notice_kind,
        "low_threshold": current_app.config["LOW_STOCK_THRESHOLD"],
    }


def _panel(product: Product, status: int = 200, **forms_and_notice):
    context = _panel_context(product, **forms_and_notice)
    return render_page_or_fragment("stock/panel.html", "stock/_panel.html", status, **context)


def _who() -> dict:
    return {"operator": current_user.username, "source": Source.WEB, "request_id": g.get("request_id")}


def _refused(form, error: InventoryError) -> None:
    """Show a refusal beside the field it is about, or at the top of the form."""
    name = FIELD_FOR.get(error.field, "") if isinstance(error, InvalidInput) else ""
    field = getattr(form, name, None)
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _done(product: Product, change: StockChange, message: str):
    if change.replayed:
        message = "重复提交：这项操作已经执行过，没有再执行一次。"
    if not is_htmx_partial_request():
        flash(message, "success")
        return redirect(url_for("products.detail", product_id=product.id), code=303)
    return hx_trigger(_panel(product, notice=message, notice_kind="success"), STOCK_CHANGED_EVENT)


def _figures(change: StockChange) -> str:
    return f"库存 {change.stock_after}，可用 {change.available_after}"


@bp.get("/")
@role_required(Role.VIEWER)
def panel(product_id: int):
    return _panel(db.get_or_404(Product, product_id))


@bp.get("/summary")
@role_required(Role.VIEWER)
def summary(product_id: int):
    """The figures block (#stock-summary) the product page reloads after the stock-changed event."""
    context = _panel_context(db.get_or_404(Product, product_id))
    return render_page_or_fragment("stock/panel.html", "products/_stock_summary.html", **context)


@bp.post("/adjust")
@role_required(Role.OPERATOR)
def adjust(product_id: int):
    product = db.get_or_404(Product, product_id)
    form = AdjustForm(prefix="adjust")
    if not form.validate_on_submit():
        return _panel(product, 422, adjust=form)
    amount = {"delta": form.amount.data} if form.mode.data == "delta" else {"new_stock": form.amount.data}
    try:
        change = inventory.adjust_stock(
            product.id,
            form.full_reason(),
            expected_stock=form.expected_stock.data,
            reference=form.reference.data,
            idempotency_key=form.idempotency_key.data or None,
            **amount,
            **_who(),
        )
    except StockChanged as changed:
        return _panel(product, 409, adjust=form, notice=changed.message, notice_kind="warning")
    except InventoryError as error:
        _refused(form, error)
        return _panel(product, 422, adjust=form)
    return _done(product, change, f"已调整库存 {change.quantity:+d}：{_figures(change)}")


@bp.post("/lock")
@role_required(Role.OPERATOR)
def lock(product_id: int):
    product = db.get_or_404(Product, product_id)
    form = LockForm(prefix="lock")
    if not form.validate_on_submit():
        return _panel(product, 422, lock=form)
    try:
        change = inventory.lock_stock(
            product.id,
            form.quantity.data,
            form.full_reason(),
            reference=form.reference.data,
            idempotency_key=form.idempotency_key.data or None,
            **_who(),
        )
    except InventoryError as error:
        _refused(form, error)
        return _panel(product, 422, lock=form)
    return _done(
        product, change, f"已锁定 {-change.quantity}（锁定记录 #{change.reservation_id}）：{_figures(change)}"
    )


@bp.post("/reservations/<int:reservation_id>/release")
@role_required(Role.OPERATOR)
def release(product_id: int, reservation_id: int):
    product = db.get_or_404(Product, product_id)
    reservation = db.get_or_404(StockReservation, reservation_id)
    if reservation.product_id != product.id:
        abort(404)
    form = ReleaseForm(prefix=f"release-{reservation_id}")
    if not form.validate_on_submit():
        return _panel(product, 422, release=(reservation_id, form))
    try:
        change = inventory.release_stock(
            reservation_id,
            form.full_reason(),
            quantity=form.quantity.data,
            idempotency_key=form.idempotency_key.data or None,
            **_who(),
        )
    except InventoryError as error:
        # A closed reservation has no form left in the panel: say it at the top as well.
        _refused(form, error)
        return _panel(
            product, 422, release=(reservation_id, form), notice=error.message, notice_kind="warning"
        )
    return _done(
        product, change, f"已释放 {change.quantity}（锁定记录 #{change.reservation_id}）：{_figures(change)}"
    )
