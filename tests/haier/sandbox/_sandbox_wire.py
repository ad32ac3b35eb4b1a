"""Wire-level helpers for the sandbox's own tests: valid request bodies and a test-client gateway."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from dashboard.haier.sandbox import create_sandbox_app
from dashboard.haier.sandbox.views import PATHS

CATALOGUE_SIZE = 300
CUSTOMER = "8800633175"
SEND_TO = "8800633176"
PASSWORD = "sandbox-password"
SELLER_PASSWORD = "sandbox-seller-password"
CREDENTIALS = {
    "client_id": "sandbox-client",
    "client_secret": "sandbox-secret",
    "grant_type": "client_credentials",
}


def valid_body(endpoint: str, **overrides: Any) -> dict[str, Any]:
    """A request body the sandbox accepts, with fields replaced (or removed when the value is ...)."""
    from dashboard.haier.sandbox.catalogue import catalogue

    first = catalogue(CATALOGUE_SIZE)[0].code
    bodies: dict[str, dict[str, Any]] = {
        "products": {
            "customerCode": CUSTOMER,
            "sendToCode": SEND_TO,
            "supplierCode": "1001",
            "searchType": "PTJSH",
            "passWord": PASSWORD,
            "productCodes": [first],
        },
        "prices": {
            "customerCode": CUSTOMER,
            "sendToCode": SEND_TO,
            "productCodes": [first],
            "priceType": "PT",
            "passWord": PASSWORD,
        },
        "stock": {
            "salesCode": CUSTOMER,
            "senderCode": SEND_TO,
            "productCode": first,
            "countyCode": "110105",
            "source": "JSH-B",
            "sellerPassword": SELLER_PASSWORD,
        },
        "logistics": {
            "orderCode": "SO.20190106.000003",
            "sellerCode": CUSTOMER,
            "sellerPassword": SELLER_PASSWORD,
        },
        "balance": {"customerCode": CUSTOMER, "customerPassword": SELLER_PASSWORD},
    }
    body = dict(bodies[endpoint])
    for key, value in overrides.items():
        if value is ...:
            body.pop(key, None)
        else:
            body[key] = value
    return body


class Gateway:
    """Speaks the wire protocol to an in-process sandbox through the Flask test client."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self._token: str | None = None

    def token(self, path: str = "/oauth2/auth", **body: Any):
        return self.client.post(path, json={**CREDENTIALS, **body})

    @property
    def access_token(self) -> str:
        if self._token is None:
            reply = self.token()
            assert reply.status_code == 200, reply.get_data(as_text=True)
            self._token = reply.json["access_token"]
        return self._token

    def call(self, endpoint: str, body: Any = None, *, authorization: str | None = None, **overrides: Any):
        if body is None:
            body = valid_body(endpoint, **overrides)
        header = self.access_token if authorization is None else authorization
        headers = {"Authorization": header} if header else {}
        return self.client.post(PATHS[endpoint], json=body, headers=headers)


def make_app(**settings: Any) -> Flask:
    config = {"HAIER_SANDBOX_CATALOGUE_SIZE": CATALOGUE_SIZE, "HAIER_SANDBOX_RATE_LIMIT": 0}
    config.update({f"HAIER_SANDBOX_{name.upper()}": value for name, value in settings.items()})
    return create_sandbox_app(config)
