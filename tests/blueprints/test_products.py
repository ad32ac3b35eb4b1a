import pytest

from tests.factories import make_product, make_products


@pytest.fixture
def viewer_client(login_as):
    return login_as("viewer")


def test_catalogue_lists_products_with_pagination(app, viewer_client):
    make_products(120)
    page = viewer_client.get("/products/").get_data(as_text=True)
    assert "共 120 条" in page and "第 1 / 3 页" in page
    assert ">T00000<" in page and ">T00050<" not in page
    second = viewer_client.get("/products/?page=2").get_data(as_text=True)
    assert ">T00050<" in second and ">T00000<" not in second


@pytest.mark.parametrize(
    "raw_page, shown", [("0", 1), ("-5", 1), ("abc", 1), ("999", 3), ("99999999999999", 3)]
)
def test_out_of_range_or_malformed_page_is_corrected_not_an_error(viewer_client, raw_page, shown):
    make_products(120)
    response = viewer_client.get(f"/products/?page={raw_page}")
    assert response.status_code == 200
    assert f"第 {shown} / 3 页" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["stock=plenty", "sale=maybe"])
def test_unknown_filter_value_is_a_clear_400(viewer_client, query):
    response = viewer_client.get(f"/products/?{query}")
    assert response.status_code == 400
    assert "参数无效" in response.get_data(as_text=True)


def test_unknown_sort_column_falls_back_to_code(viewer_client):
    make_products(3)
    assert viewer_client.get("/products/?sort=password_hash").status_code == 200


def test_search_matches_code_model_and_name_case_insensitively(viewer_client):
    make_product("GA0SZC00U", model="EC6001-HT3", name="海尔 60升电热水器")
    make_product("BE0ABC001", model="BCD-470WGHTDEDUA", name="海尔 470升冰箱")
    for term in ("ga0szc", "ec6001", "电热水器"):
        page = viewer_client.get(f"/products/?q={term}").get_data(as_text=True)
        assert ">GA0SZC00U<" in page and ">BE0ABC001<" not in page, term


def test_search_treats_like_wildcards_literally(viewer_client):
    make_product("P1", model="A_B")
    make_product("P2", model="AXB")
    page = viewer_client.get("/products/?q=a_b").get_data(as_text=True)
    assert ">P1<" in page and ">P2<" not in page


def test_filters_by_group_brand_and_sale_status(viewer_client):
    make_product("FRIDGE1", product_group="冰箱", brand="海尔")
    make_product("WASHER1", product_group="滚筒洗衣机", brand="卡萨帝")
    make_product("HEATER1", product_group="电热水器", brand="海尔", is_sales=False)
    page = viewer_client.get("/products/?group=滚筒洗衣机").get_data(as_text=True)
    assert ">WASHER1<" in page and ">FRIDGE1<" not in page
    page = viewer_client.get("/products/?brand=海尔&sale=0").get_data(as_text=True)
    assert ">HEATER1<" in page and ">FRIDGE1<" not in page


def test_sorting_by_column_in_both_directions(viewer_client):
    make_product("A1", model="ZZZ")
    make_product("B1", model="AAA")
    ascending = viewer_client.get("/products/?sort=model").get_data(as_text=True)
    assert ascending.index(">B1<") < ascending.index(">A1<")
    descending = viewer_client.get("/products/?sort=model&direction=desc").get_data(as_text=True)
    assert descending.index(">A1<") < descending.index(">B1<")


def test_htmx_request_gets_the_table_fragment_and_vary_header(viewer_client):
    make_products(2)
    response = viewer_client.get("/products/", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "<table" in body and "<html" not in body
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize("extra", [{"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}, {}])
def test_boosted_history_restore_and_plain_requests_get_the_full_page(viewer_client, extra):
    headers = {"HX-Request": "true", **extra} if extra else {}
    response = viewer_client.get("/products/", headers=headers)
    assert "<html" in response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]


def test_product_detail_shows_fields_and_404_for_unknown(viewer_client):
    product = make_product("GA0SZC00U", model="EC6001-HT3", no_sales_reason=None)
    page = viewer_client.get(f"/products/{product.id}").get_data(as_text=True)
    assert "EC6001-HT3" in page and "¥1,999.00" in page and "商品信息" in page
    assert viewer_client.get("/products/999999").status_code == 404


def test_sandbox_banner_shows_when_mock_data_is_on(make_app, make_user):
    from tests.conftest import PASSWORD

    for flag, expected in ((True, True), (False, False)):
        app = make_app(HAIER_USE_MOCK_DATA=flag)
        with app.app_context():
            user = make_user(f"u{int(flag)}", "viewer")
            client = app.test_client()
            client.post("/login", data={"username": user.username, "password": PASSWORD})
            assert ("沙箱" in client.get("/products/").get_data(as_text=True)) is expected


@pytest.mark.parametrize("term", ["冰", "ec", 'a"b', "60升电热"])
def test_search_terms_of_any_length_and_with_quotes(viewer_client, term):
    make_product("GA0SZC00U", model="EC6001-HT3", name="海尔 60升电热水器")
    make_product("BE0ABC001", model='A"B-470', name="海尔 470升冰箱")
    page = viewer_client.get("/products/", query_string={"q": term}).get_data(as_text=True)
    expected = {"冰": "BE0ABC001", "ec": "GA0SZC00U", 'a"b': "BE0ABC001", "60升电热": "GA0SZC00U"}[term]
    other = ({"GA0SZC00U", "BE0ABC001"} - {expected}).pop()
    assert f">{expected}<" in page and f">{other}<" not in page


def test_search_follows_renamed_products(viewer_client, db_session):
    product = make_product("GA0SZC00U", model="EC6001-HT3", name="海尔 60升电热水器")
    product.name = "海尔 80升燃气热水器"
    db_session.commit()
    assert ">GA0SZC00U<" in viewer_client.get("/products/?q=80升燃气").get_data(as_text=True)
    assert ">GA0SZC00U<" not in viewer_client.get("/products/?q=60升电热").get_data(as_text=True)


def test_admins_can_take_the_current_filter_to_the_sync_page(login_as):
    make_product("FRIDGE1", product_group="冰箱")
    admin_page = login_as("admin").get("/products/?group=冰箱&sort=model").get_data(as_text=True)
    assert "同步筛选出的 1 个商品" in admin_page and "/sync/?group=" in admin_page
    assert "同步筛选出的" not in login_as("admin").get("/products/").get_data(as_text=True)
    assert "同步筛选出的" not in login_as("operator").get("/products/?group=冰箱").get_data(as_text=True)
