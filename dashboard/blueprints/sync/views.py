"""The sync page (admins): start a run in the background, watch it by polling a status partial, cancel it,
read the history. And the product page's "同步库存" / "同步价格" buttons (operators).

The status partial answers 286 once the run has ended, which stops htmx's polling, and fires
`sync-run-finished` so the history reloads.
"""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dashboard.blueprints.sync import bp
from dashboard.blueprints.sync.forms import (
    FILTER_FIELDS,
    ProductPriceSyncForm,
    ProductStockSyncForm,
    StartSyncForm,
)
from dashboard.extensions import db
from dashboard.haier import HaierError
from dashboard.htmx import (
    STOP_POLLING,
    hx_trigger,
    is_htmx_partial_request,
    render_page_or_fragment,
)
from dashboard.models import Product, Role, Source, SyncRun, SyncStatus, SyncTrigger
from dashboard.security import role_required
from dashboard.services import catalogue, sync

RUN_FINISHED_EVENT = "sync-run-finished"
STOCK_CHANGED_EVENT = "stock-changed"  # reloads #stock-summary (see products/_stock_summary.html)
HISTORY_SIZE = 30
KIND_LABELS = {"catalogue": "商品目录和价格", "prices": "价格", "stock": "库存"}
TRIGGER_LABELS = {"button": "手动", "command": "命令行", "schedule": "定时任务"}
STATUS_LABELS = {
    "running": "进行中",
    "succeeded": "成功",
    "partial": "部分失败",
    "failed": "失败",
    "cancelled": "已取消",
}


@bp.app_context_processor
def _labels():
    return {
        "sync_kind_labels": KIND_LABELS,
        "sync_trigger_labels": TRIGGER_LABELS,
        "sync_status_labels": STATUS_LABELS,
    }


def _start_form(form: StartSyncForm | None = None) -> StartSyncForm:
    if form is not None:
        return form
    form = StartSyncForm(formdata=None)
    for name in FILTER_FIELDS:
        getattr(form, name).data = (request.args.get(name) or "").strip()
    if form.catalogue_filter():
        form.scope.data = "filter"
    return form


def _index_context(form: StartSyncForm | None = None) -> dict:
    return {
        "form": _start_form(form),
        "running": sync.running_runs(),
        "runs": sync.recent_runs(HISTORY_SIZE),
    }


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    try:
        catalogue.parse_filter(request.args)
    except catalogue.InvalidFilter as error:
        return render_template("errors/error.html", code=400, message=str(error)), 400
    return render_page_or_fragment("sync/index.html", "sync/_history.html", **_index_context())


@bp.post("/start")
@role_required(Role.ADMIN)
def start():
    form = StartSyncForm()
    if form.validate_on_submit():
        options = {"county_code": form.county_code.data or None} if form.kind.data == "stock" else {}
        if form.scope.data == "filter":
            if not form.catalogue_filter():
                form.scope.errors = ["当前没有筛选条件；请在商品目录中筛选后再来，或选择“全部商品”。"]
                return _form_errors(form)
            options["catalogue_filter"] = form.catalogue_filter()
        try:
            run = sync.start_sync_in_background(
                form.kind.data, trigger=SyncTrigger.BUTTON, operator=current_user.username, **options
            )
        except sync.SyncAlreadyRunning as busy:
            return _already_running(busy.run)
        except sync.InvalidSyncRequest as error:
            form.county_code.errors = [str(error)]
            return _form_errors(form)
        if not is_htmx_partial_request():
            return redirect(url_for("sync.run_detail", run_id=run.id), code=303)
        return render_template("sync/_status.html", run=run, notice="同步已开始。")
    return _form_errors(form)


def _form_errors(form: StartSyncForm):
    if not is_htmx_partial_request():
        return render_template("sync/index.html", **_index_context(form)), 422
    response = current_app.make_response((render_template("sync/_start_form.html", form=form), 422))
    # The form posts into #sync-current; its errors belong in the form itself.
    response.headers["HX-Retarget"] = "#sync-start"
    response.headers["HX-Reswap"] = "innerHTML"
    return response


