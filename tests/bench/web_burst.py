"""Web chat burst: many members on the co-op's website file a disclosure request at once, on the
same stored database as the Telegram and LINE bursts, in the same ``make bench`` run.

Each member is a browser as the page behaves: it opens ``/chat/coopdeli`` (a new session and
the greeting), then sends the Telegram burst's lines one after another, each as the page's
``POST /send`` with its CSRF token, the next once the previous one's answer is committed (the
POST returns then). The latency is the page's own: from the POST leaving the browser to its
answer being committed and the response back, with ``MEMBERS`` browsers at once. A POST whose
connection drops is sent again with the same id, as chat.js does (the desk takes it once); the
resends are counted and reported, and a message the desk never took fails the run.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from tests.bench.burst import SCRIPT, _cpu_seconds
from tests.bench.common import percentile
from tests.bench.run import FULL
from tests.bot.web_served import serving_web

# The disclosure request as a web member makes it: the page is already the co-op's.
TEXTS: tuple[str, ...] = tuple(text for _command, text in SCRIPT[1:])
MEMBERS = 200 if FULL else 50
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@dataclass(frozen=True)
class WebRun:
    """One web burst against one server process."""

    messages: int
    seconds: float
    latencies_ms: list[float]
    server_cpu_ms: float  # per message, user + system
    resends: int  # POSTs sent again after a dropped connection, as the page does

    @property
    def rate(self) -> float:
        return self.messages / self.seconds


# chat.js tries a POST five times, waiting a second longer after each network error.
SEND_ATTEMPTS = 5


async def _member(base: str, latencies: list[float], resends: list[int]) -> None:
    jar = aiohttp.CookieJar(unsafe=True)  # 127.0.0.1: an IP address, cookies still kept
    async with aiohttp.ClientSession(cookie_jar=jar) as browser:
        async with browser.get(f"{base}/chat/coopdeli") as page:
            found = CSRF.search(await page.text())
            assert found, "no CSRF token on the page"
        headers = {"X-CSRF-Token": found[1]}
        for text in TEXTS:
            message = {"id": uuid.uuid4().hex, "text": text}
            started = time.perf_counter()
            for attempt in range(SEND_ATTEMPTS):
                try:
                    async with browser.post(
                        f"{base}/chat/coopdeli/send", json=message, headers=headers
                    ) as answer:
                        assert answer.status == 200, await answer.text()
                    break
                except aiohttp.ClientConnectionError:
                    if attempt == SEND_ATTEMPTS - 1:
                        raise
                    resends.append(1)
                    await asyncio.sleep(attempt + 1)
            latencies.append((time.perf_counter() - started) * 1000)


async def _burst(base: str, members: int) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    resends: list[int] = []
    started = time.monotonic()
    await asyncio.gather(*(_member(base, latencies, resends) for _ in range(members)))
    return time.monotonic() - started, latencies, len(resends)


def one_run(database: Path, directory: Path, members: int = MEMBERS) -> WebRun:
    """A fresh server on ``database`` with the web chat; two warm-up members, then
    ``members`` browsers at once."""
    log = directory / "serve-web.log"
    with serving_web(
        database,
        log_file=log,
        # Every browser here shares one address: the flood limits are not this run's subject.
        WEBCHAT_SESSIONS_PER_HOUR="100000",
        WEBCHAT_REQUESTS_PER_MINUTE="1000000",
    ) as served:
        base = f"http://127.0.0.1:{served.port}"
        asyncio.run(_burst(base, 2))
        cpu = _cpu_seconds(served.process.pid)
        seconds, latencies, resends = asyncio.run(_burst(base, members))
        server_cpu = _cpu_seconds(served.process.pid) - cpu
        cases = served.query("SELECT count(*) FROM \"case\" WHERE channel = 'web'")
    if cases[0][0] < members:
        raise RuntimeError(f"{members} web members but {cases[0][0]} web cases")
    messages = members * len(TEXTS)
    return WebRun(messages, seconds, latencies, server_cpu / messages * 1000, resends)


def summary(runs: list[WebRun]) -> tuple[float, float, float, float, float, int]:
    """Median rate, p50, p95, p99, CPU per message and all resends over ``runs``."""
    p50, p95, p99 = (
        statistics.median(percentile(run.latencies_ms, share) for run in runs)
        for share in (0.50, 0.95, 0.99)
    )
    rate = statistics.median(run.rate for run in runs)
    cost = statistics.median(run.server_cpu_ms for run in runs)
    return rate, p50, p95, p99, cost, sum(run.resends for run in runs)
