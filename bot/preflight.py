"""``madoguchi serve``'s start-up check: every configuration problem found at once, one line each.

A setting that cannot work should stop the start with a sentence that says what to change, not
end a running desk later with a traceback (a webhook secret Telegram refuses, a token it
rejects, a queue whose cards would go nowhere). Everything that can be checked is checked
before anything starts, and all problems are reported together, so one run finds them all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.config import ConfigurationError as ConfigurationError
from bot.config import Deployment, Passing, Problem, Settings, load_deployment
from flows.profiles import OrgProfile

# What Telegram accepts as a webhook's secret_token (setWebhook refuses anything else).
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def answer_problems(settings: Settings) -> list[str]:
    """Answer links and the SMTP server: a link members open must be https, and an SMTP
    server needs the From address the co-op sends as."""
    problems: list[str] = []
    base = settings.answer_link_base_url
    if base and not base.startswith("https://") and not base.startswith("http://127.0.0.1"):
        problems.append(
            "ANSWER_LINK_BASE_URL must be an https address members can open, "
            "e.g. https://desk.example.coop (the download page is /answer/<token> there)."
        )
    if settings.smtp_host and not settings.smtp_from:
        problems.append("SMTP_HOST needs SMTP_FROM, the address answer e-mails are sent from.")
    if settings.smtp_from and not settings.smtp_host:
        problems.append("SMTP_FROM needs SMTP_HOST, the co-op's SMTP server.")
    return problems


def settings_problems(settings: Settings) -> list[str]:
    """What is wrong with the environment's settings on their own."""
    problems: list[str] = []
    line = settings.line_channel_secret and settings.line_channel_access_token
    members = settings.telegram_bot_token or line or webchat_on(settings)
    if not members and not settings.slack_bot_token:
        problems.append(
            "Nothing to serve: set TELEGRAM_BOT_TOKEN and/or LINE_CHANNEL_SECRET with "
            "LINE_CHANNEL_ACCESS_TOKEN, or WEBCHAT_ENABLED=1, for members, and/or "
            "SLACK_BOT_TOKEN for staff (see README), or use 'madoguchi chat' to try the desk "
            "in the terminal."
        )
    problems += line_problems(settings)
    problems += answer_problems(settings)
    if settings.telegram_webhook_url and not settings.telegram_webhook_secret:
        problems.append(
            "TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET, so forged updates are refused."
        )
    secret = settings.telegram_webhook_secret
    if secret and not WEBHOOK_SECRET.fullmatch(secret):
        problems.append(
            "TELEGRAM_WEBHOOK_SECRET must be 1 to 256 characters, each A-Z, a-z, 0-9, _ or - "
            f"(Telegram refuses any other); it has {len(secret)} characters."
        )
    if not has_http_scheme(settings.telegram_api_base_url):
        problems.append(
            "TELEGRAM_API_BASE_URL must be an http(s) address, e.g. https://api.telegram.org."
        )
    if (
        settings.slack_bot_token
        and not settings.slack_app_token
        and not settings.slack_signing_secret
    ):
        problems.append(
            "Slack over HTTP needs SLACK_SIGNING_SECRET, so forged requests are refused "
            "(or set SLACK_APP_TOKEN for Socket Mode)."
        )
    return problems


def webchat_on(settings: Settings) -> bool:
    """The web chat is on by the environment or by ``[webchat] enabled`` (a deployment file
    that cannot be read is reported by ``deployment_problems``)."""
    if settings.webchat_enabled:
        return True
    try:
        return Deployment.load(settings.deployment_file).webchat.enabled
    except Exception:  # reported with its reason by deployment_problems
        return False


def line_problems(settings: Settings) -> list[str]:
    """LINE needs both its channel secret (webhooks are refused without it) and its access
    token (nothing can be sent without it); one alone is a half-done set-up."""
    problems: list[str] = []
    secret, token = settings.line_channel_secret, settings.line_channel_access_token
    if bool(secret) != bool(token):
        given, missing = (
            ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN")
            if secret
            else ("LINE_CHANNEL_ACCESS_TOKEN", "LINE_CHANNEL_SECRET")
        )
        problems.append(
            f"{given} is set but {missing} is not: LINE needs both (the Messaging API "
            "channel's secret signs its webhooks, its access token sends the answers)."
        )
    for name, url in (
        ("LINE_API_BASE_URL", settings.line_api_base_url),
        ("LINE_DATA_API_BASE_URL", settings.line_data_api_base_url),
    ):
        if (secret or token) and not has_http_scheme(url):
            problems.append(f"{name} must be an http(s) address, e.g. https://api.line.me.")
    return problems


