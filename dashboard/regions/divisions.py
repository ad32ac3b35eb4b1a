"""The administrative division table and the indexes the resolver reads.

The table comes from jionlp's ``china_location_loader()`` and is built once per
process, on first use, behind a lock.  ``import jionlp`` prints a banner on
stdout, so the import happens here, lazily, with stdout redirected.
"""

from __future__ import annotations

import contextlib
import io
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Literal

from dashboard.regions import aliases

logger = logging.getLogger(__name__)

Level = Literal["province", "city", "county"]
RANK: dict[str, int] = {"province": 0, "city": 1, "county": 2}


@dataclass(frozen=True, slots=True)
class Region:
    """One division: a province, a prefecture-level city or a county."""

    code: str
    name: str
    short_name: str
    level: Level
    parent_code: str | None


@dataclass(frozen=True, slots=True)
class Entry:
    """One meaning of a name found in an address.

    ``kind`` is "region" for a real division, "zone" for a development zone
    (it means its city, never a county), "foreign" for HK/Macau/Taiwan and
    "filler" for pseudo levels such as 市辖区.  ``accepts`` holds the codes that
    may be named before this one; ``scope`` narrows an old name that covers only
    some counties of its new city.
    """

    kind: Literal["region", "zone", "foreign", "filler"]
    region: Region | None
    rank: int
    via: Literal["full", "alias", "old"]
    accepts: frozenset[str] = frozenset()
    scope: frozenset[str] | None = None
    label: str = ""


@dataclass
class Divisions:
    regions: dict[str, Region] = field(default_factory=dict)
    children: dict[str | None, list[Region]] = field(default_factory=dict)
    county_codes: set[str] = field(default_factory=set)
    names: dict[str, list[Entry]] = field(default_factory=dict)
    old_names: dict[str, set[str]] = field(default_factory=dict)
    longest_name: int = 0
    load_seconds: float = 0.0

    def ancestors(self, code: str) -> list[str]:
        """Codes above ``code``, nearest first."""
        chain: list[str] = []
        region = self.regions.get(code)
        while region is not None and region.parent_code is not None:
            chain.append(region.parent_code)
            region = self.regions.get(region.parent_code)
        return chain

    def find(self, province: str, city: str, county: str | None = None) -> Region:
        """The region with these full names; raises KeyError when absent."""
        for prov in self.children[None]:
            if prov.name != province:
                continue
            for town in self.children.get(prov.code, []):
                if town.name != city:
                    continue
                if county is None:
                    return town
                for leaf in self.children.get(town.code, []):
                    if leaf.name == county:
                        return leaf
        raise KeyError(f"{province}/{city}/{county} is not in the division table")

    @property
    def duplicate_county_names(self) -> dict[str, list[str]]:
        """County full names used in several places (朝阳区, 鼓楼区 …) -> codes."""
        seen: dict[str, list[str]] = {}
        for code in sorted(self.county_codes):
            region = self.regions.get(code)
            if region is not None and region.level == "county":
                seen.setdefault(region.name, []).append(code)
        return {name: codes for name, codes in seen.items() if len(codes) > 1}

    def add_name(self, name: str, entry: Entry) -> None:
        if len(name) < 2:
            return
        bucket = self.names.setdefault(name, [])
        for i, known in enumerate(bucket):
            same = (known.kind, known.region, known.rank, known.scope)
            if same == (entry.kind, entry.region, entry.rank, entry.scope):
                if _VIA_ORDER[entry.via] < _VIA_ORDER[known.via]:
                    bucket[i] = entry
                elif entry.accepts - known.accepts:
                    bucket[i] = Entry(
                        known.kind, known.region, known.rank, known.via,
                        known.accepts | entry.accepts, known.scope, known.label,
                    )  # fmt: skip
                return
        bucket.append(entry)


_VIA_ORDER = {"full": 0, "alias": 1, "old": 2}
_lock = threading.Lock()
_divisions: Divisions | None = None


