"""The county-level division codes (GB/T 2260) the sandbox accepts as `countyCode`."""

from __future__ import annotations

import contextlib
import io
import threading

_lock = threading.Lock()
_codes: frozenset[str] | None = None


def _load() -> frozenset[str]:
    # jionlp prints a banner on import and takes ~0.4 s, so it is imported here, once, with stdout swallowed.
    with contextlib.redirect_stdout(io.StringIO()):
        import jionlp

        provinces = jionlp.china_location_loader()
    codes: set[str] = set()
    for province_name, cities in provinces.items():
        if province_name.startswith("_"):
            continue
        for city_name, counties in cities.items():
            if city_name.startswith("_"):
                continue
            for county_name, county in counties.items():
                if not county_name.startswith("_"):
                    codes.add(county["_admin_code"])
    return frozenset(codes)


def county_codes() -> frozenset[str]:
    """Every county code jionlp knows, built once per process."""
    global _codes
    if _codes is None:
        # redirect_stdout swaps the process-wide sys.stdout, so two threads must not load at once.
        with _lock:
            if _codes is None:
                _codes = _load()
    return _codes


def is_county(code: str) -> bool:
    return code in county_codes()
