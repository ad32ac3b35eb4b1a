"""Shared fixtures: apps on SQLite and PostgreSQL built by the migrations, users by role, the Haier sandbox
on a live port, the dashboard on a live port, and Playwright pages in Debian's Chromium.

Under CI (CI=true) a PostgreSQL or browser test that cannot run is a failure, not a skip.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from dashboard import create_app
from dashboard.config import TestConfig, normalise_database_url
from dashboard.extensions import db

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "correct-horse-battery"


def skip_or_fail(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


def pytest_configure(config):
    config.addinivalue_line("markers", "pg: needs PostgreSQL (TEST_DATABASE_URL)")
    config.addinivalue_line("markers", "browser: drives headless Chromium with Playwright")
    config.addinivalue_line("markers", "sqlite_only: runs on SQLite only")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI a PostgreSQL or browser test that skipped (for whatever reason) counts as failed."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and (item.get_closest_marker("pg") or item.get_closest_marker("browser")):
        report.outcome = "failed"
        report.longrepr = (
            f"skipped under CI, where PostgreSQL and browser tests are required: {report.longrepr}"
        )


def pytest_collection_modifyitems(config, items):
    """Tests marked sqlite_only (browser flows, SQLite specifics) are not generated for PostgreSQL at all."""
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if item.get_closest_marker("sqlite_only") and params.get("database_uri") == "postgresql":
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# --- databases -------------------------------------------------------------------------------------------------


def _base_config(database_uri: str) -> dict:
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config["SQLALCHEMY_DATABASE_URI"] = database_uri
    # Each app gets its own cache namespace, so tests sharing one Redis never see each other's entries.
    config["CACHE_KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:8]}:"
    config["REDIS_URL"] = os.environ.get("REDIS_URL")
    return config


def migrate_to_head(database_uri: str) -> None:
    import flask_migrate

    app = create_app(_base_config(database_uri))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A database migrated once per session; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    migrate_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test session, migrated once."""
    base_url = os.environ.get("TEST_DATABASE_URL")
    if not base_url:
        skip_or_fail("TEST_DATABASE_URL is not set")
    base_url = normalise_database_url(base_url)
    name = f"dashboard_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base_url.rsplit("/", 1)[0] + f"/{name}"
    migrate_to_head(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def database_uri(request, tmp_path) -> Iterator[str]:
    """Every database test runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        path = tmp_path / "dashboard.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_database")
    yield url
    _truncate_all(url)


class DashboardClient(FlaskClient):
    """A test client that sends the CSRF token like the real pages do (header set once in base.html).

    Pass `csrf=False` to send a state-changing request without it.
    """

    _csrf_token: str | None = None

    def csrf_token(self) -> str:
        if self._csrf_token is None:
            page = super().open("/login", method="GET").get_data(as_text=True)
            match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page) or re.search(
                r'"X-CSRFToken": "([^"]+)"', page
            )
            assert match, "no CSRF token on /login"
            self._csrf_token = match.group(1)
        return self._csrf_token

    def open(self, *args, csrf: bool = True, **kwargs):
        # The test's app context is reused by requests (Flask pushes a new one only when none is active), so
        # per-request state kept on `g` (Flask-Login's user, Flask-WTF's CSRF token) would leak from one
        # client's request into another's. A real server gives each request a fresh `g`.
        from flask import g, has_app_context

        if has_app_context():
            for name in list(g):
                g.pop(name)
        method = (kwargs.get("method") or "GET").upper()
        if csrf and method not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


@pytest.fixture
def make_app(database_uri):
    """Build an app on this test's database, with overrides; every app made is cleaned up."""
    apps = []

    def factory(**overrides):
        app = create_app({**_base_config(database_uri), **overrides})
        app.test_client_class = DashboardClient
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app) -> DashboardClient:
    return app.test_client()


@pytest.fixture
def db_session(app):
    return db.session


# --- users ----------------------------------------------------------------------------------------------------


@pytest.fixture
def make_user(app):
    from dashboard.services import accounts

    def factory(username: str, role: str = "viewer", password: str = PASSWORD):
        return accounts.create_user(username, role, password).user

    return factory


@pytest.fixture
def admin(make_user):
    return make_user("admin-user", "admin")


@pytest.fixture
def operator(make_user):
    return make_user("operator-user", "operator")


@pytest.fixture
def viewer(make_user):
    return make_user("viewer-user", "viewer")


@pytest.fixture
def login_as(app, make_user):
    """login_as("operator") → a client signed in as a fresh user with that role."""

    def sign_in(role: str, username: str | None = None) -> DashboardClient:
        user = make_user(username or f"{role}-{uuid.uuid4().hex[:6]}", role)
        client = app.test_client()
        response = client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        client.user = user
        return client

    return sign_in


# --- live servers ---------------------------------------------------------------------------------------------


SANDBOX_TEST_SETTINGS = {
    "HAIER_SANDBOX_CATALOGUE_SIZE": 200,
    "HAIER_SANDBOX_RATE_LIMIT": 100,
    "HAIER_SANDBOX_LATENCY_MS": 0,
}


@pytest.fixture(scope="session")
def sandbox_server():
    from dashboard.haier.sandbox import create_sandbox_app
    from dashboard.haier.sandbox.server import serve_in_thread

    server = serve_in_thread(create_sandbox_app(dict(SANDBOX_TEST_SETTINGS)))
    yield server
    server.shutdown()


@pytest.fixture
def sandbox(sandbox_server):
    """The Haier sandbox on a live loopback port, its faults and counters reset for each test."""
    from dashboard.haier.sandbox import get_sandbox_state

    state = get_sandbox_state(sandbox_server.app)
    state.reset()
    yield sandbox_server
    state.reset()


@pytest.fixture
def sandbox_state(sandbox):
    """The sandbox's knobs and counters (faults, clock, rate limit), from Python."""
    from dashboard.haier.sandbox import get_sandbox_state

    return get_sandbox_state(sandbox.app)


@pytest.fixture
def haier_app(make_app, sandbox):
    """An app whose real Haier client talks to the sandbox; one attempt per call keeps failure tests quick."""
    app = make_app(**haier_settings_for(sandbox), HAIER_MAX_ATTEMPTS=1)
    with app.app_context():
        yield app


def haier_settings_for(sandbox_server) -> dict:
    """App settings that point the real Haier client at the sandbox (short timeouts keep fault tests quick)."""
    from dashboard.haier.sandbox import get_sandbox_state

    settings = get_sandbox_state(sandbox_server.app).settings
    return {
        **settings.client_config(sandbox_server.url),
        "HAIER_READ_TIMEOUT": 5.0,
        "HAIER_DEADLINE_SECONDS": 15.0,
    }


@pytest.fixture
def live_server(app):
    """The dashboard app of this test served on an ephemeral loopback port."""
    from dashboard.haier.sandbox.server import serve_in_thread

    server = serve_in_thread(app)
    yield server
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def sign_in_page(page, make_user):
    """Sign a fresh user of `role` in through the real login form; returns the Playwright page."""

    def sign_in(role: str):
        user = make_user(f"{role}-{uuid.uuid4().hex[:6]}", role)
        page.goto("/login")
        page.get_by_label("用户名").fill(user.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url("**/products/**")
        return page

    return sign_in
