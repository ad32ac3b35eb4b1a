"""CSV export of 1,000,000 stock log rows through the real view (/stock-logs/export.csv): rows per second and the
peak RSS of the exporting process. Target: >= 100,000 rows/s and < 150 MB.

The rows are loaded in this process; the export runs in a fresh child process that never held the data set.
Signing in hashes a password (scrypt needs tens of MB), so the child resets its high-water mark after
signing in (Linux /proc/self/clear_refs) and reports the peak RSS reached during the export itself, along with
its RSS once the app was ready.
Run: .venv/bin/python bench/bench_csv_export.py [--rows N] [--postgres]
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from bench._common import bench_app, postgres_database, sqlite_database  # noqa: E402
from dashboard.extensions import db  # noqa: E402
from dashboard.models import InventoryLog, Product  # noqa: E402
from dashboard.services import accounts  # noqa: E402
from dashboard.timeutil import utcnow  # noqa: E402

PASSWORD = "bench-password-123"
BATCH = 20_000


def load(uri: str, rows: int) -> None:
    app = bench_app(uri, LOG_LEVEL="WARNING")
    with app.app_context():
        accounts.create_user("bench-viewer", "viewer", PASSWORD)
        products = [Product(code=f"CSV{i:04d}", name=f"海尔 冰箱 BCD-{i}") for i in range(200)]
        db.session.add_all(products)
        db.session.commit()
        ids = [p.id for p in products]
        start = utcnow() - timedelta(days=365)
        kinds = ["lock", "release", "adjust", "sync"]
        began = time.perf_counter()
        for offset in range(0, rows, BATCH):
            batch = [
                {
                    "product_id": ids[i % len(ids)],
                    "change_type": kinds[i % 4],
                    "quantity": (i % 7) - 3,
                    "stock_before": 100,
                    "stock_after": 100 + (i % 7) - 3,
                    "available_before": 90,
                    "available_after": 90 + (i % 7) - 3,
                    "reason": "=SUM(A1)" if i % 1000 == 0 else "盘点差异",
                    "reference": f"SO-{i}",
                    "operator": f"user-{i % 50}",
                    "source": "web",
                    "request_id": None,
                    "created_at": start + timedelta(seconds=i * 30),
                }
                for i in range(offset, min(rows, offset + BATCH))
            ]
            db.session.execute(insert(InventoryLog), batch)
            db.session.commit()
        print(f"  loaded {rows:,} log rows in {time.perf_counter() - began:.1f} s")
        db.session.remove()
        db.engine.dispose()


def export_in_child(uri: str) -> dict:
    """Run this script with --export-only in a new process and read its JSON line."""
    out = subprocess.run(
        [sys.executable, __file__, "--export-only", uri], stdout=subprocess.PIPE, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak_rss() -> float:
    """Reset the peak-RSS mark (VmHWM) to the current RSS; return the current RSS in MB."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS")


def _peak_rss_mb() -> float:
    return _status_mb("VmHWM")


def export_only(uri: str) -> None:
    from dashboard import create_app
    from dashboard.config import TestConfig

    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(SQLALCHEMY_DATABASE_URI=uri, LOG_LEVEL="WARNING", WTF_CSRF_ENABLED=False)
    app = create_app(config)
    client = app.test_client()
    response = client.post("/login", data={"username": "bench-viewer", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    rss_before = _reset_peak_rss()
    began = time.perf_counter()
    first_chunk_at = None
    lines = size = 0
    response = client.get("/stock-logs/export.csv", buffered=False)
    for chunk in response.response:
        if first_chunk_at is None:
            first_chunk_at = time.perf_counter() - began
        data = chunk.encode() if isinstance(chunk, str) else chunk
        size += len(data)
        lines += data.count(b"\r\n")
    response.close()
    seconds = time.perf_counter() - began
    print(
        json.dumps(
            {
                "rows": lines - 1,  # minus the header
                "seconds": seconds,
                "first_chunk_ms": (first_chunk_at or 0) * 1000,
                "megabytes": size / 1e6,
                "rss_before_mb": rss_before,
                "peak_rss_mb": _peak_rss_mb(),
            }
        )
    )


def bench(label: str, uri: str, rows: int) -> None:
    load(uri, rows)
    result = export_in_child(uri)
    assert result["rows"] == rows, result
    rate = result["rows"] / result["seconds"]
    print(
        f"  {label:<10} {result['rows']:,} rows in {result['seconds']:.1f} s = {rate:,.0f} rows/s "
        f"({result['megabytes']:.0f} MB of CSV, first bytes after {result['first_chunk_ms']:.0f} ms); "
        f"peak RSS {result['peak_rss_mb']:.0f} MB (app ready: {result['rss_before_mb']:.0f} MB)"
    )
    verdict = "meets" if rate >= 100_000 and result["peak_rss_mb"] < 150 else "MISSES"
    print(f"  {label:<10} {verdict} the target (>= 100,000 rows/s, < 150 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--postgres", action="store_true", help="also run on a throw-away PostgreSQL database"
    )
    parser.add_argument("--export-only", metavar="URI", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.export_only:
        export_only(args.export_only)
        return
    print(f"Stock log CSV export ({args.rows:,} rows):")
    with sqlite_database() as uri:
        bench("SQLite", uri, args.rows)
    if args.postgres:
        with postgres_database() as uri:
            if uri:
                bench("PostgreSQL", uri, args.rows)


if __name__ == "__main__":
    main()
