"""What ``madoguchi doctor`` checks, and the local part ``madoguchi serve`` refuses to start on.

Each check looks at one thing an installation needs (its settings, its database and schema,
its keys, the disk, each platform's token and set-up) and answers one :class:`Check`: ``OK``,
``WARN`` (works, but needs a look), ``FAIL`` (something members or staff will notice) or
``SKIP`` (not configured). Nothing here writes: the database is read without being opened as a
desk (which would create or upgrade its schema), and the platforms are asked only read-only
methods. Platforms are asked side by side with a short timeout; a platform that is down is a
``FAIL`` with its error, never a traceback. No line carries a token or personal data.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable

from bot.config import Settings
from bot.doctor.check import Check, exit_status
from bot.doctor.machine import configuration_checks, local_checks, serve_problems
from bot.doctor.platforms import line_checks, slack_checks, smtp_check, telegram_checks

# Seconds a platform has to answer each check; they run side by side.
NETWORK_TIMEOUT = 10.0

Remote = Callable[[Settings], Awaitable[list[Check]]]
REMOTE: tuple[tuple[str, Remote], ...] = (
    ("telegram", telegram_checks),
    ("slack", slack_checks),
    ("line", line_checks),
    ("smtp", smtp_check),
)


async def _bounded(name: str, check: Remote, settings: Settings) -> list[Check]:
    """One platform's checks within :data:`NETWORK_TIMEOUT`; whatever goes wrong is a line."""
    try:
        return await asyncio.wait_for(check(settings), NETWORK_TIMEOUT)
    except TimeoutError:
        return [
            Check(
                "FAIL",
                name,
                f"no answer within {NETWORK_TIMEOUT:.0f} s.",
                "check the network and the API address settings.",
            )
        ]
    except Exception as error:  # an answer nobody expected: a line, not a traceback
        return [Check("FAIL", name, f"the check failed ({type(error).__name__}).")]


def _here(settings: Settings) -> list[Check]:
    """The checks of this machine; one that cannot even run (a folder it may not read) is a
    line too."""
    checks: list[Check] = []
    for name, check in (("configuration", configuration_checks), ("database", local_checks)):
        try:
            checks += check(settings)
        except Exception as error:
            checks.append(
                Check("FAIL", name, f"the check failed ({type(error).__name__}: {error}).")
            )
    return checks


PLATFORM_CLIENTS = (
    "bot.channels.telegram",
    "slack_sdk.web.async_client",
    "bot.channels.line.api",
    "bot.email_delivery",
)


async def run_checks(settings: Settings) -> list[Check]:
    """Every check, in a fixed order; the platforms are asked side by side.

    The platforms' client libraries are imported and this machine is checked first, so each
    platform's time limit is spent waiting for that platform, not on importing a library or
    sharing the CPU with the local checks (a slow machine had timed out all four at once)."""
    for module in PLATFORM_CLIENTS:
        importlib.import_module(module)
    here = await asyncio.to_thread(_here, settings)
    there = await asyncio.gather(*(_bounded(name, check, settings) for name, check in REMOTE))
    return [*here, *(check for checks in there for check in checks)]


__all__ = ["Check", "exit_status", "run_checks", "serve_problems"]
