"""Benchmark the Haier client against the sandbox over loopback HTTP.

1. Overhead per check_stock with zero sandbox latency, against a bare ``requests.post`` of the same
   body (and, for reference, a bare pooled ``Session.post``), interleaved in one run.
   Target: the client adds <= 1 ms at p50 over the bare post.
2. Throughput of 16 threads against the sandbox with 50 ms latency and its 100/s limit, with the
   client's default (shared) rate limiter. Target: >= 95 calls/s with no 429 seen.

    .venv/bin/python bench/bench_haier_client.py [--calls 1500] [--seconds 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard.haier import (  # noqa: E402
    CallRecord,
    HaierAPI,
    HaierBusinessError,
    LocalTokenStore,
    RateLimiter,
)
from dashboard.haier.client import PATHS  # noqa: E402
from dashboard.haier.sandbox import create_sandbox_app, get_sandbox_state  # noqa: E402
from dashboard.haier.sandbox.catalogue import catalogue  # noqa: E402
from dashboard.haier.sandbox.server import serve_in_thread  # noqa: E402

CATALOGUE_SIZE = 200
COUNTY = "110105"


def sellable_codes(client: HaierAPI) -> list[str]:
    """Codes the sandbox sells in COUNTY (some products are not released in some regions)."""
    codes = []
    for product in catalogue(CATALOGUE_SIZE):
        try:
            client.check_stock(product.code, COUNTY)
        except HaierBusinessError:
            continue
        codes.append(product.code)
    return codes


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def overhead(calls: int) -> None:
    app = create_sandbox_app(
        {
            "HAIER_SANDBOX_CATALOGUE_SIZE": CATALOGUE_SIZE,
            "HAIER_SANDBOX_LATENCY_MS": 0,
            "HAIER_SANDBOX_RATE_LIMIT": 0,  # off: this measures the client, not pacing
        }
    )
    server = serve_in_thread(app)
    try:
        # The limiter stays in the path but never binds, so its cost is part of the figure.
        sandbox = get_sandbox_state(app).settings
        client = HaierAPI.from_settings(
            sandbox.client_config(server.url),
            token_store=LocalTokenStore(),
            rate_limiter=RateLimiter(1e9, burst=1e9),
        )
        token = client.authenticate()
        codes = sellable_codes(client)
        url = server.url + PATHS["check_stock"]
        headers = {"Authorization": token, "Content-Type": "application/json"}
        session = requests.Session()

        def body(code: str) -> dict:
            return {
                "salesCode": sandbox.customer_code,
                "senderCode": sandbox.send_to_code,
                "productCode": code,
                "countyCode": COUNTY,
                "source": "JSH-B",
                "sellerPassword": sandbox.seller_password,
            }

        timings: dict[str, list[float]] = {"client": [], "requests.post": [], "session.post": []}
        for i in range(calls + 50):
            code = codes[i % len(codes)]
            samples = {}
            t = time.perf_counter()
            client.check_stock(code, COUNTY)
            samples["client"] = time.perf_counter() - t
            t = time.perf_counter()
            requests.post(url, json=body(code), headers=headers, timeout=(5, 30)).json()
            samples["requests.post"] = time.perf_counter() - t
            t = time.perf_counter()
            session.post(url, json=body(code), headers=headers, timeout=(5, 30)).json()
            samples["session.post"] = time.perf_counter() - t
            if i >= 50:  # warm-up discarded
                for name, value in samples.items():
                    timings[name].append(value * 1000)
        print(f"(1) check_stock overhead, {calls} calls each, sandbox latency 0 ms")
        for name, values in timings.items():
            print(
                f"    {name:14s} p50 {pct(values, 50):6.3f} ms  p90 {pct(values, 90):6.3f} ms"
                f"  mean {statistics.fmean(values):6.3f} ms"
            )
        for ref in ("requests.post", "session.post"):
            added = pct(timings["client"], 50) - pct(timings[ref], 50)
            print(f"    client p50 minus {ref} p50: {added:+.3f} ms (target <= +1 ms vs requests.post)")
        client.close()
    finally:
        server.shutdown()


def throughput(seconds: float, threads: int = 16) -> None:
    app = create_sandbox_app(
        {
            "HAIER_SANDBOX_CATALOGUE_SIZE": CATALOGUE_SIZE,
            "HAIER_SANDBOX_LATENCY_MS": 50,
            "HAIER_SANDBOX_RATE_LIMIT": 100,
        }
    )
    server = serve_in_thread(app)
    try:
        records: list[CallRecord] = []
        lock = threading.Lock()

        def observe(record: CallRecord) -> None:
            with lock:
                records.append(record)

        # Default wiring: the process-wide token store and the shared rate limiter.
        client = HaierAPI.from_settings(
            get_sandbox_state(app).settings.client_config(server.url), observers=[observe]
        )
        client.authenticate()
        codes = sellable_codes(client)
        records.clear()
        get_sandbox_state(app).reset()
        stop = time.monotonic() + seconds
        failures: list[BaseException] = []

        def worker(offset: int) -> None:
            i = offset
            while time.monotonic() < stop:
                try:
                    client.check_stock(codes[i % len(codes)], COUNTY)
                except Exception as exc:  # counted and reported, the run goes on
                    failures.append(exc)
                i += threads

        started = time.monotonic()
        pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        elapsed = time.monotonic() - started
        calls = [r for r in records if r.endpoint == "check_stock"]
        ok = sum(1 for r in calls if r.outcome == "ok")
        seen_429 = sum(r.rate_limited for r in calls)
        counters = get_sandbox_state(app).counters()
        latencies = [r.duration_s * 1000 for r in calls]
        print(f"(2) throughput, {threads} threads, {elapsed:.1f} s, sandbox latency 50 ms, limit 100/s")
        print(f"    ok calls {ok}  -> {ok / elapsed:.1f} calls/s (target >= 95)")
        print(
            f"    429 seen by client {seen_429}, 429 counted by sandbox "
            f"{counters['calls']['stock'].get('429', 0)}, failures {len(failures)}"
        )
        print(f"    busiest second at the sandbox: {counters['max_calls_per_second']} calls")
        print(f"    call latency p50 {pct(latencies, 50):.1f} ms  p90 {pct(latencies, 90):.1f} ms")
        client.close()
    finally:
        server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1500)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    overhead(args.calls)
    throughput(args.seconds)


if __name__ == "__main__":
    main()
