"""The address resolver, driven by the labelled table in tests/data/addresses.csv.

Expected codes in the table were looked up by name in the division data, not
produced by the resolver; ``test_labelled_codes_name_the_labelled_place``
checks that the two agree.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path

import pytest

from dashboard.regions import (
    get_region,
    is_county_code,
    resolve_address,
    resolve_parts,
)
from dashboard.regions.resolver import CACHE_SIZE

DATA = Path(__file__).resolve().parents[1] / "data" / "addresses.csv"
ROWS = list(csv.DictReader(DATA.open(encoding="utf-8")))


def _rows(status: str) -> list[dict[str, str]]:
    return [row for row in ROWS if row["status"] == status]


def _id(row: dict[str, str]) -> str:
    return f"{row['category']}:{row['address'].strip() or '<blank>'}"


def test_table_covers_every_category_with_enough_rows():
    categories = {row["category"] for row in ROWS}
    assert len(ROWS) >= 150
    assert {
        "full", "abbreviated", "missing_province", "missing_city", "old_name", "county_level_city",
        "autonomous", "hk_mo_tw", "noise", "ambiguous", "garbage", "municipality", "incomplete",
    } <= categories  # fmt: skip


@pytest.mark.parametrize("row", _rows("resolved"), ids=_id)
def test_resolves_to_the_labelled_county(row):
    result = resolve_address(row["address"])

    assert (result.status, result.county_code) == ("resolved", row["county_code"])
    assert result.level == "county"
    assert is_county_code(result.county_code)
    assert result.message == ""


@pytest.mark.parametrize("row", _rows("ambiguous"), ids=_id)
def test_ambiguous_address_offers_every_candidate_and_no_code(row):
    result = resolve_address(row["address"])

    assert result.status == "ambiguous"
    assert result.county_code is None
    assert sorted(candidate.code for candidate in result.candidates) == row["candidates"].split(";")
    assert "请选择" in result.message


@pytest.mark.parametrize("row", _rows("incomplete"), ids=_id)
def test_incomplete_address_stops_at_the_level_it_reached(row):
    result = resolve_address(row["address"])

    assert (result.status, result.level, result.county_code) == ("incomplete", row["level"], None)
    reached = result.city_code if row["level"] == "city" else result.province_code
    assert reached == row["candidates"]
    assert result.message.startswith(("地址不完整", "“"))


@pytest.mark.parametrize("row", _rows("unresolved"), ids=_id)
def test_unknown_address_has_no_code_and_a_reason(row):
    result = resolve_address(row["address"])

    assert result.status == "unresolved"
    assert result.county_code is None
    assert result.message


@pytest.mark.parametrize("row", _rows("resolved"), ids=_id)
def test_labelled_codes_name_the_labelled_place(row):
    region = get_region(row["county_code"])

    assert region is not None
    assert region.name == row["place"].split("/")[-1]


# -- the old system's table ------------------------------------------------------------------------------


def test_beijing_chaoyang_is_110105():
    assert resolve_address("北京市朝阳区").county_code == "110105"


@pytest.mark.parametrize("text", ["北京市", "北京"])
def test_beijing_alone_is_city_level_only(text):
    result = resolve_address(text)

    assert (result.status, result.level, result.county_code) == ("incomplete", "city", None)
    assert result.message == "地址不完整：只识别到市级（北京市），请选择区县"


def test_chaoyang_alone_is_ambiguous_between_beijing_and_changchun():
    result = resolve_address("朝阳区")

    assert result.status == "ambiguous"
    assert [(c.code, c.label) for c in result.candidates] == [
        ("110105", "北京市 朝阳区"),
        ("220104", "吉林省 长春市 朝阳区"),
    ]
    assert result.message == "“朝阳区”对应多个区县，请选择"


def test_invalid_address_never_falls_back_to_dongcheng():
    result = resolve_address("无法识别的地址xyz")

    assert result.county_code is None
    assert result.message == "无法识别地址"


def test_empty_address_asks_for_one():
    result = resolve_address("")

    assert (result.status, result.message) == ("unresolved", "请输入地址")


# -- details of the answer ---------------------------------------------------------------------------------


def test_street_detail_is_what_follows_the_county():
    result = resolve_address("张三 13800138000 浙江杭州西湖区文三路100号 310012")

    assert result.detail == "文三路100号"


def test_resolution_carries_normalised_names_and_codes():
    result = resolve_address("浙江杭州西湖")

    assert (result.province, result.city, result.county) == ("浙江省", "杭州市", "西湖区")
    assert (result.province_code, result.city_code, result.county_code) == ("330000", "330100", "330106")


def test_self_governing_city_is_its_own_county():
    result = resolve_address("东莞市长安镇")

    assert (result.county_code, result.city_code, result.label) == ("441900", "441900", "广东省 东莞市")


def test_hong_kong_is_recognised_but_not_resolvable():
    result = resolve_address("香港九龙旺角")

    assert result.county_code is None
    assert "香港特别行政区" in result.message


def test_development_zone_names_its_city_only():
    result = resolve_address("苏州工业园区星湖街328号")

    assert (result.status, result.city) == ("incomplete", "苏州市")
    assert "功能区" in result.message


def test_to_dict_is_json_ready():
    data = resolve_address("西湖区").to_dict()

    text = json.dumps(data, ensure_ascii=False)
    assert data["status"] == "ambiguous"
    assert data["candidates"][0]["label"] == "浙江省 杭州市 西湖区"
    assert "“西湖区”" in text


def test_resolution_is_immutable():
    result = resolve_address("北京市朝阳区")

    with pytest.raises(dataclasses.FrozenInstanceError):
        result.county_code = "110101"  # type: ignore[misc]


# -- structured input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("province", "city", "county", "code"),
    [
        ("北京市", "北京市", "朝阳区", "110105"),
        ("北京", None, "朝阳", "110105"),
        ("北京市", "市辖区", "朝阳区", "110105"),
        ("吉林省", "长春市", "朝阳区", "220104"),
        ("湖北省", "省直辖县级行政区划", "仙桃市", "429004"),
        ("广东省", "东莞市", None, "441900"),
        (None, "苏州市", "昆山市", "320583"),
        ("四川省", "成都市", "新津县", "510118"),
        (" 浙江省 ", "杭州市", "西湖区", "330106"),
    ],
)
def test_structured_parts_resolve(province, city, county, code):
    result = resolve_parts(province, city, county)

    assert (result.status, result.county_code) == ("resolved", code)


def test_structured_county_alone_may_be_ambiguous():
    result = resolve_parts(None, None, "朝阳区")

    assert result.status == "ambiguous"
    assert {c.code for c in result.candidates} == {"110105", "220104"}


def test_structured_city_without_county_is_incomplete():
    result = resolve_parts("浙江省", "杭州市", None)

    assert (result.status, result.level, result.city_code) == ("incomplete", "city", "330100")


def test_structured_county_from_another_city_is_not_resolved():
    result = resolve_parts("浙江省", "杭州市", "朝阳区")

    assert (result.status, result.county_code, result.city) == ("incomplete", None, "杭州市")
    assert "朝阳区" in result.message


def test_structured_unknown_county_is_named_in_the_message():
    result = resolve_parts("北京市", "北京市", "火星区")

    assert (result.status, result.county_code) == ("incomplete", None)
    assert "无法识别“火星区”" in result.message


def test_structured_mismatched_province_and_city_stops_at_the_province():
    result = resolve_parts("浙江省", "长春市", "朝阳区")

    assert (result.status, result.level, result.county_code) == ("incomplete", "province", None)
    assert result.message == "“长春市”不属于浙江省"


def test_structured_nothing_given():
    result = resolve_parts(None, "", None)

    assert (result.status, result.county_code) == ("unresolved", None)


# -- cache ---------------------------------------------------------------------------------------------------


def test_cache_is_bounded():
    resolve_address.cache_clear()
    for number in range(CACHE_SIZE + 50):
        resolve_address(f"北京市朝阳区建国路{number}号")

    info = resolve_address.cache_info()
    assert info.maxsize == CACHE_SIZE
    assert info.currsize == CACHE_SIZE


def test_repeated_address_comes_from_the_cache():
    resolve_address.cache_clear()
    first = resolve_address("山东省青岛市崂山区海尔路1号")
    second = resolve_address("山东省青岛市崂山区海尔路1号")

    assert second is first
    assert resolve_address.cache_info().hits == 1
