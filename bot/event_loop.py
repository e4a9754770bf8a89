"""The event loop ``madoguchi serve`` runs on: libuv's (uvloop) where it is installed, asyncio's
own where it is not (Windows, PyPy: pyproject.toml's marker leaves uvloop out there)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import structlog


def run(main: Coroutine[Any, Any, None]) -> None:
    """Run ``main`` to the end on uvloop (uvicorn's recommendation for speed; BENCHMARKS.md
    has figures), or on asyncio's loop with one info line saying so."""
    try:
        import uvloop
    except ImportError:
        structlog.get_logger().info("serve.event_loop", loop="asyncio", uvloop="not installed")
        asyncio.run(main)
        return
    uvloop.run(main)
