"""Serve a sandbox app on a real loopback port from a daemon thread, for integration tests and benchmarks."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Self

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .state import EXTENSION_KEY


class _QuietHandler(WSGIRequestHandler):
    # A benchmark makes thousands of calls; one access-log line each would swamp the test output.
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class SandboxServer:
    def __init__(self, app: Flask, server: BaseWSGIServer) -> None:
        self.app = app
        self._server = server
        self.host = server.host
        self.port = server.port
        self.url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(
            target=server.serve_forever,
            # Poll often so shutdown (a test's teardown) returns in tens of ms, not werkzeug's default half second.
            kwargs={"poll_interval": 0.05},
            name=f"haier-sandbox-{self.port}",
            daemon=True,
        )

    def __repr__(self) -> str:
        return f"<SandboxServer {self.url}>"

    def start(self) -> SandboxServer:
        self._thread.start()
        return self

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop serving. Hanging calls are released at once, so this never waits out a hang fault."""
        state = self.app.extensions.get(EXTENSION_KEY)
        if state is not None:
            state.stop_event.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()


def serve_in_thread(app: Flask, host: str = "127.0.0.1", port: int = 0) -> SandboxServer:
    """Start serving `app` (port 0 picks a free one); each request gets its own thread."""
    # werkzeug's threaded server listens with a backlog of 128, enough for bursts from dozens of clients.
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    state = app.extensions.get(EXTENSION_KEY)
    if state is not None:
        state.stop_event.clear()  # the app may have been served, and shut down, before
    return SandboxServer(app, server).start()
