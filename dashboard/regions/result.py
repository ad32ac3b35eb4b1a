"""Result types of address resolution."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Status = Literal["resolved", "ambiguous", "incomplete", "unresolved"]
ReachedLevel = Literal["county", "city", "province", "none"]


def place_label(province: str | None, city: str | None, county: str | None) -> str:
    """Names joined without the repeats of municipalities (北京市 北京市) and
    self-governing cities (东莞市 东莞市) or the 省直辖 pseudo level."""
    shown: list[str] = []
    for part in (province, city, county):
        if part and part not in shown and not part.endswith("直辖县级行政区划"):
            shown.append(part)
    return " ".join(shown)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One place an ambiguous address may mean.

    ``county`` is None when the candidate is a city (e.g. "朝阳" may be 辽宁省
    朝阳市); then ``code`` is the city code and the user still picks a county.
    """

    code: str
    province: str
    city: str | None
    county: str | None
    label: str


@dataclass(frozen=True, slots=True)
class Resolution:
    """What an address resolved to, or why it did not.

    ``county_code`` is set only when ``status == "resolved"`` and is always a
    county-level code from the division table; there is no default code.
    """

    status: Status
    county_code: str | None = None
    province: str | None = None
    city: str | None = None
    county: str | None = None
    province_code: str | None = None
    city_code: str | None = None
    level: ReachedLevel = "none"
    detail: str = ""
    candidates: tuple[Candidate, ...] = ()
    message: str = ""

    @property
    def resolved(self) -> bool:
        return self.status == "resolved"

    @property
    def label(self) -> str:
        """The place as staff read it: "北京市 朝阳区", "吉林省 长春市 朝阳区"."""
        return place_label(self.province, self.city, self.county)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["candidates"] = [asdict(candidate) for candidate in self.candidates]
        data["label"] = self.label
        return data
