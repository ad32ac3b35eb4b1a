"""Find division names in address text and the readings they allow.

A *chain* is a run of names that follow each other in the text (北京市·朝阳区,
浙江·杭州·西湖区).  A *path* is one reading of a run of tokens: one meaning
per token, levels going down and every name accepting the names before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.regions.divisions import Divisions, Entry

MAX_CHAIN = 6
# BREAK ("|") stands for removed noise such as a postcode between two names.
_SEPARATORS = frozenset("|,，、/\\-()（）[]【】<>《》·.。:：;；'\"“”")
_ADMIN_SUFFIXES = ("省", "市", "区", "县", "旗", "州", "盟", "地区", "林区")
# A short name followed by these is a street or building (中山路, 南京东路,
# 长安街), not the place itself.
_ROAD_1 = frozenset("路街道巷弄里村镇乡桥")
_ROAD_2 = frozenset(
    {
        "大道", "大街", "大厦", "大学", "大桥", "东路", "西路", "南路", "北路", "中路",
        "小区", "花园", "广场", "公园", "新村", "胡同", "中学", "小学", "医院", "机场",
        "东街", "西街", "南街", "北街", "商场", "酒店", "宾馆", "饭店", "银行",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str
    entries: tuple[Entry, ...]


Path = tuple[tuple[Token, Entry], ...]


def _looks_like_street(divisions: Divisions, text: str, name: str, end: int, longest: int) -> bool:
    if name.endswith(_ADMIN_SUFFIXES):
        return False
    if text[end : end + 1] not in _ROAD_1 and text[end : end + 2] not in _ROAD_2:
        return False
    # "邢台桥东区" is 邢台 + 桥东区, not a bridge in 邢台.
    return _name_at(divisions, text, end, longest) is None


def _name_at(divisions: Divisions, text: str, start: int, longest: int) -> str | None:
    for length in range(min(longest, len(text) - start), 1, -1):
        name = text[start : start + length]
        if name in divisions.names:
            return name
    return None


def match_at(divisions: Divisions, text: str, start: int, longest: int) -> Token | None:
    """The longest division name starting at ``start``, if any."""
    for length in range(min(longest, len(text) - start), 1, -1):
        name = text[start : start + length]
        entries = divisions.names.get(name)
        if entries is None or _looks_like_street(divisions, text, name, start + length, longest):
            continue
        return Token(start, start + length, name, tuple(entries))
    return None


def _is_filler(token: Token) -> bool:
    return token.entries[0].kind == "filler"


def chains(divisions: Divisions, text: str, longest: int) -> list[list[Token]]:
    """Every run of adjacent division names in ``text``, left to right."""
    found: list[list[Token]] = []
    position = 0
    while position < len(text):
        token = match_at(divisions, text, position, longest)
        if token is None:
            position += 1
            continue
        if _is_filler(token):
            position = token.end
            continue
        chain = [token]
        cursor = token.end
        while len(chain) < MAX_CHAIN:
            while cursor < len(text) and text[cursor] in _SEPARATORS:
                cursor += 1
            following = match_at(divisions, text, cursor, longest)
            if following is None:
                break
            if not _is_filler(following):
                chain.append(following)
            cursor = following.end
        found.append(chain)
        position = chain[-1].end
    return found


def _fits(path: Path, entry: Entry) -> bool:
    if entry.kind in ("filler", "foreign"):
        return not path and entry.kind == "foreign"
    for _, earlier in path:
        if earlier.kind == "foreign" or earlier.region is None:
            return False
        if earlier.rank >= entry.rank or earlier.region.code not in entry.accepts:
            return False
        narrowed = earlier.scope is not None and entry.rank == 2 and entry.region is not None
        if narrowed and entry.region.code not in earlier.scope:
            return False
    return True


def longest_paths(tokens: list[Token], first: int) -> list[Path]:
    """All readings of tokens[first:] that use as many tokens as any reading."""
    best: list[Path] = []
    best_length = 0

    def extend(path: Path, index: int) -> None:
        nonlocal best, best_length
        grew = False
        if index < len(tokens) and not (path and path[-1][1].kind in ("zone", "foreign")):
            token = tokens[index]
            for entry in token.entries:
                if _fits(path, entry):
                    grew = True
                    extend(path + ((token, entry),), index + 1)
        if not grew and path:
            if len(path) > best_length:
                best, best_length = [path], len(path)
            elif len(path) == best_length:
                best.append(path)

    extend((), first)
    return best


def penalty(path: Path) -> tuple[int, int]:
    """Old names and short names count against a reading, in that order."""
    old = sum(1 for _, entry in path if entry.via == "old")
    short = sum(1 for _, entry in path if entry.via == "alias")
    return old, short


def best_reading(chain: list[Token], from_start_only: bool = False) -> list[Path]:
    """The preferred readings of a chain: longest, then fewest old/short names.

    Leading tokens may be skipped (a person's name that happens to be a place
    name before the real address), unless ``from_start_only``.
    """
    chosen: list[Path] = []
    starts = [0] if from_start_only else range(len(chain))
    for first in starts:
        paths = longest_paths(chain, first)
        if paths and (not chosen or len(paths[0]) > len(chosen[0])):
            chosen = paths
    if not chosen:
        return []
    lowest = min(penalty(path) for path in chosen)
    return [path for path in chosen if penalty(path) == lowest]
