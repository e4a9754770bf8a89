"""``madoguchi slack manifest``: the app manifest IT staff paste at api.slack.com/apps.

The manifest's bot scopes must be exactly what the code needs. The desk is run end to end
(a whole case's life, the supervisors' commands, App Home, files both ways, retention) against
a fake Slack that grants the manifest's scopes and nothing more: any call needing another
scope fails there as it would on Slack, and every Web API method the desk called must be in
``METHOD_SCOPES``, so a new call cannot ship without its scope in the manifest.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import pytest
from slack_sdk.web.async_client import AsyncWebClient

import bot.slack.app as slack_app
from bot.server import SLACK_PATH
from bot.slack import intake
from bot.slack.manifest import (
    BOLT_EVENTS,
    EVENT_SCOPES,
    INTAKE_SHORTCUT,
    METHOD_SCOPES,
    SCOPE_REASONS,
    SLASH_COMMAND,
    bot_scopes,
    manifest,
    methods_of,
)
from tests.bot.conftest import madoguchi_command
from tests.bot.served import ROOT, Member
from tests.bot.test_slack_end_to_end import (
    CHANNELS,
    OUTSIDER,
    STAFF,
    SUPERVISOR,
    desk_running,
)
from tests.bot.test_slack_scrub import (
    a_case_in_slack,
    assert_only_the_stub_and_staffs_note_are_left,
)
from tests.bot.test_slack_scrub import scrub as scrub_once
from tests.bot.test_slack_staff import (
    FILES_ON,
    PDF,
    SECOND_QUEUE,
    SOUDAN,
    SOUDAN_STAFF,
    due_date,
    submit_extension,
)
from tests.conftest import Clock, build_desk
from tests.conftest import Desk as InProcessDesk
from tests.fakes.slack_api import (
    FakeSlackApi,
    checkboxes,
    plain_text,
    radio_buttons,
    static_select,
)
from tests.fakes.telegram_api import FakeBotApi
from tests.storage.test_retention import FILES_ON as RETENTION_FILES_ON
from tests.storage.test_retention import purge
from tests.storage.test_turns import DISCLOSURE_UP_TO_PHONE, REST_OF_DISCLOSURE

ORG = "coopdeli"


def run_manifest(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "slack", "manifest", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def manifest_scopes_fake() -> FakeSlackApi:
    return FakeSlackApi(scopes=bot_scopes())


def slack_refusals(slack: FakeSlackApi) -> list[tuple[str, Any]]:
    return [(c.method, c.response) for c in slack.calls if c.error == "missing_scope"]


def assert_every_method_has_its_scopes_listed(slack: FakeSlackApi) -> None:
    called = {c.method for c in slack.calls if c.path.startswith("/api/")}  # Web API only
    assert called - set(METHOD_SCOPES) == set(), "add these methods' scopes to METHOD_SCOPES"


# ---------------------------------------------------------------------- the shape Slack takes


def check_shape(made: dict[str, Any]) -> None:
    """What Slack's manifest schema (slackapi/manifest-schema, v1) requires of the parts used."""
    assert set(made) <= {"_metadata", "display_information", "features", "oauth_config", "settings"}
    info = made["display_information"]
    assert 1 <= len(info["name"]) <= 35 and 1 <= len(info["description"]) <= 140
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", info["background_color"])
    features = made["features"]
    assert 1 <= len(features["bot_user"]["display_name"]) <= 80
    assert all(isinstance(v, bool) for v in features["app_home"].values())
    for command in features["slash_commands"]:
        assert set(command) <= {"command", "url", "description", "usage_hint", "should_escape"}
        assert command["command"].startswith("/") and 2 <= len(command["command"]) <= 32
        assert 1 <= len(command["description"]) <= 2000 and 1 <= len(command["usage_hint"]) <= 1000
    for shortcut in features["shortcuts"]:
        assert set(shortcut) == {"name", "type", "callback_id", "description"}
        assert shortcut["type"] in ("global", "message") and 1 <= len(shortcut["name"]) <= 24
        assert 1 <= len(shortcut["description"]) <= 150
    bot = made["oauth_config"]["scopes"]["bot"]
    assert bot == sorted(set(bot)) and all(isinstance(s, str) and len(s) <= 50 for s in bot)
    settings = made["settings"]
    assert set(settings) <= {
        "event_subscriptions",
        "interactivity",
        "org_deploy_enabled",
        "socket_mode_enabled",
        "token_rotation_enabled",
    }
    assert settings["interactivity"]["is_enabled"] is True
    events = settings["event_subscriptions"]["bot_events"]
    assert len(events) == len(set(events)) <= 100
    for event in events:  # Slack refuses an event whose scope the app does not request
        assert set(EVENT_SCOPES[event]) <= set(bot)


