"""The county-level division codes (GB/T 2260) the sandbox accepts as `countyCode`.

Haier's gateway knows the current codes, so the sandbox takes them from the same corrected division table the
dashboard's resolver uses (jionlp's data with the codes of 2019–2023 changes brought up to date), rather than
jionlp's raw table, which still carries some pre-change codes.
"""

from __future__ import annotations


def county_codes() -> frozenset[str]:
    """Every current county code, built once per process."""
    from dashboard.regions.divisions import get_divisions

    return frozenset(get_divisions().county_codes)


def is_county(code: str) -> bool:
    from dashboard.regions import is_county_code

    return is_county_code(code)
