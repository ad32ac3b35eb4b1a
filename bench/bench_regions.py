"""Address resolver benchmark: cold load, throughput, accuracy.

Run: .venv/bin/python bench/bench_regions.py
Prints the figures the issue asks for; no thresholds are asserted here.
"""

from __future__ import annotations

import csv
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard.regions import children, resolve_address, resolve_parts, warm_up  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "addresses.csv"
COLD_RUNS = 3


def cold_load_seconds() -> list[float]:
    """warm_up() in a fresh interpreter each time: jionlp import + table + indexes."""
    code = "from dashboard.regions import warm_up; print(warm_up())"
    runs = []
    for _ in range(COLD_RUNS):
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
        )
        runs.append(float(done.stdout.strip()))
    return runs


def every_county() -> list[tuple[str, str, str, str]]:
    triples = []
    for province in children(None):
        for city in children(province.code):
            for county in children(city.code):
                triples.append((province.name, city.name, county.name, county.code))
    return triples


def rate(function, inputs, repeat: int = 1) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        for item in inputs:
            function(*item) if isinstance(item, tuple) else function(item)
    return repeat * len(inputs) / (time.perf_counter() - started)


def labelled_accuracy() -> dict[str, tuple[int, int]]:
    rows = list(csv.DictReader(LABELLED.open(encoding="utf-8")))
    tally: dict[str, list[int]] = {}
    for row in rows:
        result = resolve_address.__wrapped__(row["address"])
        if row["status"] == "resolved":
            ok = result.status == "resolved" and result.county_code == row["county_code"]
        elif row["status"] == "ambiguous":
            codes = sorted(candidate.code for candidate in result.candidates)
            ok = (
                result.status == "ambiguous"
                and result.county_code is None
                and codes == row["candidates"].split(";")
            )
        else:
            ok = result.status == row["status"] and result.county_code is None
        hits, total = tally.setdefault(row["status"], [0, 0])
        tally[row["status"]] = [hits + ok, total + 1]
    return {status: (hits, total) for status, (hits, total) in tally.items()}


def generated_accuracy(triples) -> tuple[int, int, int, int]:
    """Every county written out in full with a street, and as province+county full names.

    Only counties whose full name is unique within their province are expected to
    resolve from province+county alone; the others must come back ambiguous.
    """
    full_ok = sum(
        resolve_address.__wrapped__(f"{p}{c}{k}人民路1号").county_code == code for p, c, k, code in triples
    )
    seen: dict[tuple[str, str], int] = {}
    for p, _, k, _ in triples:
        seen[(p, k)] = seen.get((p, k), 0) + 1
    short_ok = 0
    for p, _, k, code in triples:
        result = resolve_address.__wrapped__(f"{p}{k}")
        if seen[(p, k)] == 1:
            short_ok += result.county_code == code
        else:
            short_ok += result.status == "ambiguous" and code in {c.code for c in result.candidates}
    return full_ok, len(triples), short_ok, len(triples)


def main() -> None:
    cold = cold_load_seconds()
    print(
        f"cold load (fresh process, warm_up): median {statistics.median(cold):.3f} s  runs {[round(x, 3) for x in cold]}"
    )
    print(f"cold load in this process: {warm_up():.3f} s; warm_up() once loaded: {warm_up() * 1e6:.1f} µs")

    triples = every_county()
    structured = [(p, c, k) for p, c, k, _ in triples]
    print(f"structured, uncached: {rate(resolve_parts.__wrapped__, structured, 3):,.0f} resolutions/s "
          f"({len(structured)} counties x3)")  # fmt: skip
    free_text = [f"{p}{c}{k}人民路{n}号" for n, (p, c, k, _) in enumerate(triples)]
    text_rate = rate(resolve_address.__wrapped__, free_text, 2)
    print(f"free text, uncached: {text_rate:,.0f} resolutions/s ({1e3 / text_rate:.3f} ms each)")
    rows = [row["address"] for row in csv.DictReader(LABELLED.open(encoding="utf-8"))]
    noisy_rate = rate(resolve_address.__wrapped__, rows, 20)
    print(
        f"labelled set (noisy, mixed), uncached: {noisy_rate:,.0f} resolutions/s ({1e3 / noisy_rate:.3f} ms each)"
    )
    resolve_address.cache_clear()
    for text in rows:
        resolve_address(text)
    print(f"labelled set, cached: {rate(resolve_address, rows, 200):,.0f} resolutions/s")

    print("accuracy on tests/data/addresses.csv:")
    for status, (hits, total) in sorted(labelled_accuracy().items()):
        print(f"  {status:<11} {hits}/{total} = {100 * hits / total:.1f}%")
    full_ok, full_n, short_ok, short_n = generated_accuracy(triples)
    print(f"generated: full 省市区+street {full_ok}/{full_n} = {100 * full_ok / full_n:.2f}%;"
          f" 省+区县 only {short_ok}/{short_n} = {100 * short_ok / short_n:.2f}% (ambiguous ones flagged)")  # fmt: skip


if __name__ == "__main__":
    main()
