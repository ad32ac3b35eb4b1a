"""Personal API tokens: created once in plain, stored hashed, listed, revoked, and checked on use."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select, text

from dashboard.extensions import db
from dashboard.models import ApiToken
from dashboard.models.user import hash_api_token
from dashboard.services import api_tokens
from dashboard.timeutil import as_utc, utcnow


def test_create_returns_the_plain_token_once_and_stores_only_its_hash(make_user):
    user = make_user("alice", "operator")
    created = api_tokens.create_token(user, "  仓库扫码枪  ")
    assert created.plain.startswith("hd_") and len(created.plain) > 40
    assert created.token.name == "仓库扫码枪"
    assert created.token.prefix == created.plain[: api_tokens.PREFIX_LENGTH]
    rows = db.session.execute(text("SELECT * FROM api_tokens")).all()
    assert len(rows) == 1
    assert all(created.plain not in str(value) for value in rows[0])
    assert rows[0]._mapping["token_hash"] == hash_api_token(created.plain)
    assert created.plain not in repr(created)


def test_each_token_is_different(make_user):
    user = make_user("alice")
    assert api_tokens.create_token(user, "a").plain != api_tokens.create_token(user, "b").plain


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_name_is_required_and_bounded(make_user, name):
    with pytest.raises(api_tokens.InvalidTokenName):
        api_tokens.create_token(make_user("alice"), name)
    assert db.session.execute(select(ApiToken)).first() is None


def test_active_tokens_per_user_are_capped(make_user):
    user = make_user("alice")
    tokens = [api_tokens.create_token(user, f"t{i}") for i in range(api_tokens.MAX_ACTIVE_TOKENS)]
    with pytest.raises(api_tokens.TooManyTokens):
        api_tokens.create_token(user, "one too many")
    api_tokens.revoke_token(user, tokens[0].token.id)
    assert api_tokens.create_token(user, "after a revoke").token.id


def test_list_shows_own_tokens_active_first(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    old = api_tokens.create_token(alice, "old")
    api_tokens.create_token(bob, "bob's")
    new = api_tokens.create_token(alice, "new")
    api_tokens.revoke_token(alice, new.token.id)
    assert [t.name for t in api_tokens.list_tokens(alice)] == ["old", "new"]
    assert old.token.revoked_at is None


def test_revoke_is_limited_to_the_owner_and_idempotent(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    created = api_tokens.create_token(alice, "t")
    with pytest.raises(api_tokens.TokenNotFound):
        api_tokens.revoke_token(bob, created.token.id)
    first = api_tokens.revoke_token(alice, created.token.id).revoked_at
    assert first is not None
    assert api_tokens.revoke_token(alice, created.token.id).revoked_at == first


def test_authenticate_accepts_an_active_token_of_an_active_user(make_user):
    user = make_user("alice", "operator")
    created = api_tokens.create_token(user, "t")
    assert api_tokens.authenticate_token(created.plain).user.id == user.id


@pytest.mark.parametrize("reason", ["unknown", "empty", "revoked", "user_inactive"])
def test_authenticate_rejects_with_a_reason(make_user, reason):
    user = make_user("alice")
    created = api_tokens.create_token(user, "t")
    plain = {"unknown": "hd_nope", "empty": ""}.get(reason, created.plain)
    if reason == "revoked":
        api_tokens.revoke_token(user, created.token.id)
    if reason == "user_inactive":
        user.active = False
        db.session.commit()
    with pytest.raises(api_tokens.TokenRejected) as rejected:
        api_tokens.authenticate_token(plain)
    assert rejected.value.reason == reason
    assert rejected.value.message == "未登录或令牌无效"  # the caller never learns which


def test_last_used_at_is_written_at_most_once_a_minute(make_user):
    created = api_tokens.create_token(make_user("alice"), "t")
    start = utcnow()
    with time_machine.travel(start, tick=False):
        assert as_utc(api_tokens.authenticate_token(created.plain).last_used_at) == start
    with time_machine.travel(start + timedelta(seconds=59), tick=False):
        assert as_utc(api_tokens.authenticate_token(created.plain).last_used_at) == start
    with time_machine.travel(start + timedelta(seconds=60), tick=False):
        assert as_utc(api_tokens.authenticate_token(created.plain).last_used_at) == start + timedelta(
            seconds=60
        )
