"""python-telegram-bot's HTTP calls made with aiohttp instead of its default httpx.

PTB lets a ``BaseRequest`` subclass carry its requests (its documented extension point for
other networking libraries). Measured against the fake Bot API, a ``send_message`` through
httpx and httpcore costs about four times the CPU of the same call through aiohttp, and in a
burst that difference is a large part of what one process can answer (BENCHMARKS.md).
aiohttp is already here for Slack.

Calls without files go as one JSON body (the Bot API takes ``application/json``), written once
from the parameters, rather than as a form whose every value PTB first JSON-encodes and aiohttp
then percent-encodes: a fifth of a ``sendMessage``'s CPU in a burst went to that form.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """Bot API requests over one pooled aiohttp session.

    ``timeout`` is the default for connecting (waiting for a pooled connection included) and
    for each read; aiohttp has no separate write timeout, so a stalled upload ends at the read
    timeout. Timeouts raise PTB's ``TimedOut`` and other transport errors ``NetworkError``, as
    with PTB's own request class, so callers retry them the same way.
    """

    def __init__(self, *, connections: int, timeout: float) -> None:
        self._connections = connections
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": self.USER_AGENT},
                json_serialize=_json,
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    def _seconds(self, value: ODVInput[float]) -> float | None:
        return self._timeout if isinstance(value, DefaultValue) else value

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        data: aiohttp.FormData | None = None
        body: dict[str, Any] | None = None
        if request_data is not None:
            files = request_data.multipart_data
            if files:
                # Names as browsers and httpx write them (raw UTF-8, WHATWG escapes), not
                # aiohttp's default percent-encoding, which would reach members as %E9%96….
                form = aiohttp.FormData(request_data.json_parameters, quote_fields=False)
                for name, (filename, content, mime) in files.items():
                    form.add_field(name, content, filename=_html5(filename), content_type=mime)
                data = form
            else:
                body = request_data.parameters
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=self._seconds(connect_timeout),
            sock_read=self._seconds(read_timeout),
        )
        try:
            async with self._session.request(
                method, url, data=data, json=body, timeout=timeout
            ) as answer:
                return answer.status, await answer.read()
        except TimeoutError as error:  # asyncio's and aiohttp's timeouts alike
            raise TimedOut from error
        except (aiohttp.ClientError, OSError) as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def _json(parameters: Any) -> str:
    """The parameters as compact JSON; text stays UTF-8 rather than ``\\u`` escapes."""
    return json.dumps(parameters, ensure_ascii=False, separators=(",", ":"))


def _html5(filename: str) -> str:
    """A multipart file name escaped the WHATWG way: ``"`` and line breaks as %XX."""
    return filename.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
