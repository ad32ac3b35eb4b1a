"""Server time of the live stock check through the WSGI app, with the in-process cache and with Redis.

For each cache backend:
- cache hit: the page fragment (POST /stock-check/check, HX-Request, signed-in session) and the JSON API
  (GET /api/haier/stock/ with a personal bearer token). Target p50 <= 2 ms.
- cache miss (refresh, so Haier is asked) against the sandbox with zero latency, interleaved with the bare
  Haier client call it makes (the sandbox's own time, seen from the client). Target: <= 5 ms above it.

    .venv/bin/python bench/bench_stock_check.py [--repeat 300]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench._common import bench_app, percentiles, report, sqlite_database  # noqa: E402
from dashboard.haier import get_haier_client  # noqa: E402
from dashboard.haier.sandbox import create_sandbox_app  # noqa: E402
from dashboard.haier.sandbox.catalogue import catalogue  # noqa: E402
from dashboard.haier.sandbox.server import serve_in_thread  # noqa: E402
from dashboard.haier.sandbox.settings import load_settings  # noqa: E402
from dashboard.haier.sandbox.stock import NotPurchasable, stock_rows  # noqa: E402
from dashboard.services import accounts, api_tokens  # noqa: E402
from tests.factories import make_product  # noqa: E402

COUNTY = "110105"
CATALOGUE_SIZE = 200
PASSWORD = "bench-password-123"
REDIS_URL = "redis://127.0.0.1:6379/0"


def haier_settings(url: str) -> dict:
    # The sandbox's own credentials (defaults, or its HAIER_SANDBOX_* environment), as the client needs them.
    return load_settings().client_config(url)


def sellable_code() -> str:
    for product in catalogue(CATALOGUE_SIZE):
        try:
            rows = stock_rows(product, COUNTY, 0, 300)
        except NotPurchasable:
            continue
        if rows:
            return product.code
    raise LookupError("no sellable product")


def redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except Exception:  # noqa: BLE001 - a benchmark reports and carries on
        return False


def run(label: str, sandbox_url: str, repeat: int, cache: dict) -> None:
    print(f"\n{label}")
    with sqlite_database() as uri:
        app = bench_app(
            uri,
            **haier_settings(sandbox_url),
            **cache,
            CACHE_KEY_PREFIX=f"bench-{uuid.uuid4().hex[:8]}:",
            HAIER_STOCK_CACHE_SECONDS=3600,
            LOG_LEVEL="WARNING",
        )
        with app.app_context():
            code = sellable_code()
            make_product(code)
            viewer = accounts.create_user("bench-viewer", "viewer", PASSWORD).user
            api_token = api_tokens.create_token(viewer, "bench").plain
        client = app.test_client()
        login_page = client.get("/login").get_data(as_text=True)
        login_csrf = login_page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
        signed_in = client.post(
            "/login", data={"username": "bench-viewer", "password": PASSWORD, "csrf_token": login_csrf}
        )
        assert signed_in.status_code == 302, signed_in.status_code
        page = client.get("/stock-check/").get_data(as_text=True)
        csrf = page.split('"X-CSRFToken": "', 1)[1].split('"', 1)[0]
        form = {"product_code": code, "county_code": COUNTY, "address": "北京市 朝阳区", "quantity": "1"}
        headers = {"HX-Request": "true", "X-CSRFToken": csrf}
        api_url = f"/api/haier/stock/?product_code={code}&county_code={COUNTY}"
        api_headers = {"Authorization": f"Bearer {api_token}"}

        def page_check(refresh: bool = False):
            response = client.post(
                "/stock-check/check", data={**form, **({"refresh": "y"} if refresh else {})}, headers=headers
            )
            assert response.status_code == 200, response.status_code

        def api_check(refresh: bool = False):
            response = client.get(api_url + ("&refresh=1" if refresh else ""), headers=api_headers)
            assert response.status_code == 200, response.status_code

        with app.app_context():
            haier = get_haier_client()

            def bare_client_call():
                haier.check_stock(code, COUNTY)

            page_check(refresh=True)  # warm: token, county table, templates, cache entry
            hits = {"page fragment (cache hit)": page_check, "API JSON, bearer token (cache hit)": api_check}
            for name, fn in hits.items():
                samples = timed(fn, repeat)
                report(name, samples)
                verdict(samples, 2.0)

            bare, page_miss, api_miss = [], [], []
            for _ in range(repeat):  # interleaved, so drift in machine load hits all three alike
                bare.append(timed_once(bare_client_call))
                page_miss.append(timed_once(lambda: page_check(refresh=True)))
                api_miss.append(timed_once(lambda: api_check(refresh=True)))
            report("Haier client call alone (sandbox, 0 ms latency)", bare)
            for name, samples in (
                ("page fragment (miss, refresh)", page_miss),
                ("API JSON, bearer token (miss)", api_miss),
            ):
                report(name, samples)
                above = percentiles(samples)[0] - percentiles(bare)[0]
                print(
                    f"  {'':<44} p50 above the client call: {above:5.2f} ms  {'OK' if above <= 5 else 'OVER'} (<= 5)"
                )


def timed_once(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def timed(fn, repeat: int) -> list[float]:
    for _ in range(5):
        fn()
    return [timed_once(fn) for _ in range(repeat)]


def verdict(samples: list[float], target_ms: float) -> None:
    p50 = percentiles(samples)[0]
    print(f"  {'':<44} target p50 <= {target_ms} ms: {'OK' if p50 <= target_ms else 'OVER'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    logging.disable(logging.INFO)  # one log line per check would dominate a 1 ms figure
    sandbox = serve_in_thread(
        create_sandbox_app(
            {
                "HAIER_SANDBOX_CATALOGUE_SIZE": CATALOGUE_SIZE,
                "HAIER_SANDBOX_LATENCY_MS": 0,
                "HAIER_SANDBOX_RATE_LIMIT": 0,
            }
        )
    )
    try:
        run("In-process cache (SimpleCache), SQLite", sandbox.url, args.repeat, {"CACHE_TYPE": "SimpleCache"})
        if redis_reachable():
            run(
                "Redis cache, SQLite",
                sandbox.url,
                args.repeat,
                {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": REDIS_URL, "REDIS_URL": REDIS_URL},
            )
        else:
            print("\nRedis not reachable; skipping the Redis run")
    finally:
        sandbox.shutdown()


if __name__ == "__main__":
    main()
