"""The Slack app manifest (``madoguchi slack manifest``): what to paste at api.slack.com/apps.

The bot scopes are derived, not listed by hand: :data:`METHOD_SCOPES` maps every Web API
method madoguchi calls to the bot-token scopes Slack's method pages require for it, and
:data:`EVENT_SCOPES` / :data:`FEATURE_SCOPES` add what the subscribed events and features need.
A test runs the desk end to end against a fake Slack that grants exactly these scopes and
fails on a call whose method is missing here, so a new call cannot ship without its scope.

Queue channels and the supervisors' channel may be public or private, so where Slack asks for
a scope per kind of conversation (``channels:*`` public, ``groups:*`` private) both are
requested. Direct messages and group DMs are never used, so no ``im:*`` / ``mpim:*``.
No ``chat:write.public``: the bot posts only where it was invited, which is what keeps
members' data out of channels nobody chose for it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

APP_NAME = "madoguchi"
SLASH_COMMAND = "/madoguchi"
INTAKE_SHORTCUT = "madoguchi_intake"  # bot.slack.intake.SHORTCUT
EVENTS_PATH = "/slack/events"  # bot.server.SLACK_PATH: events, commands and interactivity

# Web API method -> the bot scopes it needs (Slack's method reference, "Required scopes").
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),  # who the token is (retention scrub, start-up check)
    "chat.postMessage": ("chat:write",),  # cards, thread posts, digests, supervisors' notices
    "chat.update": ("chat:write",),  # a card updated in place
    "chat.delete": ("chat:write",),  # retention: the bot's own posts
    "chat.postEphemeral": ("chat:write",),  # a refusal only the clicking user sees
    # retention: replies in a case's thread nobody recorded (public or private channel)
    "conversations.replies": ("channels:history", "groups:history"),
    # `madoguchi doctor`: is the bot in each configured channel (limit=1, oldest=now: reads no
    # message), with the scopes retention already needs rather than channels:read/groups:read
    "conversations.history": ("channels:history", "groups:history"),
    "files.getUploadURLExternal": ("files:write",),  # files_upload_v2, step 1
    "files.completeUploadExternal": ("files:write",),  # files_upload_v2, step 2
    "files.delete": ("files:write",),  # retention: members' files uploaded to threads
    "files.info": ("files:read",),  # a file staff share in a thread to send to the member
    "usergroups.users.list": ("usergroups:read",),  # staff_groups in madoguchi.toml
    "views.open": (),  # forms
    "views.update": (),
    "views.publish": (),  # App Home
}
# slack_sdk method names that are not the Web API method with "_" for ".".
SDK_METHODS: dict[str, tuple[str, ...]] = {
    "files_upload_v2": ("files.getUploadURLExternal", "files.completeUploadExternal"),
}
# Event subscriptions -> the bot scopes Slack requires before it delivers them.
EVENT_SCOPES: dict[str, tuple[str, ...]] = {
    "app_home_opened": (),  # App Home: my cases, counts, overdue
    "message.channels": ("channels:history",),  # thread replies = internal notes, file shares
    "message.groups": ("groups:history",),  # the same in private channels
}
# Bolt's event listeners -> the subscriptions that deliver them.
BOLT_EVENTS: dict[str, tuple[str, ...]] = {
    "app_home_opened": ("app_home_opened",),
    "message": ("message.channels", "message.groups"),
}
# Scopes a feature needs beyond any method or event.
FEATURE_SCOPES: dict[str, tuple[str, ...]] = {
    "commands": ("commands",),  # /madoguchi and the intake shortcut
    "file downloads": ("files:read",),  # url_private_download of a file staff shared
}
# Why each scope is asked for, as the README lists it.
SCOPE_REASONS: dict[str, str] = {
    "channels:history": "read thread replies (internal notes, files to send) in public queue "
    "channels; retention finds the bot's replies in a case's thread",
    "chat:write": "post and update case cards, thread history, digests and notices to "
    "supervisors; notes only the clicking user sees",
    "commands": "the /madoguchi command and the intake shortcut",
    "files:read": "read and download a file staff share in a thread to send to the member",
    "files:write": "upload members' files and member-data exports into case threads; "
    "retention deletes them",
    "groups:history": "the same as channels:history, for private queue channels",
    "usergroups:read": "staff_groups: who belongs to a queue's user group",
}


class ManifestError(ValueError):
    """A request URL Slack would not take (or that would not reach madoguchi)."""


def bot_scopes() -> list[str]:
    """Every scope the code needs, sorted: methods, subscribed events and features."""
    needed = {s for scopes in METHOD_SCOPES.values() for s in scopes}
    needed |= {s for scopes in EVENT_SCOPES.values() for s in scopes}
    needed |= {s for scopes in FEATURE_SCOPES.values() for s in scopes}
    return sorted(needed)


def bot_events() -> list[str]:
    return sorted({e for events in BOLT_EVENTS.values() for e in events})


def methods_of(sdk_name: str) -> tuple[str, ...]:
    """The Web API methods a slack_sdk client method calls (``chat_postMessage``)."""
    return SDK_METHODS.get(sdk_name) or (sdk_name.replace("_", "."),)


def request_url(base: str) -> str:
    """Where Slack sends events, commands and interactivity: ``base`` + ``/slack/events``.

    https only (Slack refuses anything else for a request URL); plain http is taken for
    127.0.0.1 alone, which is what tests against a local fake use."""
    parts = urlsplit(base.strip())
    local = parts.scheme == "http" and parts.hostname == "127.0.0.1"
    if parts.scheme != "https" and not local:
        raise ManifestError(
            f"--url must start with https:// (Slack sends requests only to https), not {base!r}."
        )
    if not parts.hostname or parts.query or parts.fragment or parts.username:
        raise ManifestError(
            f"--url must be the server's address, like https://desk.example.jp, not {base!r}."
        )
    path = parts.path.rstrip("/")
    if not path.endswith(EVENTS_PATH):
        path += EVENTS_PATH
    return f"{parts.scheme}://{parts.netloc}{path}"


def manifest(url: str | None = None, *, socket_mode: bool = False) -> dict[str, Any]:
    """The app manifest: HTTP request URLs under ``url``, or Socket Mode (no URLs)."""
    choose = (
        "Give --url https://… (Slack sends requests to this server) or --socket-mode "
        "(the server connects out to Slack; no public address needed)"
    )
    if url is not None and socket_mode:
        raise ManifestError(f"{choose}, not both.")
    if url is None and not socket_mode:
        raise ManifestError(f"{choose}.")
    endpoint = request_url(url) if url is not None else None
    at = {"url": endpoint} if endpoint else {}
    where = {"request_url": endpoint} if endpoint else {}
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": APP_NAME,
            "description": "個人情報の開示等のお申し出の窓口。案件カード、返信、期限の管理。",
            "background_color": "#1d4e89",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": False,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": APP_NAME, "always_online": True},
            "slash_commands": [
                {
                    "command": SLASH_COMMAND,
                    "description": "案件の記録・検索・期限超過の一覧、郵送や電話のお申し出の登録",
                    "usage_hint": "transcript 受付番号 | find 番号・氏名・電話 | overdue | intake",
                    "should_escape": False,
                    **at,
                }
            ],
            "shortcuts": [
                {
                    "name": "お申し出を登録",
                    "type": "global",
                    "callback_id": INTAKE_SHORTCUT,
                    "description": "郵送・電話・来所・メールで届いたお申し出を登録します",
                }
            ],
        },
        "oauth_config": {"scopes": {"bot": bot_scopes()}},
        "settings": {
            "event_subscriptions": {**where, "bot_events": bot_events()},
            "interactivity": {"is_enabled": True, **where},
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }
