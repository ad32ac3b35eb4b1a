"""Turn a pasted delivery address into clean text the matcher can scan.

Removed noise becomes BREAK, a character that never belongs to a place name,
so a phone number between two names keeps them from reading as one chain.
"""

from __future__ import annotations

import re
import unicodedata

BREAK = "|"

# Mainland mobiles (optionally +86), landlines with area code, 400/800 lines.
_PHONE = re.compile(
    r"(?:\+?86[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}){2}"
    r"|0\d{2,3}[-\s]?\d{7,8}(?:-\d{1,6})?"
    r"|[48]00[-\s]?\d{3}[-\s]?\d{4}"
)
_POSTCODE = re.compile(r"(?<!\d)\d{6}(?!\d)")
_LABEL = re.compile(
    r"(?:收货|收件|送货|配送|安装|详细|联系|邮寄|默认)?地址[:：]?"
    r"|(?:收货人|收件人|联系人|姓名|电话|手机号?|联系电话|联系方式|邮编|邮政编码)[:：]?"
)
_SPACE = re.compile(r"\s+")
_BREAKS = re.compile(r"\|+")
# A company, shop or branch name often comes first and may itself contain a
# city ("青岛海尔……有限公司"); the address proper follows its suffix.
_COMPANY = re.compile(
    r"^.*?(?:有限责任公司|股份有限公司|有限公司|分公司|公司|集团|专卖店|旗舰店|经营部|商行|门市部|营业部)"
)


def normalize(text: str) -> str:
    """NFKC-fold, drop labels, phones, postcodes and spaces."""
    folded = unicodedata.normalize("NFKC", text)
    folded = _PHONE.sub(BREAK, folded)
    folded = _POSTCODE.sub(BREAK, folded)
    folded = _LABEL.sub(BREAK, folded)
    folded = _SPACE.sub("", folded)
    return _BREAKS.sub(BREAK, folded).strip(BREAK + ",，;；:：")


def without_company(text: str) -> str | None:
    """The text after a leading company or shop name, or None if there is none."""
    match = _COMPANY.match(text)
    if match is None:
        return None
    rest = text[match.end() :].strip(BREAK + ",，;；:：()")
    return rest or None


def clean_detail(text: str) -> str:
    """Street detail for display: separators trimmed, breaks turned to spaces."""
    detail = text.replace(BREAK, " ").strip(" ,，;；:：-")
    return re.sub(r" {2,}", " ", detail)