def has_http_scheme(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")


def deployment_problems(settings: Settings) -> list[str]:
    """What is wrong with the deployment file (``MADOGUCHI_DEPLOYMENT``)."""
    where = str(settings.deployment_file)
    try:
        deployment, orgs = load_deployment(settings)
    except ConfigurationError as error:
        return error.problems
    problems = slack_problems(deployment, orgs) if settings.slack_bot_token else []
    if problems and not settings.deployment_file.is_file():
        # Not there at all: one line that says to write it, not one per missing section.
        return [
            f"{where} does not exist, so no queue has a Slack channel: create it with a "
            '[slack.queues.QUEUE] channel = "C…" section for each queue (README, Slack set-up; '
            "or set MADOGUCHI_DEPLOYMENT to the file)."
        ]
    return [f"{where}: {problem}" for problem in problems]


def slack_problems(deployment: Deployment, orgs: Mapping[str, OrgProfile]) -> list[str]:
    """Every served queue needs a Slack channel for its cards, and only served queues exist.

    A deployment with one queue is fine: the card then has no 転送 button (there is nowhere to
    transfer to), rather than a button whose form has no choices.
    """
    config = deployment.slack.queues
    by_org = deployment.queues_by_org(orgs)
    served = {queue: org_id for org_id, queues in by_org.items() for queue in queues}
    problems = [
        f"[queues.{queue}] names org {extra.org}, which this deployment does not serve."
        for queue, extra in sorted(deployment.queues.items())
        if extra.org not in orgs
    ]
    problems += [
        f"[slack.queues.{queue}] names a queue no served org has "
        f"(served: {', '.join(sorted(served)) or 'none'})."
        for queue in sorted(set(config) - set(served))
    ]
    for queue, org_id in served.items():
        if queue not in config:
            problems.append(
                f"queue {queue} ({org_id}) has no Slack channel: add [slack.queues.{queue}] "
                f'with channel = "C…", or its cases never reach staff.'
            )
        elif not config[queue].channel.strip():
            problems.append(f"[slack.queues.{queue}] channel is empty.")
    # Where each channel is written, as the file's own words: "[slack.queues.Q] channel".
    written = {f"[slack.queues.{q}] channel": config[q].channel for q in sorted(config)}
    written["[slack] supervisors_channel"] = deployment.slack.supervisors_channel or ""
    problems += [
        f'{where} = "{channel}" is not a channel id: write the id (C…, at the bottom of the '
        "channel's details), not its #name."
        for where, channel in written.items()
        if channel.strip() and not SLACK_CHANNEL_ID.fullmatch(channel.strip())
    ]
    return problems


# A Slack channel's id: public C…, private G… (older) or C…; a #name is refused by Slack.
SLACK_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")


async def telegram_problems(bot: Bot, settings: Settings) -> list[Problem]:
    """Ask the Bot API who the bot is (``getMe``): a rejected token or an unreachable server
    is found here, before anything else is started."""
    base = settings.telegram_api_base_url
    try:
        await bot.initialize()
    except InvalidToken:
        return [
            Problem(
                f"TELEGRAM_BOT_TOKEN was rejected by the Bot API at {base} (getMe: 401/404)",
                "check the token from @BotFather, and that TELEGRAM_API_BASE_URL is the Bot API "
                "server's address.",
            )
        ]
    except NetworkError as error:  # TimedOut too
        return [
            Passing(
                f"The Bot API at {base} could not be reached ({_without(str(error), bot.token)})",
                "check TELEGRAM_API_BASE_URL and the network.",
            )
        ]
    except TelegramError as error:
        return [Problem(f"The Bot API at {base} refused getMe: {_without(str(error), bot.token)}")]
    return []


async def slack_token_problems(settings: Settings) -> list[str]:
    """Ask Slack whose token this is (``auth.test``): a rejected or revoked token is found
    here, not at the first card."""
    url = settings.slack_api_url
    client = AsyncWebClient(token=settings.slack_bot_token, base_url=url, timeout=30)
    try:
        await client.auth_test()
    except (SlackApiError, aiohttp.ClientError, OSError, TimeoutError) as error:
        return [slack_auth_problem(error, url)]
    return []


def slack_auth_problem(error: Exception, url: str) -> Problem:
    """Why ``auth.test`` failed, as one line that says what to check (``serve`` and
    ``madoguchi doctor`` say the same)."""
    if isinstance(error, SlackApiError):
        reason = error.response.get("error", "error")
        return Problem(
            f"SLACK_BOT_TOKEN was rejected by Slack (auth.test: {reason})",
            "check the app's Bot User OAuth Token (xoxb-…) and that the app is installed in the "
            "workspace.",
        )
    return Passing(
        f"The Slack API at {url} could not be reached ({type(error).__name__})",
        "check SLACK_API_URL and the network.",
    )


def telegram_refusal(what: str, error: TelegramError, token: str) -> ConfigurationError:
    """A Bot API call at start-up (``setWebhook`` …) that Telegram refused, as one line."""
    if isinstance(error, InvalidToken):
        return ConfigurationError(f"TELEGRAM_BOT_TOKEN was rejected by the Bot API ({what}).")
    return ConfigurationError(f"Telegram refused {what}: {_without(str(error), token)}")


def _without(message: str, token: str) -> str:
    """An error message with the bot token masked (PTB puts it in some of its messages)."""
    return message.replace(token, "<TELEGRAM_BOT_TOKEN>") if token else message
