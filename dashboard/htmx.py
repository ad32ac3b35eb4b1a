"""The one place that decides "fragment or full page" and builds htmx response headers."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, make_response, render_template, request

STOP_POLLING = 286  # htmx stops an `every Ns` trigger when it sees this status


def is_htmx_partial_request() -> bool:
    """A fragment is wanted only for a plain htmx request: boosted navigation and history restores want the page."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def render_page_or_fragment(
    page_template: str, fragment_template: str, status: int = 200, **context: Any
) -> Response:
    """Render the fragment for htmx requests and the page (which includes the fragment) otherwise."""
    template = fragment_template if is_htmx_partial_request() else page_template
    response = make_response(render_template(template, **context), status)
    add_vary(response)
    return response


def add_vary(response: Response) -> Response:
    response.vary.add("HX-Request")
    return response


def hx_redirect(response: Response, url: str) -> Response:
    response.headers["HX-Redirect"] = url
    return response


def hx_trigger(response: Response, events: str | dict[str, Any]) -> Response:
    response.headers["HX-Trigger"] = events if isinstance(events, str) else json.dumps(events)
    return response
