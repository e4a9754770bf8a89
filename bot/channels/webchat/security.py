"""What keeps the web chat safe before any work is done: headers, origins, CSRF, rates.

Every page and answer carries a strict Content-Security-Policy (no inline script, nothing
from another site, framing only by the configured origins). A POST must come from the page
(its Origin, when the browser sends one, is this server's or an allowed one) and carry the
session's CSRF token; floods are refused from counters in memory, before a body is read.
"""

from __future__ import annotations

import hmac
import time
from collections import deque
from collections.abc import Iterable

from starlette.requests import Request

CSRF_HEADER = "X-CSRF-Token"


def security_headers(allowed_origins: Iterable[str]) -> dict[str, str]:
    """Headers for every web chat response: the page may load only its own files."""
    ancestors = " ".join(allowed_origins) or "'none'"
    policy = (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; form-action 'self'; base-uri 'none'; "
        f"frame-ancestors {ancestors}"
    )
    headers = {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }
    if ancestors == "'none'":
        headers["X-Frame-Options"] = "DENY"  # for browsers that predate frame-ancestors
    return headers


def origin_allowed(request: Request, allowed_origins: Iterable[str]) -> bool:
    """A POST's Origin is this server or an embedding site; a request without one (an old
    browser, a test client) is judged by its CSRF token alone."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    own = f"{request.url.scheme}://{request.url.netloc}"
    return origin == own or origin in set(allowed_origins)


def csrf_ok(request: Request, expected: str) -> bool:
    """The page's token, sent back in a header a form on another site cannot set."""
    given = request.headers.get(CSRF_HEADER, "")
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


class RateLimit:
    """At most ``count`` events per key in any ``seconds``-long window (in memory, per
    process: a flood is refused cheaply; a restart forgets, which only forgives)."""

    def __init__(self, count: int, seconds: float, *, max_keys: int = 100_000) -> None:
        self.count = count
        self.seconds = seconds
        self.max_keys = max_keys
        self._seen: dict[str, deque[float]] = {}

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        seen = self._seen.get(key)
        if seen is None:
            if len(self._seen) >= self.max_keys:
                self._forget_idle(now)
            seen = self._seen[key] = deque()
        while seen and now - seen[0] >= self.seconds:
            seen.popleft()
        if len(seen) >= self.count:
            return False
        seen.append(now)
        return True

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, v in self._seen.items() if not v or now - v[-1] >= self.seconds]
        for key in idle:
            del self._seen[key]
        if len(self._seen) >= self.max_keys:  # all busy: drop the oldest half
            for key in list(self._seen)[: self.max_keys // 2]:
                del self._seen[key]


def client_address(request: Request) -> str:
    """The address a flood is counted by (the socket's peer; a proxy in front should pass
    one request per member, or the limit is shared)."""
    return request.client.host if request.client else "unknown"
