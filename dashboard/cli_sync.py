"""`flask sync-haier-products` and `flask demo-data`: the sync engine from a terminal.

Progress is a bar on a terminal and plain lines otherwise (cron, CI logs); the per-call log lines of the
Haier client and the ledger are kept at WARNING unless --verbose, so the output stays readable.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from flask import current_app

from dashboard.models import SyncKind, SyncRun, SyncStatus, SyncTrigger
from dashboard.services import sync

STATUS_LABELS = {
    "succeeded": "succeeded",
    "partial": "partial (some products failed)",
    "failed": "FAILED",
    "cancelled": "cancelled",
}
ERRORS_SHOWN = 10
CHANGES_SHOWN = 50
PLAIN_PROGRESS_SECONDS = 2.0


@contextmanager
def _quiet_logs(verbose: bool) -> Iterator[None]:
    logger = logging.getLogger("dashboard")
    level = logger.level
    if not verbose:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


class _Progress:
    """A click progress bar on a TTY, a line every couple of seconds otherwise."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stdout.isatty()
        self._bar = None
        self._shown = 0
        self._last_line = 0.0

    def __call__(self, run: SyncRun) -> None:
        if self.tty:
            if self._bar is None and run.total:
                self._bar = click.progressbar(length=run.total, label=self.label, show_pos=True)
                self._bar.__enter__()
            if self._bar is not None:
                self._bar.update(max(0, run.processed - self._shown))
                self._shown = run.processed
            return
        now = time.monotonic()
        if now - self._last_line >= PLAIN_PROGRESS_SECONDS or (run.total and run.processed >= run.total):
            self._last_line = now
            click.echo(
                f"{self.label}: {run.processed}/{run.total} "
                f"(changed {run.changed}, unchanged {run.unchanged}, failed {run.failed})"
            )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def _run(kind: SyncKind, label: str, **options) -> sync.SyncSummary:
    progress = _Progress(label)
    try:
        return sync.run_sync(kind, progress=progress, **options)
    except sync.SyncAlreadyRunning as running:
        run_id = running.run.id if running.run else "?"
        raise click.ClickException(
            f"another catalogue-wide sync (run #{run_id}) is running; try again later"
        ) from None
    except sync.InvalidSyncRequest as error:
        raise click.UsageError(str(error)) from None
    finally:
        progress.close()


def _print_summary(label: str, summary: sync.SyncSummary) -> None:
    click.echo(
        f"{label} (run #{summary.run_id}): {STATUS_LABELS[summary.status.value]} — "
        f"{summary.total} products: {summary.changed} {'would change' if summary.dry_run else 'changed'}, "
        f"{summary.unchanged} unchanged, {summary.failed} failed"
    )
    if summary.message:
        click.echo(f"  {summary.message}")
    for error in summary.errors[:ERRORS_SHOWN]:
        click.echo(f"  {error.code}: {error.message}")
    if summary.failed > ERRORS_SHOWN:
        click.echo(f"  … and {summary.failed - ERRORS_SHOWN} more failures (see /sync/{summary.run_id})")
    if summary.dry_run:
        for change in summary.changes[:CHANGES_SHOWN]:
            click.echo(f"  would set {change.code} {change.field}: {change.before} -> {change.after}")
        if len(summary.changes) > CHANGES_SHOWN:
            click.echo(f"  … and {len(summary.changes) - CHANGES_SHOWN} more changes")


def _split_codes(values: tuple[str, ...]) -> list[str]:
    return [code.strip() for value in values for code in value.replace(",", " ").split() if code.strip()]