def _already_running(run: SyncRun | None):
    message = "已有一个全目录同步正在进行，请等它结束或先取消它。"
    if not is_htmx_partial_request():
        flash(message, "warning")
        target = url_for("sync.run_detail", run_id=run.id) if run else url_for("sync.index")
        return redirect(target, code=303)
    if run is None:
        return render_template("sync/_notice.html", message=message), 409
    return render_template("sync/_status.html", run=run, notice=message), 409


def _run_context(run: SyncRun) -> dict:
    codes = [error.get("code") for error in run.errors or [] if error.get("code")]
    return {"run": run, "product_ids": sync.product_ids_for_codes(codes)}


@bp.get("/runs/<int:run_id>")
@role_required(Role.ADMIN)
def run_detail(run_id: int):
    run = db.get_or_404(SyncRun, run_id)
    return render_page_or_fragment("sync/run.html", "sync/_status.html", **_run_context(run))


@bp.get("/runs/<int:run_id>/status")
@role_required(Role.ADMIN)
def run_status(run_id: int):
    """The polled progress partial: 286 (stop polling) once the run has ended."""
    run = db.get_or_404(SyncRun, run_id)
    finished = run.status != SyncStatus.RUNNING.value
    status = STOP_POLLING if finished and is_htmx_partial_request() else 200
    response = render_page_or_fragment("sync/run.html", "sync/_status.html", status, **_run_context(run))
    return hx_trigger(response, RUN_FINISHED_EVENT) if finished else response


@bp.post("/runs/<int:run_id>/cancel")
@role_required(Role.ADMIN)
def cancel(run_id: int):
    run = db.get_or_404(SyncRun, run_id)
    sync.cancel_sync(run.id)
    db.session.refresh(run)
    if not is_htmx_partial_request():
        flash("已请求取消同步。", "info")
        return redirect(url_for("sync.run_detail", run_id=run.id), code=303)
    return render_template("sync/_status.html", run=run)


# --- the product page's buttons -------------------------------------------------------------------------------


def _product_result(product: Product, *, status: int = 200, **context):
    """The result partial for htmx; a flash and a 303 back to the product page for a plain post."""
    if not is_htmx_partial_request():
        message = context.get("error") or context.get("message")
        flash(message, "danger" if context.get("error") else "success")
        return redirect(url_for("products.detail", product_id=product.id), code=303)
    html = render_template("sync/_product_result.html", product=product, **context)
    return current_app.make_response((html, status))


@bp.post("/products/<int:product_id>/stock")
@role_required(Role.OPERATOR)
def product_stock(product_id: int):
    product = db.get_or_404(Product, product_id)
    form = ProductStockSyncForm()
    if not form.validate_on_submit():
        return _product_result(product, status=422, error="；".join(sum(form.errors.values(), [])))
    try:
        result = sync.sync_product_stock(
            product.id,
            county_code=form.county_code.data or None,
            operator=current_user.username,
            source=Source.WEB,
        )
    except sync.InvalidSyncRequest as error:
        return _product_result(product, status=422, error=str(error))
    except HaierError as error:
        # Haier's failure is the answer to show, not a server error: the stock is left as it was.
        return _product_result(product, error=f"{sync.describe_haier_error(error)}（库存未改变）")
    db.session.refresh(product)
    if result.changed:
        change = result.changes[0]
        message = f"库存已同步：{change.before} → {change.after}"
    else:
        message = f"库存未变化：{product.stock}"
    response = _product_result(product, message=message, result=result)
    return hx_trigger(response, STOCK_CHANGED_EVENT) if is_htmx_partial_request() else response


@bp.post("/products/<int:product_id>/prices")
@role_required(Role.OPERATOR)
def product_prices(product_id: int):
    product = db.get_or_404(Product, product_id)
    if not ProductPriceSyncForm().validate_on_submit():
        return _product_result(product, status=422, error="请求无效，请刷新页面后重试")
    try:
        result = sync.sync_product_prices(product.id, operator=current_user.username)
    except HaierError as error:
        return _product_result(product, error=f"{sync.describe_haier_error(error)}（价格未改变）")
    db.session.refresh(product)
    message = f"价格已同步：{len(result.changes)} 项有变化" if result.changed else "价格未变化"
    return _product_result(product, message=message, result=result, show_prices=True)
