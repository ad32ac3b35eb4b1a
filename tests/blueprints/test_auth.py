import pytest

from tests.conftest import PASSWORD


def test_login_page_renders_in_chinese(client):
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page and "用户名" in page


def test_protected_page_redirects_to_login_when_signed_out(client):
    response = client.get("/products/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/products/")


def test_htmx_request_with_expired_session_gets_hx_redirect_not_a_login_page(client):
    response = client.get("/products/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")
    assert response.get_data(as_text=True) == ""


def test_good_credentials_sign_in_and_record_last_login(client, viewer):
    response = client.post("/login", data={"username": viewer.username, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/products/"
    assert viewer.last_login_at is not None
    assert client.get("/products/").status_code == 200


def test_next_parameter_cannot_redirect_off_site(client, viewer):
    response = client.post(
        "/login?next=https://evil.example/", data={"username": viewer.username, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/products/"


@pytest.mark.parametrize("username", ["viewer-user", "nobody"])
def test_wrong_password_and_unknown_user_get_the_same_generic_message(client, viewer, username):
    response = client.post("/login", data={"username": username, "password": "wrong-password"})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_inactive_user_cannot_sign_in(client, make_user):
    from dashboard.services import accounts

    make_user("gone", "operator")
    accounts.deactivate("gone")
    response = client.post("/login", data={"username": "gone", "password": PASSWORD})
    assert response.status_code == 401


def test_login_is_throttled_per_account_even_with_the_right_password(app, client, viewer):
    for _ in range(app.config["LOGIN_MAX_ATTEMPTS"]):
        client.post("/login", data={"username": viewer.username, "password": "wrong-password"})
    response = client.post("/login", data={"username": viewer.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.get_data(as_text=True)


def test_login_is_throttled_per_address_across_accounts(app, client, make_user):
    limit = app.config["LOGIN_MAX_ATTEMPTS"] * 4
    for i in range(limit):
        client.post("/login", data={"username": f"guess-{i}", "password": "wrong-password"})
    user = make_user("fresh-user", "viewer")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 429


def test_login_without_csrf_token_is_rejected(client, viewer):
    response = client.post("/login", data={"username": viewer.username, "password": PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert client.get("/products/").status_code == 302  # still signed out


def test_logout_requires_post_with_csrf(login_as):
    client = login_as("viewer")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout", csrf=False).status_code == 400
    assert client.post("/logout").status_code == 302
    assert client.get("/products/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(client, viewer):
    response = client.post("/login", data={"username": viewer.username, "password": PASSWORD})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_security_headers_on_every_page(client):
    headers = client.get("/login").headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_password_hash_never_appears_in_repr(viewer):
    assert viewer.password_hash not in repr(viewer)