def get_divisions() -> Divisions:
    """The process-wide index, built on first call."""
    global _divisions
    if _divisions is None:
        with _lock:
            if _divisions is None:
                _divisions = _build()
    return _divisions


def _import_jionlp():
    # jionlp prints a banner on import; keep it out of logs and CLI output.
    with contextlib.redirect_stdout(io.StringIO()):
        import jionlp
    return jionlp


def _build() -> Divisions:
    started = time.perf_counter()
    jionlp = _import_jionlp()
    table = jionlp.china_location_loader(detail=False)
    changes = jionlp.china_location_change_loader()
    divisions = Divisions()
    divisions.children[None] = []
    for province_name, province_data in table.items():
        if not province_name.startswith("_"):
            _add_province(divisions, province_name, province_data)
    _add_changes(divisions, changes)
    _add_old_tables(divisions)
    for name in aliases.FILLER_NAMES:
        divisions.names[name] = [Entry("filler", None, -1, "full")]
    divisions.longest_name = max(len(name) for name in divisions.names)
    for bucket in divisions.children.values():
        bucket.sort(key=lambda region: region.code)
    divisions.load_seconds = time.perf_counter() - started
    logger.info(
        "region table loaded regions=%d names=%d seconds=%.3f",
        len(divisions.regions), len(divisions.names), divisions.load_seconds,
    )  # fmt: skip
    return divisions


def _children_of(data: dict) -> list[tuple[str, dict]]:
    return [(name, value) for name, value in data.items() if not name.startswith("_")]


def _add_province(divisions: Divisions, name: str, data: dict) -> None:
    code = data["_admin_code"]
    if code in aliases.UNSUPPORTED_PROVINCES:
        _add_foreign(divisions, code, name, data)
        return
    province = Region(code, name, data["_alias"], "province", None)
    divisions.regions[code] = province
    divisions.children[None].append(province)
    for label in (name, data["_alias"]):
        via = "full" if label == name else "alias"
        divisions.add_name(label, Entry("region", province, 0, via, label=label))
    for city_name, city_data in _children_of(data):
        _add_city(divisions, province, city_name, city_data)


def _add_foreign(divisions: Divisions, code: str, name: str, data: dict) -> None:
    full = aliases.UNSUPPORTED_PROVINCES[code]
    labels = {name, data["_alias"]}
    for city_name, city_data in _children_of(data):
        if not city_name.startswith("省直辖"):
            labels.add(city_name)
        for county_name, _ in _children_of(city_data):
            if code == "710000":  # Taiwan's cities and counties, by full name
                labels.add(county_name)
    labels |= {extra for extra, owner in aliases.UNSUPPORTED_EXTRA_NAMES.items() if owner == code}
    for label in labels:
        divisions.add_name(label, Entry("foreign", None, 0, "full", label=full))


def _add_city(divisions: Divisions, province: Region, name: str, data: dict) -> None:
    code = aliases.MUNICIPALITY_CITY_CODES.get(province.code, data["_admin_code"])
    pseudo_name = aliases.PSEUDO_CITY_NAMES.get(code)
    short = data["_alias"][0]
    city = Region(code, pseudo_name or name, short, "city", province.code)
    divisions.regions[code] = city
    divisions.children.setdefault(province.code, []).append(city)
    if pseudo_name is None:
        accepts = frozenset({province.code})
        labels = [(name, "full")] + [(alias, "alias") for alias in data["_alias"]]
        if name.endswith("自治州"):
            labels += [(alias + "州", "alias") for alias in data["_alias"]]
        for label, via in labels:
            divisions.add_name(label, Entry("region", city, 1, via, accepts, label=label))
    counties = _children_of(data)
    if [county_name for county_name, _ in counties] == ["市直辖行政区划"]:
        # 东莞/中山/儋州/嘉峪关 have no county level; the table marks the city
        # itself as the county-level unit, so its own code is the county code.
        own = Region(code, name, short, "county", code)
        divisions.children[code] = [own]
        divisions.county_codes.add(code)
        return
    for county_name, county_data in counties:
        _add_county(divisions, province, city, county_name, county_data)


