"""What the address widget shows: the parse of the text, the cascade selections, the code to post.

Presentation state only; the rules live in dashboard.regions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dashboard import regions
from dashboard.regions import Region, Resolution

# The prefix becomes part of field names and element ids, so it is kept to a safe alphabet.
PREFIX = re.compile(r"[a-z][a-z0-9_]{0,30}")
MAX_ADDRESS = 200


class InvalidPrefix(ValueError):
    """The widget prefix is not a plain identifier."""


def check_prefix(prefix: str | None) -> str:
    prefix = prefix or ""
    if prefix and not PREFIX.fullmatch(prefix):
        raise InvalidPrefix(prefix)
    return prefix


@dataclass(frozen=True)
class Choice:
    """A candidate offered when the text is ambiguous, with the cascade codes it selects."""

    label: str
    province_code: str | None
    city_code: str | None
    county_code: str | None


@dataclass(frozen=True)
class WidgetState:
    prefix: str
    address: str = ""
    resolution: Resolution | None = None
    province_code: str | None = None
    city_code: str | None = None
    county_code: str | None = None
    choices: tuple[Choice, ...] = ()
    provinces: list[Region] = field(default_factory=list)
    cities: list[Region] = field(default_factory=list)
    counties: list[Region] = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return f"{self.prefix.rstrip('_') or 'address'}-widget"

    def field(self, name: str) -> str:
        return f"{self.prefix}{name}"

    @property
    def resolved_code(self) -> str | None:
        """The county code to post: only a real county-level code, only once fully chosen."""
        code = self.county_code
        return code if code and regions.is_county_code(code) else None

    def _name(self, code: str | None) -> str | None:
        region = regions.get_region(code) if code else None
        return region.name if region else None

    @property
    def names(self) -> tuple[str | None, str | None, str | None]:
        county = regions.get_region(self.county_code) if self.county_code else None
        county_name = county.name if county else None
        return self._name(self.province_code), self._name(self.city_code), county_name

    @property
    def message(self) -> str:
        if self.resolved_code:
            return ""
        if self.resolution is not None and self.resolution.message and self.county_code is None:
            return self.resolution.message
        if self.province_code is None:
            return "请输入地址，或依次选择省、市、区县" if not self.address else "无法识别地址"
        if self.city_code is None:
            return "请选择城市"
        return "请选择区县"

    def choice_query(self, choice: Choice) -> dict[str, str]:
        query = {"prefix": self.prefix, self.field("address"): self.address}
        for level, code in (
            ("province", choice.province_code),
            ("city", choice.city_code),
            ("county", choice.county_code),
        ):
            if code:
                query[self.field(level)] = code
        return query


def _path(code: str) -> tuple[str | None, str | None, str | None]:
    """(province, city, county) codes of a region, walking up the table."""
    found: dict[str, str] = {}
    region = regions.get_region(code)
    if region is not None and region.level == "city" and regions.is_county_code(code):
        found["county"] = code  # 东莞-style: the city is its own county
    while region is not None:
        found.setdefault(region.level, region.code)
        region = regions.get_region(region.parent_code) if region.parent_code else None
    return found.get("province"), found.get("city"), found.get("county")


def _with_options(state: WidgetState) -> WidgetState:
    province, city = state.province_code, state.city_code
    return WidgetState(
        prefix=state.prefix,
        address=state.address,
        resolution=state.resolution,
        province_code=province,
        city_code=city,
        county_code=state.county_code,
        choices=state.choices,
        provinces=regions.children(None),
        cities=regions.children(province) if province else [],
        counties=regions.children(city) if city else [],
    )


def from_text(prefix: str, address: str) -> WidgetState:
    """The widget after the user typed ``address``: pre-select what the resolver understood."""
    address = address.strip()[:MAX_ADDRESS]
    if not address:
        return _with_options(WidgetState(prefix))
    resolution = regions.resolve_address(address)
    choices = tuple(Choice(candidate.label, *_path(candidate.code)) for candidate in resolution.candidates)
    county = resolution.county_code if resolution.status == "resolved" else None
    return _with_options(
        WidgetState(
            prefix,
            address,
            resolution,
            resolution.province_code,
            resolution.city_code,
            county,
            choices,
        )
    )


def from_selects(
    prefix: str, province: str | None, city: str | None, county: str | None, address: str = ""
) -> WidgetState:
    """The widget after a cascade choice: keep each level only if it lies under the one above."""
    if province not in {region.code for region in regions.children(None)}:
        province = city = county = None
    cities = regions.children(province) if province else []
    if len(cities) == 1:
        city = cities[0].code  # 北京市 has one city level: nothing to choose
    if city not in {region.code for region in cities}:
        city = county = None
    counties = regions.children(city) if city else []
    if len(counties) == 1:
        county = counties[0].code  # 东莞市 is its own county
    if county not in {region.code for region in counties}:
        county = None
    return _with_options(WidgetState(prefix, address.strip()[:MAX_ADDRESS], None, province, city, county))


def for_template(prefix: str = "", address: str | None = None, county_code: str | None = None) -> WidgetState:
    """Initial state for a page that embeds the widget (Jinja global ``address_widget_state``)."""
    prefix = check_prefix(prefix)
    if county_code and regions.is_county_code(county_code):
        return from_selects(prefix, *_path(county_code), address=address or "")
    return from_text(prefix, address or "")
