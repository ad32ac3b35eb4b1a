"""The profile page: create a personal API token (shown once), list, revoke; plain form posts and htmx."""

from __future__ import annotations

import re

import pytest

from dashboard.models import ApiToken
from dashboard.services import api_tokens

HTMX = {"HX-Request": "true"}


def _shown_token(html: str) -> str | None:
    match = re.search(r'value="(hd_[^"]+)"', html)
    return match.group(1) if match else None


@pytest.fixture
def viewer_client(login_as):
    return login_as("viewer")


def test_profile_page_lists_the_users_tokens_without_secrets(viewer_client):
    api_tokens.create_token(viewer_client.user, "仓库扫码枪")
    response = viewer_client.get("/profile/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "我的账户" in html and "仓库扫码枪" in html and "有效" in html
    assert _shown_token(html) is None
    assert response.headers["Cache-Control"] == "no-store"


def test_profile_needs_sign_in(client):
    response = client.get("/profile/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_nav_links_to_the_profile(viewer_client):
    assert 'href="/profile/"' in viewer_client.get("/products/").get_data(as_text=True)


def test_creating_a_token_shows_it_once_and_it_works_for_the_api(viewer_client, app):
    response = viewer_client.post("/profile/tokens/", data={"name": "手机应用"})
    html = response.get_data(as_text=True)
    assert response.status_code == 201
    plain = _shown_token(html)
    assert plain
    assert "无法再次查看" in html
    api = app.test_client()
    assert api.get("/api/products/", headers={"Authorization": f"Bearer {plain}"}).status_code == 200
    assert _shown_token(viewer_client.get("/profile/").get_data(as_text=True)) is None


def test_creating_through_htmx_returns_the_token_fragment(viewer_client):
    response = viewer_client.post("/profile/tokens/", data={"name": "脚本"}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 201
    assert html.lstrip().startswith('<div id="api-tokens">') and "<html" not in html
    assert _shown_token(html) and "脚本" in html
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize("name", ["", "x" * 81])
def test_bad_name_re_renders_the_form_with_422(viewer_client, name):
    response = viewer_client.post("/profile/tokens/", data={"name": name}, headers=HTMX)
    assert response.status_code == 422
    assert "field-error" in response.get_data(as_text=True)
    assert _shown_token(response.get_data(as_text=True)) is None


def test_create_without_csrf_is_refused(viewer_client):
    response = viewer_client.post("/profile/tokens/", data={"name": "t"}, csrf=False)
    assert response.status_code == 400
    assert api_tokens.list_tokens(viewer_client.user) == []


def test_revoke_with_htmx_updates_the_list_and_the_token_stops_working(viewer_client, app):
    created = api_tokens.create_token(viewer_client.user, "旧脚本")
    response = viewer_client.post(f"/profile/tokens/{created.token.id}/revoke", headers=HTMX)
    assert response.status_code == 200
    assert "已撤销" in response.get_data(as_text=True)
    api = app.test_client()
    assert api.get("/api/products/", headers={"Authorization": f"Bearer {created.plain}"}).status_code == 401


def test_revoke_without_javascript_redirects_with_a_message(viewer_client):
    created = api_tokens.create_token(viewer_client.user, "旧脚本")
    response = viewer_client.post(f"/profile/tokens/{created.token.id}/revoke")
    assert response.status_code == 303 and response.headers["Location"].endswith("/profile/")
    assert "已撤销令牌" in viewer_client.get("/profile/").get_data(as_text=True)


def test_cannot_revoke_someone_elses_token(viewer_client, make_user, db_session):
    other = api_tokens.create_token(make_user("other-user"), "theirs")
    response = viewer_client.post(f"/profile/tokens/{other.token.id}/revoke", headers=HTMX)
    assert response.status_code == 404
    db_session.expire_all()
    assert db_session.get(ApiToken, other.token.id).revoked_at is None


def test_other_users_tokens_are_not_listed(viewer_client, make_user):
    api_tokens.create_token(make_user("other-user"), "theirs")
    assert "theirs" not in viewer_client.get("/profile/").get_data(as_text=True)