def _is_zone(name: str, code: str) -> bool:
    return (
        code[4] == "7"
        or name in aliases.ZONE_NAMES
        or any(marker in name for marker in aliases.ZONE_NAME_MARKERS)
    )


def _add_county(divisions: Divisions, province: Region, city: Region, name: str, data: dict) -> None:
    key = (data["_admin_code"], name)
    if key in aliases.DROPPED:
        return
    name, code = aliases.RENAMES.get(key, (name, data["_admin_code"]))
    code = aliases.CODE_CORRECTIONS.get(key, code)
    accepts = frozenset({city.code, province.code})
    if _is_zone(name, code):
        # A zone straddles real counties; naming it pins down only the city.
        divisions.add_name(name, Entry("zone", city, 2, "full", accepts, label=name))
        return
    county = Region(code, name, data["_alias"], "county", city.code)
    divisions.regions[code] = county
    divisions.children.setdefault(city.code, []).append(county)
    divisions.county_codes.add(code)
    divisions.add_name(name, Entry("region", county, 2, "full", accepts, label=name))
    if data["_alias"] != name:
        entry = Entry("region", county, 2, "alias", accepts, label=data["_alias"])
        divisions.add_name(data["_alias"], entry)


def _city_code(divisions: Divisions, province: str, city: str) -> str | None:
    try:
        return divisions.find(province, city).code
    except KeyError:
        return None


def _add_old_county(
    divisions: Divisions, names: list[str], old_city: str, target: Region, province: str
) -> None:
    accepts = set(divisions.ancestors(target.code))
    old_city_code = _city_code(divisions, province, old_city)
    if old_city_code is not None:
        accepts.add(old_city_code)
    for label in names:
        if len(label) >= 2:
            entry = Entry("region", target, 2, "old", frozenset(accepts), label=label)
            divisions.add_name(label, entry)
            divisions.old_names.setdefault(label, set()).add(target.code)


def _add_changes(divisions: Divisions, changes: list[dict]) -> None:
    """Old names from jionlp's change list (2002-2023)."""
    for change in changes:
        (prov, _), (old_city, old_city_alias), (old_county, old_alias) = change["old_loc"]
        new_prov, new_city, new_county = change["new_loc"]
        try:
            target = divisions.find(new_prov, new_city, new_county)
        except KeyError:
            # e.g. a county merged again later; the newer change covers it.
            logger.debug("region change without a current target %s", change)
            continue
        if old_county is None:
            accepts = frozenset({target.parent_code or ""})
            for label in (old_city, old_city_alias):
                if label != target.name:
                    divisions.add_name(label, Entry("region", target, 1, "old", accepts, label=label))
                    divisions.old_names.setdefault(label, set()).add(target.code)
            continue
        stem = old_alias if old_alias and old_alias != old_county else None
        names = [old_county] + ([stem] if stem else [])
        _add_old_county(divisions, names, old_city, target, prov)


def _stem(name: str) -> str | None:
    stem = name[:-1]
    return stem if len(stem) >= 2 and name[-1] in "区县市" else None


def _add_old_tables(divisions: Divisions) -> None:
    for old, province, new_city, counties in aliases.OLD_CITIES:
        city = divisions.find(province, new_city)
        scope = None
        if counties is not None:
            scope = frozenset(divisions.find(province, new_city, c).code for c in counties)
        accepts = frozenset({city.parent_code or ""})
        entry = Entry("region", city, 1, "old", accepts, scope, label=old)
        divisions.add_name(old, entry)
        divisions.old_names.setdefault(old, set()).update(scope or {city.code})
    for old, old_city, province, new_city, new_county in aliases.OLD_COUNTIES:
        target = divisions.find(province, new_city, new_county)
        stem = _stem(old)
        names = [old] + ([stem] if stem and stem not in divisions.names else [])
        _add_old_county(divisions, names, old_city, target, province)
