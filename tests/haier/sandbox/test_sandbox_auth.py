import jwt
import pytest
import time_machine
from _sandbox_wire import CREDENTIALS, Gateway, make_app

from dashboard.haier.sandbox import get_sandbox_state


@pytest.mark.parametrize("path", ["/oauth2/auth", "/oauth2/token"])
def test_token_is_an_hs512_jwt_with_key_extend_and_exp(gateway, path):
    reply = gateway.token(path)

    assert reply.status_code == 200
    token = reply.json["access_token"]
    assert jwt.get_unverified_header(token)["alg"] == "HS512"
    claims = jwt.decode(token, options={"verify_signature": False})
    assert isinstance(claims["key"], str) and claims["key"]
    assert isinstance(claims["extend"], dict)
    assert reply.json["expires_in"] == 3600
    assert "sandbox-secret" not in token and "sandbox-secret" not in str(claims)


def test_tokens_issued_are_counted(gateway, state):
    gateway.token()
    gateway.token("/oauth2/token")

    assert state.counters()["tokens_issued"] == 2


@pytest.mark.parametrize(
    "override",
    [{"client_secret": "wrong"}, {"client_id": "someone-else"}, {"client_secret": None}],
)
def test_bad_credentials_get_401(gateway, state, override):
    reply = gateway.token(**override)

    assert reply.status_code == 401
    assert "access_token" not in reply.json
    assert state.counters()["calls"]["token"] == {"401": 1}


def test_wrong_grant_type_is_400(gateway):
    assert gateway.token(grant_type="password").status_code == 400


@pytest.mark.parametrize(
    ("field", "shape"),
    [
        ("access_token", lambda body: body["access_token"]),
        ("token", lambda body: body["token"]),
        ("data.access_token", lambda body: body["data"]["access_token"]),
        ("data.token", lambda body: body["data"]["token"]),
    ],
)
def test_token_reply_field_is_a_setting(field, shape):
    app = make_app(token_field=field)

    reply = Gateway(app.test_client()).token()

    assert jwt.decode(shape(reply.json), options={"verify_signature": False})["exp"]


def test_token_path_can_be_switched_off_to_exercise_the_fallback():
    app = make_app(token_paths="token")
    gateway = Gateway(app.test_client())

    assert gateway.token("/oauth2/auth").status_code == 404
    assert gateway.token("/oauth2/token").status_code == 200


def test_business_call_without_token_is_401(gateway):
    reply = gateway.call("balance", authorization="")

    assert reply.status_code == 401
    assert reply.json["success"] is False


def test_garbage_token_is_401(gateway):
    assert gateway.call("balance", authorization="not-a-jwt").status_code == 401


def test_token_from_another_sandbox_is_401(gateway):
    foreign = Gateway(make_app().test_client()).access_token

    assert gateway.call("balance", authorization=foreign).status_code == 401


def test_token_really_expires_after_its_ttl():
    app = make_app(token_ttl=60)
    gateway = Gateway(app.test_client())
    with time_machine.travel("2025-11-25 09:00:00 +0800", tick=False) as traveller:
        token = gateway.access_token
        assert gateway.call("balance", authorization=token).status_code == 200

        traveller.shift(59)
        assert gateway.call("balance", authorization=token).status_code == 200

        traveller.shift(2)
        reply = gateway.call("balance", authorization=token)

    assert reply.status_code == 401
    assert get_sandbox_state(app).counters()["calls"]["balance"] == {"ok": 2, "401": 1}


def test_expire_tokens_revokes_every_token_issued_so_far(app, gateway):
    old = gateway.access_token

    app.test_client().post("/_sandbox/tokens/expire")

    assert gateway.call("balance", authorization=old).status_code == 401
    fresh = gateway.token().json["access_token"]
    assert gateway.call("balance", authorization=fresh).status_code == 200


@pytest.mark.parametrize(
    ("scheme", "bare_ok", "bearer_ok"),
    [("any", True, True), ("bare", True, False), ("bearer", False, True)],
)
def test_auth_scheme_setting_decides_which_header_forms_pass(scheme, bare_ok, bearer_ok):
    gateway = Gateway(make_app(auth_scheme=scheme).test_client())
    token = gateway.access_token

    bare = gateway.call("balance", authorization=token).status_code
    bearer = gateway.call("balance", authorization=f"Bearer {token}").status_code

    assert (bare == 200, bearer == 200) == (bare_ok, bearer_ok)
    assert {bare, bearer} <= {200, 401}


def test_auth_scheme_can_change_at_run_time(app, gateway):
    token = gateway.access_token

    app.test_client().post("/_sandbox/config", json={"auth_scheme": "bearer"})

    assert gateway.call("balance", authorization=token).status_code == 401
    assert gateway.call("balance", authorization=f"Bearer {token}").status_code == 200


def test_settings_come_from_env_when_config_is_silent(monkeypatch):
    monkeypatch.setenv("HAIER_SANDBOX_CLIENT_SECRET", "from-env")
    gateway = Gateway(make_app().test_client())

    assert gateway.token().status_code == 401
    assert gateway.token(client_secret="from-env").status_code == 200


def test_credentials_never_appear_in_state_repr(state):
    text = repr(state) + repr(state.settings)

    assert CREDENTIALS["client_secret"] not in text
    assert "sandbox-password" not in text


def test_unreadable_setting_is_an_error_not_a_default():
    with pytest.raises(ValueError, match="auth_scheme"):
        make_app(auth_scheme="basic")
    with pytest.raises(ValueError, match="token_ttl"):
        make_app(token_ttl="soon")
