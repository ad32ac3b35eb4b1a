"""Resolve a Chinese delivery address to a GB/T 2260 county code, or say why not.

The final code always comes from the division table and is county level; an
ambiguous, incomplete or unknown address is a result the caller must handle,
never a default code.
"""

from __future__ import annotations

import time
import unicodedata
from functools import lru_cache

from dashboard.regions import normalize as norm
from dashboard.regions.divisions import Divisions, Entry, Region, get_divisions
from dashboard.regions.matcher import Path, Token, best_reading, chains, match_at
from dashboard.regions.result import Candidate, Resolution, place_label

CACHE_SIZE = 4096
MAX_INPUT = 500
_STRENGTH = {"resolved": 4, "ambiguous": 3, "incomplete": 2, "unresolved": 0}


def warm_up() -> float:
    """Load the division table now; returns the seconds the load took."""
    started = time.perf_counter()
    get_divisions()
    return time.perf_counter() - started


def get_region(code: str) -> Region | None:
    """The region with this 6-digit code (a city for 东莞-style codes)."""
    return get_divisions().regions.get(code)


def children(code: str | None) -> list[Region]:
    """Regions directly below ``code``; provinces when ``code`` is None."""
    return list(get_divisions().children.get(code, []))


def is_county_code(code: str) -> bool:
    """Whether ``code`` is a county-level code the stock API accepts."""
    return code in get_divisions().county_codes


@lru_cache(maxsize=CACHE_SIZE)
def resolve_address(text: str) -> Resolution:
    """Resolve free text (noise, phone numbers, company names allowed)."""
    divisions = get_divisions()
    cleaned = norm.normalize(text[:MAX_INPUT])
    if not cleaned:
        return Resolution("unresolved", message="请输入地址")
    best = _resolve_text(divisions, cleaned)
    rest = norm.without_company(cleaned)
    if rest is not None:
        other = _resolve_text(divisions, rest)
        if _STRENGTH[other.status] >= _STRENGTH[best.status] and other.level != "none":
            best = other
    return best


@lru_cache(maxsize=CACHE_SIZE)
def resolve_parts(province: str | None, city: str | None, county: str | None) -> Resolution:
    """Resolve a structured (province, city, county) triple; any part may be None."""
    divisions = get_divisions()
    tokens: list[Token] = []
    problems: list[str] = []
    for part in (province, city, county):
        text = unicodedata.normalize("NFKC", part or "").strip().replace(" ", "")
        if not text:
            continue
        part_tokens = _tokens_covering(divisions, text)
        if part_tokens is None:
            problems.append(f"无法识别“{text}”")
        tokens.extend(part_tokens or ())
    if not tokens:
        return Resolution("unresolved", message="；".join(problems) or "请输入地址")
    paths = best_reading(tokens, from_start_only=True)
    if not paths:
        return Resolution("unresolved", message="无法识别地址")
    used = len(paths[0])
    if used < len(tokens):
        problems.append(f"“{tokens[used].text}”不属于{_label_of(paths[0])}")
    if problems:
        # A part the user typed was not understood: what it named is unknown,
        # so stop above it instead of resolving to a county they did not choose.
        paths = [path for path in (_drop_counties(path) for path in paths) if path]
        if not paths:
            return Resolution("unresolved", message="；".join(problems))
        return _from_paths(divisions, paths, "", note="；".join(problems))
    return _from_paths(divisions, paths, "")


def _tokens_covering(divisions: Divisions, text: str) -> list[Token] | None:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        token = match_at(divisions, text, position, divisions.longest_name)
        if token is None:
            return None
        if token.entries[0].kind != "filler":
            tokens.append(token)
        position = token.end
    return tokens


def _drop_counties(path: Path) -> Path:
    return tuple(step for step in path if step[1].rank < 2 and step[1].kind == "region")


def _label_of(path: Path) -> str:
    last = path[-1][1]
    return last.region.name if last.region is not None else last.label


def _resolve_text(divisions: Divisions, text: str) -> Resolution:
    readings: list[list[Path]] = []
    for chain in chains(divisions, text, divisions.longest_name):
        paths = best_reading(chain)
        if paths:
            readings.append(paths)
    if not readings:
        return Resolution("unresolved", detail=norm.clean_detail(text), message="无法识别地址")
    chosen = readings[0]
    if _is_weak(chosen):
        # A lone short name first is often a person's or shop's name; a later,
        # fuller address wins over it.
        stronger = [paths for paths in readings[1:] if not _is_weak(paths)]
        if stronger:
            chosen = stronger[0]
    end = chosen[0][-1][0].end
    return _from_paths(divisions, chosen, norm.clean_detail(text[end:]))


