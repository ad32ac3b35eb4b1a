"""HaierSettings.from_mapping: defaults, empty values, unreadable values, masking."""

from __future__ import annotations

import pytest

from dashboard.haier import HaierConfigError, HaierSettings

BASE = {"HAIER_BASE_URL": "https://openplat-test.haier.net/"}


def test_defaults():
    s = HaierSettings.from_mapping(BASE)
    assert s.base_url == "https://openplat-test.haier.net"
    assert s.token_url == "https://openplat-test.haier.net/oauth2/auth"
    assert (s.supplier_code, s.auth_scheme) == ("1001", "bare")
    assert (s.connect_timeout, s.read_timeout, s.max_attempts) == (5.0, 30.0, 3)
    assert (s.deadline_seconds, s.rate_limit_per_second) == (60.0, 100.0)
    assert s.token_refresh_margin_seconds == 600
    assert s.redis_url is None


@pytest.mark.parametrize("value", ["", "  ", None])
def test_empty_supplier_code_does_not_erase_the_default(value):
    assert HaierSettings.from_mapping({**BASE, "HAIER_SUPPLIER_CODE": value}).supplier_code == "1001"


def test_values_from_env_strings():
    s = HaierSettings.from_mapping(
        {
            **BASE,
            "HAIER_READ_TIMEOUT": "12.5",
            "HAIER_MAX_ATTEMPTS": "4",
            "HAIER_AUTH_SCHEME": "Bearer",
            "HAIER_TOKEN_URL": "https://auth.test/oauth2/token",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        }
    )
    assert (s.read_timeout, s.max_attempts, s.auth_scheme) == (12.5, 4, "bearer")
    assert s.token_url == "https://auth.test/oauth2/token"
    assert s.redis_url == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("HAIER_BASE_URL", ""),
        ("HAIER_BASE_URL", "openplat-test.haier.net"),
        ("HAIER_AUTH_SCHEME", "basic"),
        ("HAIER_READ_TIMEOUT", "thirty"),
        ("HAIER_MAX_ATTEMPTS", "2.5"),
        ("HAIER_RATE_LIMIT_PER_SECOND", "0"),
        ("HAIER_DEADLINE_SECONDS", "-1"),
    ],
)
def test_unreadable_settings_fail_loudly(key, value):
    with pytest.raises(HaierConfigError) as info:
        HaierSettings.from_mapping({**BASE, key: value})
    assert info.value.setting == key


def test_repr_masks_secrets_and_redis_password():
    s = HaierSettings.from_mapping(
        {
            **BASE,
            "HAIER_CLIENT_SECRET": "cs-123456",
            "HAIER_PASSWORD": "pw-123456",
            "HAIER_SELLER_PASSWORD": "sp-123456",
            "REDIS_URL": "redis://:rpw-123456@r:6379/0",
        }
    )
    for text in (repr(s), str(s), f"{s}"):
        for secret in ("cs-123456", "pw-123456", "sp-123456", "rpw-123456"):
            assert secret not in text
    assert "client_secret='***'" in repr(s)
