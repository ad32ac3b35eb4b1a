"""Fixtures for the sandbox's own tests: an in-process sandbox app and a wire-level gateway helper."""

from __future__ import annotations

import pytest
from _sandbox_wire import Gateway, make_app
from flask import Flask

from dashboard.haier.sandbox import SandboxState, get_sandbox_state


@pytest.fixture
def app() -> Flask:
    return make_app()


@pytest.fixture
def state(app: Flask) -> SandboxState:
    return get_sandbox_state(app)


@pytest.fixture
def gateway(app: Flask) -> Gateway:
    return Gateway(app.test_client())
