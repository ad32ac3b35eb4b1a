"""The division table: regions by code, the cascade, and the hand-kept corrections."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.regions import aliases, children, get_region, is_county_code, warm_up
from dashboard.regions.divisions import get_divisions

ROOT = Path(__file__).resolve().parents[2]


def test_warm_up_returns_seconds():
    assert warm_up() >= 0.0


def test_import_and_load_print_nothing_on_stdout():
    code = (
        "from dashboard.regions import warm_up, resolve_address; warm_up(); resolve_address('北京市朝阳区')"
    )

    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)

    assert done.stdout == ""


def test_get_region_for_a_county():
    region = get_region("110105")

    assert (region.name, region.short_name, region.level, region.parent_code) == (
        "朝阳区",
        "朝阳",
        "county",
        "110100",
    )


def test_municipality_city_level_uses_the_gbt_code():
    city = get_region("110100")

    assert (city.name, city.level, city.parent_code) == ("北京市", "city", "110000")


def test_get_region_for_an_unknown_code_is_none():
    assert get_region("999999") is None
    assert get_region("") is None


def test_children_of_none_are_the_31_mainland_provinces():
    provinces = children(None)

    assert len(provinces) == 31
    assert all(region.level == "province" for region in provinces)
    assert {"810000", "820000", "710000"}.isdisjoint(region.code for region in provinces)


def test_children_walk_province_city_county():
    assert [region.code for region in children("110000")] == ["110100"]
    assert "110105" in {region.code for region in children("110100")}
    assert "429004" in {region.code for region in children("429000")}


def test_self_governing_city_has_itself_as_only_county():
    (only,) = children("441900")

    assert (only.code, only.name, only.level) == ("441900", "东莞市", "county")


def test_children_of_a_county_or_unknown_code_is_empty():
    assert children("110105") == []
    assert children("999999") == []


def test_children_returns_a_copy():
    children(None).clear()

    assert len(children(None)) == 31


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("110105", True),
        ("441900", True),
        ("220184", True),  # 公主岭市 after its 2020 move to 长春
        ("110100", False),  # a city
        ("110000", False),  # a province
        ("220381", False),  # 公主岭市's stale code
        ("150171", False),  # 呼和浩特金海工业园区, a zone
        ("810000", False),
    ],
)
def test_is_county_code(code, expected):
    assert is_county_code(code) is expected


def test_every_county_code_is_six_digits_and_names_a_county_under_a_city():
    divisions = get_divisions()

    for code in divisions.county_codes:
        assert len(code) == 6 and code.isdigit()
        parent = (
            get_region(code) if get_region(code).level == "city" else get_region(get_region(code).parent_code)
        )
        assert parent.level == "city"


def test_county_codes_are_unique_across_the_cascade():
    seen: list[str] = []
    for province in children(None):
        for city in children(province.code):
            seen.extend(county.code for county in children(city.code))

    assert len(seen) == len(set(seen))
    assert set(seen) == get_divisions().county_codes


def test_code_corrections_all_land_on_counties():
    for (_, name), code in aliases.CODE_CORRECTIONS.items():
        region = get_region(code)
        assert region is not None and region.name == name and is_county_code(code)


def test_renames_replace_the_old_entry():
    for (old_code, old_name), (name, code) in aliases.RENAMES.items():
        assert get_region(code).name == name
        assert get_region(old_code) is None or get_region(old_code).name != old_name


def test_duplicate_county_names_index():
    duplicates = get_divisions().duplicate_county_names

    assert duplicates["朝阳区"] == ["110105", "220104"]
    assert len(duplicates["鼓楼区"]) == 4


def test_old_names_map_to_current_codes():
    old = get_divisions().old_names

    assert old["襄樊市"] == {"420600"}
    assert old["新津县"] == {"510118"}
    assert old["莱芜市"] == {"370116", "370117"}
