"""The checks of each platform: Telegram, Slack, LINE and SMTP, asked read-only methods."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import aiohttp

from bot.config import ConfigurationError, Settings, load_deployment
from bot.doctor.check import Check
from bot.preflight import SLACK_CHANNEL_ID, slack_auth_problem

# A webhook delivery error older than this is history, not a problem.
RECENT_ERROR_SECONDS = 24 * 3600
# Updates waiting at Telegram beyond this many mean nobody is taking them.
PENDING_WARN = 100


async def telegram_checks(settings: Settings) -> list[Check]:
    """The token (``getMe``) and the webhook's state (``getWebhookInfo``)."""
    from bot.channels.telegram import make_bot
    from bot.preflight import telegram_problems

    token = settings.telegram_bot_token
    if not token:
        return [Check("SKIP", "telegram", "not configured (TELEGRAM_BOT_TOKEN is not set)")]
    bot = make_bot(
        token, settings.telegram_api_base_url, timeout=min(settings.telegram_timeout, 5.0)
    )
    try:
        problems = await telegram_problems(bot, settings)
        if problems:
            return [Check.of("telegram", problems[0])]
        checks = [Check("OK", "telegram", f"token accepted: the bot is @{bot.username}")]
        info = await bot.get_webhook_info()
        checks.append(
            _webhook_state(
                settings,
                info.url,
                info.pending_update_count,
                info.last_error_date,
                info.last_error_message,
                token,
            )
        )
        return checks
    finally:
        await bot.shutdown()


def _webhook_state(
    settings: Settings,
    url: str,
    pending: int,
    error_at: datetime | None,
    error: str | None,
    token: str,
) -> Check:
    """Where Telegram sends updates, how many wait, and its last failed delivery."""
    wanted = settings.telegram_webhook_url

    def shown(address: str) -> str:  # some put the token in the webhook's path
        return address.replace(token, "<TELEGRAM_BOT_TOKEN>")

    mode = f"webhook {shown(url)}" if url else "no webhook (long polling)"
    detail = f"{mode}; {pending} update(s) waiting"
    findings: list[str] = []
    fixes: list[str] = []
    if wanted and url != wanted:
        findings.append(f"TELEGRAM_WEBHOOK_URL is {shown(wanted)}")
        fixes.append(
            "serve sets the webhook when it starts; if it is running, another "
            "process uses this bot token"
        )
    if not wanted and url:
        findings.append("TELEGRAM_WEBHOOK_URL is not set")
        fixes.append("serve removes the webhook when it starts (long polling)")
    if error_at is not None:
        age = time.time() - error_at.timestamp()
        if age < RECENT_ERROR_SECONDS:
            when = error_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
            findings.append(f"Telegram's last delivery failed at {when}: {error or 'no reason'}")
            fixes.append(
                f"check that {shown(url) or 'the webhook'} reaches `madoguchi serve` "
                "(reverse proxy, TLS certificate, serve running)"
            )
    if pending >= PENDING_WARN and not findings:
        findings.append("that many waiting means nobody is taking them")
        fixes.append("start `madoguchi serve`, or see why it does not take them")
    if findings:
        return Check(
            "WARN", "telegram webhook", f"{detail}; {'; '.join(findings)}.", "; ".join(fixes) + "."
        )
    return Check("OK", "telegram webhook", detail)