def _is_weak(paths: list[Path]) -> bool:
    return all(len(path) == 1 and path[0][1].via != "full" for path in paths)


def _final(divisions: Divisions, path: Path) -> tuple[Region | None, Entry]:
    """The deepest region a reading reaches, descending through only-children."""
    entry = path[-1][1]
    region = entry.region
    scope = next((e.scope for _, e in path if e.scope is not None), None)
    if region is None or entry.kind == "zone":
        return region, entry
    while region.level != "county":
        below = divisions.children.get(region.code, [])
        if scope is not None and region.level == "city" and len(scope) == 1:
            return divisions.regions[next(iter(scope))], entry
        if len(below) != 1:
            break
        region = below[0]
    return region, entry


def _from_paths(divisions: Divisions, paths: list[Path], detail: str, note: str = "") -> Resolution:
    finals: dict[tuple[str, str], tuple[Region | None, Entry, Path]] = {}
    for path in paths:
        region, entry = _final(divisions, path)
        key = (region.code if region else entry.label, region.level if region else "foreign")
        finals.setdefault(key, (region, entry, path))
    places = [value for value in finals.values() if value[0] is not None]
    # Drop a reading inside another one ("大理" is both 大理州 and its 大理市):
    # the wider one is what the text certainly says.
    codes = {region.code for region, _, _ in places}
    places = [item for item in places if not (set(divisions.ancestors(item[0].code)) & codes)]
    if not places:
        _, entry, _ = next(iter(finals.values()))
        return Resolution(
            "unresolved", detail=detail, message=f"暂不支持{entry.label}的地址：没有对应的区县编码"
        )
    if len(places) > 1:
        regions = [region for region, _, _ in places]
        token_text = paths[0][-1][0].text
        return _ambiguous(divisions, regions, detail, token_text, note)
    region, entry, path = places[0]
    scope = next((e.scope for _, e in path if e.scope is not None), None)
    if region.level == "city" and scope is not None and entry.kind != "zone":
        counties = [divisions.regions[code] for code in sorted(scope)]
        return _ambiguous(divisions, counties, detail, path[-1][0].text, note)
    return _single(divisions, region, entry, detail, note)


def _names(divisions: Divisions, region: Region) -> dict[str, Region]:
    """The province/city/county of ``region`` keyed by level."""
    found = {region.level: region}
    for code in divisions.ancestors(region.code):
        above = divisions.regions[code]
        found[above.level] = above
    if region.level == "county" and region.code == region.parent_code:
        found["city"] = divisions.regions[region.code]
    return found


def _single(divisions: Divisions, region: Region, entry: Entry, detail: str, note: str) -> Resolution:
    levels = _names(divisions, region)
    province, city, county = (levels.get(name) for name in ("province", "city", "county"))
    base = dict(
        province=province.name if province else None,
        province_code=province.code if province else None,
        city=city.name if city else None,
        city_code=city.code if city else None,
        detail=detail,
    )
    if county is not None:
        return Resolution("resolved", county_code=county.code, county=county.name, level="county", **base)
    if entry.kind == "zone":
        message = f"“{entry.label}”是功能区，不是行政区县，请选择所属区县"
    elif city is not None:
        message = f"地址不完整：只识别到市级（{city.name}），请选择区县"
    else:
        message = f"地址不完整：只识别到省级（{province.name}），请选择城市和区县"
    level = "city" if city is not None else "province"
    return Resolution("incomplete", level=level, message=note or message, **base)


def _candidate(divisions: Divisions, region: Region) -> Candidate:
    levels = _names(divisions, region)
    province = levels["province"].name
    city = levels["city"].name if "city" in levels else None
    county = levels["county"].name if "county" in levels else None
    return Candidate(region.code, province, city, county, place_label(province, city, county))


def _ambiguous(divisions: Divisions, regions: list[Region], detail: str, text: str, note: str) -> Resolution:
    candidates = tuple(sorted((_candidate(divisions, r) for r in regions), key=lambda c: c.code))
    provinces = {c.province for c in candidates}
    cities = {c.city for c in candidates}
    province = provinces.pop() if len(provinces) == 1 else None
    city = cities.pop() if len(cities) == 1 and province else None
    province_code = city_code = None
    if province:
        province_code = next(r.code for r in children(None) if r.name == province)
    if city:
        city_code = _names(divisions, regions[0])["city"].code
    all_counties = all(c.county is not None for c in candidates)
    kind = "区县" if all_counties else "地区"
    return Resolution(
        "ambiguous",
        province=province,
        province_code=province_code,
        city=city,
        city_code=city_code,
        level="city" if city else ("province" if province else "none"),
        detail=detail,
        candidates=candidates,
        message=note or f"“{text}”对应多个{kind}，请选择",
    )