def test_the_manifest_for_a_server_sends_everything_to_its_https_slack_events_url() -> None:
    done = run_manifest("--url", "https://desk.example.jp/")
    assert done.returncode == 0, done.stderr
    made = json.loads(done.stdout)
    check_shape(made)
    url = "https://desk.example.jp/slack/events"
    assert made["settings"]["event_subscriptions"]["request_url"] == url
    assert made["settings"]["interactivity"]["request_url"] == url
    assert [c["url"] for c in made["features"]["slash_commands"]] == [url]
    assert made["settings"]["socket_mode_enabled"] is False
    assert url.endswith(SLACK_PATH)
    assert manifest("https://desk.example.jp/slack/events") == made  # given whole: not doubled


def test_the_socket_mode_manifest_has_no_request_urls() -> None:
    done = run_manifest("--socket-mode")
    assert done.returncode == 0, done.stderr
    made = json.loads(done.stdout)
    check_shape(made)
    assert made["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in json.dumps(made) and '"url"' not in json.dumps(made)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--url", "http://desk.example.jp"], "must start with https://"),
        (["--url", "desk.example.jp"], "must start with https://"),
        (["--url", "https://desk.example.jp/?next=1"], "the server's address"),
        ([], "Give --url https://"),
        (["--url", "https://desk.example.jp", "--socket-mode"], "not both"),
    ],
)
def test_a_manifest_slack_would_refuse_is_refused_in_one_line(
    tmp_path: Path, args: list[str], says: str
) -> None:
    with madoguchi_command(f"sqlite:///{tmp_path / 'desk.sqlite3'}", "slack", "manifest") as run:
        done = run(*args)
    assert done.exit_code == 2 and done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("madoguchi slack manifest: ") and says in line


def test_the_manifest_subscribes_to_what_the_bolt_app_listens_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registered: dict[str, list[Any]] = {"event": [], "command": [], "shortcut": []}

    class Recording(slack_app.AsyncApp):  # type: ignore[misc]
        def event(self, event: Any, *args: Any, **kwargs: Any) -> Any:
            registered["event"].append(event)
            return super().event(event, *args, **kwargs)

        def command(self, command: Any, *args: Any, **kwargs: Any) -> Any:
            registered["command"].append(command)
            return super().command(command, *args, **kwargs)

        def shortcut(self, constraints: Any, *args: Any, **kwargs: Any) -> Any:
            registered["shortcut"].append(constraints)
            return super().shortcut(constraints, *args, **kwargs)

    monkeypatch.setattr(slack_app, "AsyncApp", Recording)
    # Listeners must be coroutine functions; nothing is called, only registered.
    desk = AsyncMock(client=AsyncWebClient(token="xoxb-test"), app=MagicMock())
    slack_app.build_bolt(desk, signing_secret="secret")

    made = manifest("https://desk.example.jp")
    assert registered["command"] == [c["command"] for c in made["features"]["slash_commands"]]
    assert registered["command"] == [SLASH_COMMAND]
    assert registered["shortcut"] == [s["callback_id"] for s in made["features"]["shortcuts"]]
    assert registered["shortcut"] == [INTAKE_SHORTCUT] == [intake.SHORTCUT]
    assert sorted(registered["event"]) == sorted(BOLT_EVENTS)
    subscribed = made["settings"]["event_subscriptions"]["bot_events"]
    assert sorted(e for event in registered["event"] for e in BOLT_EVENTS[event]) == subscribed


