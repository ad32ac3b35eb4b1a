"""Address -> GB/T 2260 county code (pure Python, no Flask).

Public interface::

    resolve_address(text) -> Resolution      # free text, LRU-cached
    resolve_parts(province, city, county) -> Resolution
    get_region(code) -> Region | None
    children(code | None) -> list[Region]    # None -> provinces
    is_county_code(code) -> bool
    warm_up() -> float                       # load the table, seconds taken
"""

from dashboard.regions.divisions import Region
from dashboard.regions.resolver import (
    children,
    get_region,
    is_county_code,
    resolve_address,
    resolve_parts,
    warm_up,
)
from dashboard.regions.result import Candidate, Resolution

__all__ = [
    "Candidate",
    "Region",
    "Resolution",
    "children",
    "get_region",
    "is_county_code",
    "resolve_address",
    "resolve_parts",
    "warm_up",
]
