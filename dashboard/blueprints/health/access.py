"""Who may scrape /metrics: a bearer token (METRICS_TOKEN) or an allow-listed peer (METRICS_ALLOWED_IPS).

Either one suffices. The allow-list holds addresses or networks (`10.0.0.0/8`) and is checked against the
direct peer: behind a reverse proxy that is the proxy, so use the token there. With neither setting every
scrape is refused (403) and the refusal is logged; an open /metrics is never the silent default.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from dataclasses import dataclass

from flask import Flask, current_app

logger = logging.getLogger(__name__)
EXTENSION_KEY = "metrics_access"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class MetricsAccess:
    token: str | None
    networks: tuple[Network, ...]

    def __repr__(self) -> str:
        return f"MetricsAccess(token={'***' if self.token else None}, networks={self.networks!r})"

    def allows(self, remote_addr: str | None, authorization: str | None) -> bool:
        return self.token_matches(authorization) or self.address_allowed(remote_addr)

    def token_matches(self, authorization: str | None) -> bool:
        if not self.token or not authorization:
            return False
        scheme, _, presented = authorization.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            presented.strip().encode(), self.token.encode()
        )

    def address_allowed(self, remote_addr: str | None) -> bool:
        if not remote_addr:
            return False
        try:
            address = ipaddress.ip_address(remote_addr)
        except ValueError:
            return False
        return any(address in network for network in self.networks)


def parse_networks(value: str | None) -> tuple[Network, ...]:
    """`"127.0.0.1, 10.0.0.0/8"` → networks; an unreadable entry is a start-up error, not ignored."""
    networks = []
    for part in (value or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"METRICS_ALLOWED_IPS: {part!r} is not an address or network") from None
    return tuple(networks)


def init_app(app: Flask) -> None:
    access = MetricsAccess(
        app.config.get("METRICS_TOKEN"), parse_networks(app.config.get("METRICS_ALLOWED_IPS"))
    )
    if not access.token and not access.networks:
        logger.warning("/metrics refuses every scrape: set METRICS_TOKEN or METRICS_ALLOWED_IPS")
    app.extensions[EXTENSION_KEY] = access


def metrics_access() -> MetricsAccess:
    return current_app.extensions[EXTENSION_KEY]
