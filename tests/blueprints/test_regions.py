"""The address widget endpoints (htmx fragment or page) and the regions JSON API."""

from __future__ import annotations

import re

import pytest

HTMX = {"HX-Request": "true"}


@pytest.fixture
def viewer_client(login_as):
    return login_as("viewer")


def _hidden_code(html: str, name: str = "county_code") -> str | None:
    match = re.search(rf'name="{name}" value="(\d{{6}})"', html)
    return match.group(1) if match else None


# -- access ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/regions/", "/regions/widget/resolve?address=北京", "/regions/widget/select?province=110000"],
)
def test_widget_pages_need_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_widget_fragment_for_signed_out_htmx_request_redirects_the_page(client):
    response = client.get("/regions/widget/resolve?address=北京", headers=HTMX)

    assert response.status_code == 401
    assert "/login" in response.headers["HX-Redirect"]


@pytest.mark.parametrize("url", ["/api/regions/resolve?address=北京市朝阳区", "/api/regions/110000/children"])
def test_api_needs_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
def test_every_signed_in_role_may_resolve(login_as, role):
    response = login_as(role).get("/api/regions/resolve?address=北京市朝阳区")

    assert response.status_code == 200


# -- JSON API ----------------------------------------------------------------------------------------------


def test_api_resolved_address(viewer_client):
    response = viewer_client.get("/api/regions/resolve", query_string={"address": "北京市朝阳区建国路88号"})

    body = response.get_json()
    assert response.status_code == 200
    assert body["success"] is True
    assert body["data"]["county_code"] == "110105"
    assert body["data"]["label"] == "北京市 朝阳区"
    assert body["data"]["detail"] == "建国路88号"


def test_api_ambiguous_address_is_400_with_candidates(viewer_client):
    response = viewer_client.get("/api/regions/resolve", query_string={"address": "朝阳区"})

    error = response.get_json()["error"]
    assert response.status_code == 400
    assert response.get_json()["success"] is False
    assert error["code"] == "address_ambiguous"
    assert error["message"] == "“朝阳区”对应多个区县，请选择"
    assert [c["code"] for c in error["candidates"]] == ["110105", "220104"]


def test_api_city_only_address_is_incomplete(viewer_client):
    response = viewer_client.get("/api/regions/resolve", query_string={"address": "北京"})

    error = response.get_json()["error"]
    assert response.status_code == 400
    assert error["code"] == "address_incomplete"
    assert error["message"] == "地址不完整：只识别到市级（北京市），请选择区县"
    assert error["candidates"] == []
    assert error["resolution"]["county_code"] is None


def test_api_unknown_address_is_unresolved(viewer_client):
    response = viewer_client.get("/api/regions/resolve", query_string={"address": "asdfgh"})

    error = response.get_json()["error"]
    assert response.status_code == 400
    assert (error["code"], error["message"]) == ("address_unresolved", "无法识别地址")


@pytest.mark.parametrize("query", ["", "?address=", "?address=%20%20"])
def test_api_without_address_is_missing_parameter(viewer_client, query):
    response = viewer_client.get(f"/api/regions/resolve{query}")

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "missing_parameter"


def test_api_resolves_structured_parts(viewer_client):
    response = viewer_client.get(
        "/api/regions/resolve", query_string={"province": "吉林省", "city": "长春市", "county": "朝阳区"}
    )

    assert response.status_code == 200
    assert response.get_json()["data"]["county_code"] == "220104"


def test_api_children_of_a_city(viewer_client):
    response = viewer_client.get("/api/regions/110100/children")

    data = response.get_json()["data"]
    assert response.status_code == 200
    chaoyang = next(item for item in data if item["code"] == "110105")
    assert chaoyang == {
        "code": "110105",
        "name": "朝阳区",
        "short_name": "朝阳",
        "level": "county",
        "parent_code": "110100",
        "is_county": True,
    }


def test_api_children_of_a_county_is_empty(viewer_client):
    response = viewer_client.get("/api/regions/110105/children")

    assert (response.status_code, response.get_json()["data"]) == (200, [])


@pytest.mark.parametrize("code", ["999999", "abc", "810000"])
def test_api_children_of_unknown_code_is_404(viewer_client, code):
    response = viewer_client.get(f"/api/regions/{code}/children")

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "region_not_found"


def test_api_provinces(viewer_client):
    response = viewer_client.get("/api/regions/provinces")

    data = response.get_json()["data"]
    assert len(data) == 31
    assert data[0]["code"] == "110000"


# -- widget fragments --------------------------------------------------------------------------------------


def test_resolve_fragment_for_htmx_and_page_otherwise(viewer_client):
    url = "/regions/widget/resolve?address=北京市朝阳区"

    fragment = viewer_client.get(url, headers=HTMX)
    page = viewer_client.get(url)

    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="address-widget-state"')
    assert "<html" not in fragment.get_data(as_text=True)
    assert "<html" in page.get_data(as_text=True)
    for response in (fragment, page):
        assert response.status_code == 200
        assert "HX-Request" in response.headers["Vary"]
        assert _hidden_code(response.get_data(as_text=True)) == "110105"


