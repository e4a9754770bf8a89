"""Member channels: one module each (``telegram``, ``terminal``), one interface."""

from __future__ import annotations

from bot.channels.limits import text_limits

__all__ = ["text_limits"]
