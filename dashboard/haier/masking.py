"""Masking of secrets before text reaches a log line, an exception or a repr."""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"

# A JWT is three base64url segments; Haier's tokens are HS512 JWTs starting with the encoded header.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}")
_SECRET_FIELDS = re.compile(
    r'("(?:passWord|password|sellerPassword|customerPassword|client_secret|access_token|token|'
    r'Authorization)"\s*:\s*)"(?:[^"\\]|\\.)*"',
    re.IGNORECASE,
)
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@/\s]+@")


def mask_text(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Replace known secret values, JWTs, secret JSON fields and URL passwords with ``***``."""
    for secret in sorted({s for s in secrets if s and len(s) >= 3}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _JWT.sub(MASK, text)
    text = _SECRET_FIELDS.sub(rf'\1"{MASK}"', text)
    return _URL_PASSWORD.sub(rf"\1{MASK}@", text)


def mask_url(url: str | None) -> str | None:
    return None if url is None else _URL_PASSWORD.sub(rf"\1{MASK}@", url)