@pytest.mark.parametrize("header", ["HX-Boosted", "HX-History-Restore-Request"])
def test_boosted_and_history_restore_get_the_page(viewer_client, header):
    response = viewer_client.get("/regions/widget/resolve?address=北京", headers={**HTMX, header: "true"})

    assert "<html" in response.get_data(as_text=True)


def test_resolved_fragment_shows_names_and_code(viewer_client):
    html = viewer_client.get("/regions/widget/resolve?address=浙江杭州西湖区", headers=HTMX).get_data(
        as_text=True
    )

    assert "省：浙江省" in html and "市：杭州市" in html and "区县：西湖区" in html
    assert "编码 330106" in html
    assert re.search(r'<option value="330106" selected>', html)


def test_ambiguous_text_posts_no_code_and_offers_candidates(viewer_client):
    html = viewer_client.get("/regions/widget/resolve?address=朝阳区", headers=HTMX).get_data(as_text=True)

    assert _hidden_code(html) is None
    assert "“朝阳区”对应多个区县，请选择" in html
    assert 'data-code="110105"' in html and 'data-code="220104"' in html
    assert "北京市 朝阳区" in html and "吉林省 长春市 朝阳区" in html


def test_city_only_text_preselects_the_city_and_asks_for_the_county(viewer_client):
    html = viewer_client.get("/regions/widget/resolve?address=北京", headers=HTMX).get_data(as_text=True)

    assert _hidden_code(html) is None
    assert "请选择区县" in html
    assert '<option value="110100" selected>' in html
    assert '<option value="110105" >' in html or '<option value="110105">' in html


def test_choosing_a_candidate_settles_the_code(viewer_client):
    html = viewer_client.get(
        "/regions/widget/select",
        query_string={"province": "220000", "city": "220100", "county": "220104"},
        headers=HTMX,
    ).get_data(as_text=True)

    assert _hidden_code(html) == "220104"
    assert "区县：朝阳区" in html


def test_cascade_drops_a_county_from_another_city(viewer_client):
    html = viewer_client.get(
        "/regions/widget/select",
        query_string={"province": "330000", "city": "330100", "county": "110105"},
        headers=HTMX,
    ).get_data(as_text=True)

    assert _hidden_code(html) is None
    assert "请选择区县" in html
    assert '<option value="330106"' in html


def test_cascade_drops_a_city_when_the_province_changes(viewer_client):
    html = viewer_client.get(
        "/regions/widget/select", query_string={"province": "370000", "city": "330100"}, headers=HTMX
    ).get_data(as_text=True)

    assert "请选择城市" in html
    assert '<option value="370200"' in html
    assert "330100" not in html


def test_cascade_completes_a_city_that_is_its_own_county(viewer_client):
    html = viewer_client.get(
        "/regions/widget/select", query_string={"province": "440000", "city": "441900"}, headers=HTMX
    ).get_data(as_text=True)

    assert _hidden_code(html) == "441900"


def test_prefix_names_the_fields(viewer_client):
    html = viewer_client.get(
        "/regions/widget/resolve",
        query_string={"prefix": "delivery_", "delivery_address": "青岛崂山区"},
        headers=HTMX,
    ).get_data(as_text=True)

    assert _hidden_code(html, "delivery_county_code") == "370212"
    assert 'name="delivery_province"' in html
    assert 'id="delivery-widget-state"' in html


def test_unsafe_prefix_is_refused(viewer_client):
    response = viewer_client.get(
        "/regions/widget/resolve", query_string={"prefix": '"><script>', "address": "x"}
    )

    assert response.status_code == 400


def test_macro_renders_initial_value_server_side(app):
    from flask import render_template_string

    with app.test_request_context("/"):
        html = render_template_string(
            '{% from "regions/_address_widget.html" import address_widget %}'
            '{{ address_widget(prefix="ship_", value="江苏省苏州市昆山市") }}'
        )
        empty = render_template_string(
            '{% from "regions/_address_widget.html" import address_widget %}{{ address_widget() }}'
        )
        from_code = render_template_string(
            '{% from "regions/_address_widget.html" import address_widget %}'
            '{{ address_widget(county_code="429004") }}'
        )

    assert _hidden_code(html, "ship_county_code") == "320583"
    assert 'name="ship_address" value="江苏省苏州市昆山市"' in html
    assert _hidden_code(empty) is None
    assert _hidden_code(from_code) == "429004"


def test_region_api_accepts_a_personal_api_token(app, make_user):
    from dashboard.services import api_tokens

    user = make_user("script-user", "viewer")
    token = api_tokens.create_token(user, "script").plain
    client = app.test_client()
    response = client.get(
        "/api/regions/resolve?address=北京市朝阳区建国路88号", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200 and response.json["data"]["county_code"] == "110105"
    assert client.get("/api/regions/resolve?address=x", headers={"Authorization": "Bearer nope"}).status_code == 401