async def slack_checks(settings: Settings) -> list[Check]:
    """The token (``auth.test``) and the bot's membership of every channel ``[slack]`` names
    (queues' and supervisors'), asked with ``conversations.history`` for nothing newer than
    now: its scopes (``channels:history``, ``groups:history``) the app already has for
    retention, and it reads no message."""
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.async_client import AsyncWebClient

    token = settings.slack_bot_token
    if not token:
        return [Check("SKIP", "slack", "not configured (SLACK_BOT_TOKEN is not set)")]
    url = settings.slack_api_url
    client = AsyncWebClient(token=token, base_url=url, timeout=5)
    try:
        who = await client.auth_test()
    except (SlackApiError, aiohttp.ClientError, OSError, TimeoutError) as error:
        return [Check.of("slack", slack_auth_problem(error, url))]
    bot = str(who.get("user") or "the bot")
    checks = [Check("OK", "slack", f"token accepted: @{bot} in workspace {who.get('team')}")]
    try:
        slack = load_deployment(settings)[0].slack
    except ConfigurationError:  # reported by the deployment check
        return checks
    channels = [(config.channel, f"queue {queue}") for queue, config in slack.queues.items()]
    if slack.supervisors_channel:
        channels.append((slack.supervisors_channel, "supervisors"))

    async def member_of(channel: str, role: str) -> Check:
        name = f"slack channel {channel}"
        if not SLACK_CHANNEL_ID.fullmatch(channel):  # "#kyosai": a name, which Slack refuses
            return Check(
                "FAIL",
                name,
                f"not a channel id ({role}).",
                "write the channel's id (C…, at the bottom of the channel's details), not its "
                "#name, in madoguchi.toml [slack].",
            )
        try:
            await client.conversations_history(
                channel=channel, limit=1, oldest=f"{time.time():.6f}"
            )
        except SlackApiError as error:
            reason = str(error.response.get("error", "error"))
            if reason == "not_in_channel":
                return Check(
                    "FAIL",
                    name,
                    f"the bot is not in this channel ({role}).",
                    f"invite it: /invite @{bot} in that channel.",
                )
            if reason == "channel_not_found":
                return Check(
                    "FAIL",
                    name,
                    f"no such channel visible to the bot ({role}).",
                    "check the id in madoguchi.toml [slack]; a private channel must "
                    f"invite the bot first (/invite @{bot}).",
                )
            if reason == "missing_scope":
                needed = error.response.get("needed", "?")
                return Check(
                    "FAIL",
                    name,
                    f"the token lacks the scope {needed} ({role}).",
                    "add it under OAuth & Permissions and reinstall the app.",
                )
            return Check("FAIL", name, f"Slack answered {reason} ({role}).")
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            return Check(
                "FAIL",
                name,
                f"Slack could not be reached ({type(error).__name__}).",
                "check SLACK_API_URL and the network.",
                passing=True,
            )
        return Check("OK", name, f"the bot is in it ({role})")

    checks += await asyncio.gather(*(member_of(channel, role) for channel, role in channels))
    return checks


async def line_checks(settings: Settings) -> list[Check]:
    """The token (bot info), the webhook endpoint set in the console, and the month's quota."""
    from linebot.v3.messaging import ApiException

    from bot.channels.line.api import NETWORK_ERRORS, LineApi, refusal

    secret, token = settings.line_channel_secret, settings.line_channel_access_token
    if not (secret and token):
        return [
            Check(
                "SKIP",
                "line",
                "not configured (LINE_CHANNEL_SECRET and "
                "LINE_CHANNEL_ACCESS_TOKEN are not both set)",
            )
        ]
    api = LineApi(
        token.get_secret_value(),
        settings.line_api_base_url,
        settings.line_data_api_base_url,
        min(settings.line_timeout, 5.0),
    )
    timeout = api.timeout

    def failed(name: str, error: BaseException) -> Check:
        if isinstance(error, ApiException):
            if error.status == 401:
                return Check(
                    "FAIL",
                    name,
                    f"LINE_CHANNEL_ACCESS_TOKEN was rejected by LINE (401: {refusal(error)}).",
                    "issue a long-lived channel access token in the LINE Developers console "
                    "(Messaging API tab) and set it.",
                )
            return Check("FAIL", name, f"LINE answered {error.status}: {refusal(error)}")
        return Check(
            "FAIL",
            name,
            f"LINE at {settings.line_api_base_url} could not be reached ({type(error).__name__}).",
            "check LINE_API_BASE_URL and the network.",
            passing=True,
        )

    try:
        try:
            info = await api.messaging.get_bot_info(_request_timeout=timeout)
        except (ApiException, *NETWORK_ERRORS) as error:
            return [failed("line", error)]
        checks = [Check("OK", "line", f"token accepted: {info.display_name} ({info.basic_id})")]
        try:
            hook = await api.messaging.get_webhook_endpoint(_request_timeout=timeout)
            checks.append(_line_webhook(hook.endpoint, hook.active))
        except (ApiException, *NETWORK_ERRORS) as error:
            checks.append(failed("line webhook", error))
        try:
            quota = await api.messaging.get_message_quota(_request_timeout=timeout)
            used = await api.messaging.get_message_quota_consumption(_request_timeout=timeout)
            limit = (
                int(quota.value) if quota.type == "limited" and quota.value is not None else None
            )
            checks.append(_line_quota(used.total_usage, limit, settings.line_quota_warn_share))
        except (ApiException, *NETWORK_ERRORS) as error:
            checks.append(failed("line quota", error))
        return checks
    finally:
        await api.close()


