"""Fetching a token from Haier's OAuth2 endpoint (client credentials); caching lives in token.py."""

from __future__ import annotations

from collections.abc import Callable

from . import parsing
from .errors import HaierAuthError, HaierBusinessError, HaierProtocolError
from .masking import mask_text
from .observers import CallRecord
from .settings import HaierSettings
from .token import TokenInfo, TokenReplyError, token_from_reply
from .transport import Reply, Transport

AUTH_PATH, FALLBACK_PATH = "/oauth2/auth", "/oauth2/token"


class TokenFetcher:
    def __init__(
        self, settings: HaierSettings, transport: Transport, wall_clock: Callable[[], float]
    ) -> None:
        self.settings = settings
        self.transport = transport
        self.wall_clock = wall_clock
        self.url = settings.token_url

    def fetch(self, record: CallRecord) -> TokenInfo:
        """One token from Haier, or HaierAuthError / HaierUnavailable / HaierProtocolError."""
        payload = {
            "client_id": self.settings.require("client_id"),
            "client_secret": self.settings.require("client_secret"),
            "grant_type": "client_credentials",
        }
        reply = self._post(payload, record)
        if reply.status == 401:
            raise HaierAuthError("client credentials refused (401)", status=401, endpoint="token")
        body = reply.body
        if isinstance(body, dict) and body.get("success") is False:
            _, _, message = parsing.unwrap(body)
            # A gateway may echo the request, client secret included, in its refusal.
            text = mask_text(message, self.transport.secrets()) if message else "success:false"
            raise HaierAuthError(f"token request refused: {text}", endpoint="token")
        try:
            return token_from_reply(
                body, now=self.wall_clock(), margin=self.settings.token_refresh_margin_seconds
            )
        except TokenReplyError as exc:
            raise self.transport.protocol_error(str(exc), reply.raw, reply.status, "token") from None

    def _post(self, payload: dict, record: CallRecord) -> Reply:
        try:
            try:
                return self.transport.post(self.url, payload, {}, record)
            except HaierProtocolError as exc:
                fallback = self._fallback_url()
                if exc.status not in (404, 405) or fallback is None:
                    raise
                # Some deployments only answer on /oauth2/token; remember it once it works.
                reply = self.transport.post(fallback, payload, {}, record)
                self.url = fallback
                return reply
        except HaierBusinessError as exc:  # a 400: the gateway refused our credentials request
            raise HaierAuthError(
                f"token request rejected: {exc.message}", status=exc.status, endpoint="token"
            ) from None

    def _fallback_url(self) -> str | None:
        url = self.url.rstrip("/")
        return url[: -len(AUTH_PATH)] + FALLBACK_PATH if url.endswith(AUTH_PATH) else None