@click.command("sync-haier-products")
@click.option("--sync-stock", is_flag=True, help="Sync stock (check_stock per product for one county).")
@click.option("--sync-prices", is_flag=True, help="Sync purchase prices of the products we have.")
@click.option(
    "--catalogue", "with_catalogue", is_flag=True, help="Also sync product data (the default alone)."
)
@click.option("--county-code", default=None, help="County for stock (6 digits; default DEFAULT_COUNTY_CODE).")
@click.option("--category", default=None, help="Only products of this category (e.g. 冰箱).")
@click.option("--brand", default=None, help="Only products of this brand (e.g. 卡萨帝).")
@click.option(
    "--product-codes",
    multiple=True,
    help="Only these product codes: --product-codes C1 C2 C3 (or repeated, or comma-separated).",
)
@click.argument("more_codes", nargs=-1, metavar="")
@click.option("--concurrency", type=click.IntRange(1, sync.MAX_CONCURRENCY), default=None)
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--verbose", is_flag=True, help="Log every Haier call.")
def sync_haier_products(
    sync_stock: bool,
    sync_prices: bool,
    with_catalogue: bool,
    county_code: str | None,
    category: str | None,
    brand: str | None,
    product_codes: tuple[str, ...],
    more_codes: tuple[str, ...],
    concurrency: int | None,
    dry_run: bool,
    verbose: bool,
) -> None:
    """Sync products from Haier: the catalogue with prices by default; --sync-prices and/or --sync-stock
    for prices or stock alone (add --catalogue to run the catalogue too). Exits 1 when a run failed or was
    partial."""
    if more_codes and not product_codes:
        raise click.UsageError(
            f"unexpected argument {more_codes[0]!r} (product codes go after --product-codes)"
        )
    codes = _split_codes(product_codes + more_codes) or None
    kinds = [
        kind
        for kind, wanted in (
            (SyncKind.CATALOGUE, with_catalogue or not (sync_stock or sync_prices)),
            (SyncKind.PRICES, sync_prices and not with_catalogue),  # the catalogue run includes prices
            (SyncKind.STOCK, sync_stock),
        )
        if wanted
    ]
    options = dict(
        trigger=SyncTrigger.COMMAND,
        operator="system:sync",
        product_codes=codes,
        category=category,
        brand=brand,
        concurrency=concurrency,
        dry_run=dry_run,
    )
    worst_ok = True
    with _quiet_logs(verbose):
        for kind in kinds:
            extra = {"county_code": county_code} if kind is SyncKind.STOCK else {}
            summary = _run(kind, f"{kind.value} sync", **options, **extra)
            _print_summary(f"{kind.value} sync", summary)
            worst_ok = worst_ok and summary.status is SyncStatus.SUCCEEDED
    if not worst_ok:
        sys.exit(1)


@click.command("demo-data")
@click.option("--county-code", default=None, help="County for the demo stock (default DEFAULT_COUNTY_CODE).")
@click.option("--verbose", is_flag=True, help="Log every Haier call.")
def demo_data(county_code: str | None, verbose: bool) -> None:
    """Load demo data from the Haier sandbox: its catalogue with prices, then stock. Safe to run again."""
    if not current_app.config.get("HAIER_USE_MOCK_DATA"):
        raise click.ClickException(
            "demo-data only runs against the sandbox (HAIER_USE_MOCK_DATA is off); "
            "use `flask sync-haier-products` for a real gateway"
        )
    click.echo(f"demo data from the Haier sandbox at {current_app.config['HAIER_BASE_URL']}")
    options = dict(trigger=SyncTrigger.COMMAND, operator="system:demo-data")
    steps: list[tuple[SyncKind, str, Callable[[], dict]]] = [
        (SyncKind.CATALOGUE, "catalogue and prices", dict),
        (SyncKind.STOCK, "stock", lambda: {"county_code": county_code}),
    ]
    with _quiet_logs(verbose):
        for kind, label, extra in steps:
            summary = _run(kind, label, **options, **extra())
            _print_summary(label, summary)
            # Partial is expected (the sandbox, like Haier, refuses some products in some regions).
            if summary.status is SyncStatus.FAILED:
                raise click.ClickException(f"{label} failed; is the sandbox running at HAIER_BASE_URL?")
