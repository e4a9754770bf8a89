"""The Messaging API clients (``line-bot-sdk`` v3, asyncio): one for the API, one for its
content host (members' files, rich menu images), both pointed where the settings say.

The SDK sends every call to ``Configuration.host`` when it is set, so the tests' fake (or any
other server) stands in for both of LINE's hosts.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
)

# What a call that never got LINE's answer raises (the SDK's transport is aiohttp).
NETWORK_ERRORS: tuple[type[BaseException], ...] = (aiohttp.ClientError, OSError, TimeoutError)


class LineApi:
    """Both clients of one channel; build it inside the running event loop (its HTTP
    sessions belong to the loop) and ``close`` it there."""

    def __init__(
        self, access_token: str, api_base_url: str, data_api_base_url: str, timeout: float
    ) -> None:
        self.timeout = timeout
        self._clients = [
            AsyncApiClient(Configuration(host=host, access_token=access_token))
            for host in (api_base_url.rstrip("/"), data_api_base_url.rstrip("/"))
        ]
        self.messaging = AsyncMessagingApi(self._clients[0])
        self.blob = AsyncMessagingApiBlob(self._clients[1])

    async def close(self) -> None:
        for client in self._clients:
            await client.close()


def refusal(error: Any) -> str:
    """LINE's ``message`` in a refused call's body (e.g. "Invalid reply token"), or ""."""
    body = getattr(error, "body", None)
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str):
        return ""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    return message[:200] if isinstance(message, str) else ""


def header(error: Any, name: str) -> str | None:
    """A header of a refused call's answer."""
    headers = getattr(error, "headers", None)
    if headers is None:
        return None
    value = headers.get(name)
    return str(value) if value is not None else None
