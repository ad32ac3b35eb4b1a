"""Benchmark the sync engine against the sandbox: 5,000 products, 50 ms latency, Haier's 100 calls/s limit.

1. Catalogue sync of 5,000 products (one full listing, then prices in batches of 20), in seconds.
2. Stock sync of every product with the default pool (SYNC_CONCURRENCY, 16): achieved calls/s as a fraction
   of the limit (target >= 0.9), and the 429s the sandbox had to send.
3. The old way, one call after another (concurrency 1), in the same run: measured on a sample of products
   and extrapolated to the full catalogue (the sample size is printed).

The sandbox runs in its own process (as with `make run`), so its GIL does not slow the client's workers.

    .venv/bin/python bench/bench_sync.py [--products 5000] [--sequential-sample 300] [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bench._common import bench_app, postgres_database, sqlite_database  # noqa: E402
from dashboard.extensions import db  # noqa: E402
from dashboard.haier.sandbox.settings import load_settings  # noqa: E402
from dashboard.models import Product, SyncKind, SyncTrigger  # noqa: E402

LIMIT = 100
LATENCY_MS = 50


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_sandbox(products: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "HAIER_SANDBOX_CATALOGUE_SIZE": str(products),
        "HAIER_SANDBOX_LATENCY_MS": str(LATENCY_MS),
        "HAIER_SANDBOX_RATE_LIMIT": str(LIMIT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard.haier.sandbox", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{url}/_sandbox/counters", timeout=1)
            return process, url
        except requests.RequestException:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise SystemExit("the sandbox did not start") from None
            time.sleep(0.2)


def counters(url: str) -> dict:
    return requests.get(f"{url}/_sandbox/counters", timeout=5).json()


def stock_calls(url: str) -> tuple[int, int]:
    calls = counters(url)["calls"]["stock"]
    return sum(calls.values()), calls.get("429", 0)


def client_settings(url: str) -> dict:
    # The sandbox's own credentials (defaults, or its HAIER_SANDBOX_* environment), as the client needs them.
    return {**load_settings().client_config(url), "DEFAULT_COUNTY_CODE": "110105", "LOG_LEVEL": "WARNING"}


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def run(database_uri: str, url: str, sample: int) -> None:
    from dashboard.services import sync

    app = bench_app(database_uri, **client_settings(url))
    logging.getLogger("dashboard").setLevel(logging.WARNING)
    with app.app_context():
        summary, seconds = timed(
            lambda: sync.run_sync(SyncKind.CATALOGUE, trigger=SyncTrigger.COMMAND, operator="bench")
        )
        print(
            f"  catalogue sync: {summary.total} products in {seconds:.1f} s "
            f"({summary.status.value}; {summary.changed} written)"
        )
        again, seconds_again = timed(
            lambda: sync.run_sync(SyncKind.CATALOGUE, trigger=SyncTrigger.COMMAND, operator="bench")
        )
        print(f"  catalogue sync again (nothing to write): {seconds_again:.1f} s, {again.changed} changed")

        before, before_429 = stock_calls(url)
        summary, seconds = timed(
            lambda: sync.run_sync(SyncKind.STOCK, trigger=SyncTrigger.COMMAND, operator="bench")
        )
        after, after_429 = stock_calls(url)
        calls = after - before
        rate = calls / seconds
        print(
            f"  stock sync, {app.config['SYNC_CONCURRENCY']} workers: {summary.total} products, {calls} calls "
            f"in {seconds:.1f} s = {rate:.1f} calls/s = {rate / LIMIT:.2f} of the {LIMIT}/s limit "
            f"(target >= 0.90); 429s {after_429 - before_429}; {summary.changed} changed, "
            f"{summary.failed} refused/failed; busiest second at the sandbox "
            f"{counters(url)['max_calls_per_second']}"
        )

        before, before_429 = stock_calls(url)
        again, seconds = timed(
            lambda: sync.run_sync(SyncKind.STOCK, trigger=SyncTrigger.COMMAND, operator="bench")
        )
        after, after_429 = stock_calls(url)
        rate = (after - before) / seconds
        print(
            f"  stock sync again (steady state, {again.changed} changed): {after - before} calls in {seconds:.1f} s "
            f"= {rate:.1f} calls/s = {rate / LIMIT:.2f} of the limit; 429s {after_429 - before_429}"
        )

        codes = list(db.session.execute(select(Product.code).order_by(Product.id).limit(sample)).scalars())
        db.session.commit()
        before, _ = stock_calls(url)
        _, seq_seconds = timed(
            lambda: sync.run_sync(
                SyncKind.STOCK,
                trigger=SyncTrigger.COMMAND,
                operator="bench",
                product_codes=codes,
                concurrency=1,
            )
        )
        seq_calls = stock_calls(url)[0] - before
        seq_rate = seq_calls / seq_seconds
        full = summary.total / seq_rate
        print(
            f"  sequential (old way), sampled on {len(codes)} products: {seq_rate:.1f} calls/s; "
            f"extrapolated to {summary.total} products: {full:.0f} s vs {seconds:.0f} s "
            f"(x{full / seconds:.1f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--sequential-sample", type=int, default=300)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    process, url = start_sandbox(args.products)
    print(
        f"sync benchmark: {args.products} products, sandbox {LATENCY_MS} ms latency, {LIMIT}/s limit ({url})"
    )
    try:
        databases = sqlite_database() if args.database == "sqlite" else postgres_database()
        with databases as uri:
            if uri is None:
                return
            print(f"  database: {args.database}")
            run(uri, url, args.sequential_sample)
    finally:
        process.terminate()
        process.wait(10)


if __name__ == "__main__":
    main()