def _line_webhook(endpoint: str, active: bool) -> Check:
    name = "line webhook"
    if not endpoint:
        return Check(
            "FAIL",
            name,
            "no Webhook URL is set: LINE sends the desk nothing.",
            "set https://<your host>/line/webhook in the Messaging API tab.",
        )
    if not active:
        return Check(
            "FAIL",
            name,
            f"{endpoint} is set but 'Use webhook' is off.",
            "turn 'Use webhook' on in the Messaging API tab.",
        )
    if not endpoint.rstrip("/").endswith("/line/webhook"):
        return Check(
            "WARN",
            name,
            f"LINE sends events to {endpoint}.",
            "the desk takes them at https://<your host>/line/webhook.",
        )
    return Check("OK", name, f"{endpoint}, in use")


def _line_quota(used: int, limit: int | None, warn_share: float) -> Check:
    name = "line quota"
    if limit is None:
        return Check("OK", name, f"{used} push messages this month; the plan has no monthly limit")
    detail = f"{used} of {limit} push messages used this month"
    if used >= limit:
        return Check(
            "FAIL",
            name,
            f"{detail}: staff replies and notices wait until the next "
            "month (answers to members' own messages still go).",
            "raise the plan's limit in the LINE Official Account Manager.",
        )
    if used >= warn_share * limit:
        return Check(
            "WARN",
            name,
            f"{detail} ({used / limit:.0%}).",
            "raise the plan's limit before it runs out.",
        )
    return Check("OK", name, detail)


async def smtp_check(settings: Settings) -> list[Check]:
    """The co-op's SMTP server answers (and takes the login, when one is set); sends nothing."""
    import aiosmtplib

    from bot.email_delivery import SmtpServer

    server = SmtpServer.of(settings)
    if server is None:
        return [Check("SKIP", "smtp", "not configured (SMTP_HOST is not set)")]
    where = f"{server.host}:{server.port}"
    implicit = server.port == 465
    client = aiosmtplib.SMTP(
        hostname=server.host,
        port=server.port,
        use_tls=implicit,
        start_tls=server.starttls and not implicit,
        timeout=5,
    )
    try:
        await client.connect()
        if server.user:
            await client.login(server.user, server.password or "")
        await client.quit()
    except aiosmtplib.SMTPAuthenticationError as error:
        return [
            Check(
                "FAIL",
                "smtp",
                f"{where} refused SMTP_USER's login ({error.code}).",
                "check SMTP_USER and SMTP_PASSWORD.",
            )
        ]
    except (aiosmtplib.SMTPException, OSError) as error:
        return [
            Check(
                "FAIL",
                "smtp",
                f"{where} could not be used ({type(error).__name__}).",
                "check SMTP_HOST, SMTP_PORT and SMTP_STARTTLS.",
            )
        ]
    login = ", login accepted" if server.user else ""
    return [Check("OK", "smtp", f"{where} answers{login}")]