# The Socket Mode client's own methods (its websocket, not the Web API): /readyz asks it.
SOCKET_MODE_CLIENT = {"is_connected"}


def test_every_web_api_method_the_code_calls_has_its_scopes_listed() -> None:
    """Read from the source, so a call no end-to-end test reaches is caught too."""
    called: set[str] = set()
    for source in (ROOT / "bot").rglob("*.py"):
        for name in re.findall(r"client\.([a-z]+_[A-Za-z_0-9]+)\b", source.read_text("utf-8")):
            if name not in SOCKET_MODE_CLIENT:
                called.update(methods_of(name))
    assert "chat.postMessage" in called and "files.getUploadURLExternal" in called
    assert called - set(METHOD_SCOPES) == set(), "add these methods' scopes to METHOD_SCOPES"


def test_the_readme_lists_exactly_the_manifests_scopes_with_a_reason_each() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    listed = re.findall(r"^\| `([a-z.:]+)` \|", readme, flags=re.MULTILINE)
    assert sorted(listed) == bot_scopes() == sorted(SCOPE_REASONS)


# ---------------------------------------------------------------------- exactly these scopes


@pytest.fixture
def slack() -> Iterator[FakeSlackApi]:
    with manifest_scopes_fake() as api:
        yield api


def test_a_whole_case_runs_in_slack_with_exactly_the_manifests_scopes(
    fake: FakeBotApi, slack: FakeSlackApi, tmp_path: Path
) -> None:
    with desk_running(
        fake,
        slack,
        tmp_path,
        more_deployment=FILES_ON + SECOND_QUEUE,
        ANSWER_LINK_BASE_URL="https://desk.example",
    ) as desk:
        member = Member(fake, desk.served, 9_201)
        member.command("start", ORG)
        for line in DISCLOSURE_UP_TO_PHONE + REST_OF_DISCLOSURE:
            member.says(line)
        [(number,)] = desk.served.query('SELECT number FROM "case"')
        channel, staff = CHANNELS[ORG], STAFF[ORG]  # staff through the STAKU user group
        card = desk.card(channel, number)
        desk.wait_thread(channel, card.ts, "これまでのやりとり")
        before = len(fake.sent_messages(9_201))
        fake.send_document(9_201, PDF, file_name="委任状.pdf", mime_type="application/pdf")
        member._await_answer(before)
        slack.wait_for(lambda api: any(f.data == PDF for f in api.uploaded_files()))

        desk.click(OUTSIDER, "case_claim", channel, card.ts)  # refused: an ephemeral note
        slack.wait_for(lambda api: bool(api.ephemerals(OUTSIDER)))
        desk.click(staff, "case_claim", channel, card.ts)
        desk.card_shows(channel, card.ts, f"<@{staff}>")
        desk.click(staff, "case_verify", channel, card.ts)
        desk.submit(staff, "case_verify", {"method": {"value": radio_buttons("phone_callback")}})
        desk.card_shows(channel, card.ts, "登録電話へ折返し")
        desk.click(staff, "case_member_data", channel, card.ts)
        slack.wait_for(
            lambda api: any(f.filename.endswith("member-data.html") for f in api.uploaded_files())
        )
        assert desk.sender.message(staff, channel, "書類を確認中", thread_ts=card.ts).status == 200
        answer = slack.share_file(staff, "開示書.pdf", PDF, "application/pdf")
        desk.sender.file_share(staff, channel, answer, thread_ts=card.ts)
        desk.wait_thread(channel, card.ts, "回答ファイルを添付しました")

        desk.click(staff, "case_reply", channel, card.ts)
        desk.submit(staff, "case_reply", {"reply": {"value": plain_text("書類を郵送します。")}})
        desk.submit(staff, "case_reply_confirm", {})
        desk.wait_thread(channel, card.ts, "書類を郵送します。")
        desk.click(staff, "case_extend", channel, card.ts)
        preview = submit_extension(
            desk, staff, due_date(desk, number) + timedelta(days=10), "取寄中"
        )
        assert preview.json()["view"]["callback_id"] == "case_extend_confirm"
        desk.submit(staff, "case_extend_confirm", {})
        desk.wait_thread(channel, card.ts, "取寄中")
        desk.click(staff, "case_transfer", channel, card.ts)
        desk.submit(
            staff,
            "case_transfer",
            {
                "queue": {"value": static_select("takuhai-soudan")},
                "note": {"value": plain_text("相談室でお願いします")},
            },
        )
        moved = desk.card(SOUDAN, number)
        desk.card_shows(channel, card.ts, "宅配相談室 へ転送しました")

        for text in (f"transcript {number}", "find 03-5285-1865", "overdue", "intake"):
            assert desk.sender.slash_command(SUPERVISOR, text=text, channel="C0SUPER").status == 200
        slack.wait_for(lambda api: any(number in e.text for e in api.ephemerals(SUPERVISOR)))
        slack.wait_for(lambda api: bool(api.open_modals(SUPERVISOR)))
        for user in (staff, SUPERVISOR, SOUDAN_STAFF):
            assert desk.sender.app_home_opened(user).status == 200
            slack.wait_for(lambda api, user=user: api.published_home(user) is not None)

        desk.click(SOUDAN_STAFF, "case_claim", SOUDAN, moved.ts)
        desk.card_shows(SOUDAN, moved.ts, f"<@{SOUDAN_STAFF}>")
        desk.click(SOUDAN_STAFF, "case_close", SOUDAN, moved.ts)
        slack.wait_for(
            lambda api: any(v["callback_id"] == "case_close" for v in api.open_modals(SOUDAN_STAFF))
        )
        form = slack.open_modals(SOUDAN_STAFF)[-1]
        values: dict[str, Any] = {  # a disclosure closes as 回答済 only once the answer went
            "outcome": {"value": radio_buttons("refused")},
            "reason": {"value": plain_text("ご本人確認の書類が届きませんでした")},
        }
        if any(b.get("block_id") == "confirm" for b in form["blocks"]):
            values["confirm"] = {"value": checkboxes(["close_anyway"])}
        closing = desk.submit(SOUDAN_STAFF, "case_close", values).json() or {}
        if closing.get("response_action") == "update":  # what the member is told, first
            desk.submit(SOUDAN_STAFF, "case_close_confirm", {})
        desk.card_shows(SOUDAN, moved.ts, "対応不可")

    assert slack_refusals(slack) == []
    assert [c.method for c in slack.calls if not c.ok] == []
    assert_every_method_has_its_scopes_listed(slack)


@pytest.fixture
def retention_desk(database_url: str, clock: Clock, tmp_path: Path) -> Iterator[InProcessDesk]:
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text(RETENTION_FILES_ON, encoding="utf-8")
    desk = build_desk(database_url, clock, deployment)
    yield desk
    desk.app.db.close()


@pytest.mark.parametrize("private", [False, True], ids=["public", "private"])
def test_retention_removes_a_case_from_slack_with_exactly_the_manifests_scopes(
    retention_desk: InProcessDesk, slack: FakeSlackApi, private: bool
) -> None:
    """Reading a thread takes channels:history, or groups:history in a private channel."""
    slack.add_channel("C0TAKU", "takuhai-center", is_private=private)
    number, card_ts = a_case_in_slack(retention_desk, slack)
    retention_desk.clock.advance(days=366)
    purge(retention_desk)
    scrub_once(retention_desk, slack)

    assert_only_the_stub_and_staffs_note_are_left(slack, card_ts, number)
    assert slack_refusals(slack) == []
    assert {"conversations.replies", "chat.delete", "files.delete"} <= {
        c.method for c in slack.calls
    }
    assert_every_method_has_its_scopes_listed(slack)
