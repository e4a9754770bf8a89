"""``madoguchi serve`` checks its configuration before it starts: every problem on its own line,
all of them in one run, exit status 2 and no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import EXIT_TRY_AGAIN
from bot.slack import blocks
from storage.backup import running_server
from tests.bot.served import ROOT, Member, eventually, free_port, run_madoguchi, serving
from tests.bot.web_served import serving_web
from tests.conftest import Clock
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeBotApi
from tests.storage.test_member_data import scene_on

PREFIX = "madoguchi serve: "


def serve_once(
    tmp_path: Path, port: int | None = None, **settings: str
) -> tuple[int, list[str], str]:
    """Run ``madoguchi serve`` expecting it to refuse to start: its exit status, the lines of
    its refusal and the whole of stderr."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'desk.sqlite3'}",
        "MADOGUCHI_DEPLOYMENT": str(ROOT / "madoguchi.toml"),
        "MADOGUCHI_LOG_LEVEL": "WARNING",
        **settings,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--port", str(port or free_port())],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = [
        line.removeprefix(PREFIX) for line in done.stderr.splitlines() if line.startswith(PREFIX)
    ]
    return done.returncode, lines, done.stderr


def test_every_problem_is_reported_in_one_run_on_a_line_of_its_own(
    fake: FakeBotApi, slack: FakeSlackApi, tmp_path: Path
) -> None:
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text(
        'orgs = ["seikatsuclub-kyosai", "coopdeli"]\n'
        "[slack.queues.kyosai-bu]\n"
        'channel = "C0KYOSAI"\n'
        "[slack.queues.nowhere]\n"
        'channel = "C0NOWHERE"\n',
        encoding="utf-8",
    )
    status, lines, stderr = serve_once(
        tmp_path,
        MADOGUCHI_DEPLOYMENT=str(deployment),
        TELEGRAM_BOT_TOKEN="999:NOT-THE-TOKEN",
        TELEGRAM_API_BASE_URL=fake.base_url,
        TELEGRAM_WEBHOOK_URL="https://desk.example.jp/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET="not allowed!",
        SLACK_BOT_TOKEN=slack.token,
        SLACK_API_URL=slack.api_url,
        SLACK_SIGNING_SECRET="slack-secret",
    )
    assert status == 2
    assert "Traceback" not in stderr
    assert len(lines) == 4, stderr
    assert all(line.startswith(PREFIX) for line in stderr.splitlines())
    secret, queue, channel, token = lines
    assert secret.startswith("TELEGRAM_WEBHOOK_SECRET must be 1 to 256 characters")
    assert "not allowed!" not in stderr  # a secret is never printed
    assert "[slack.queues.nowhere] names a queue no served org has" in queue
    assert "queue takuhai-center (coopdeli) has no Slack channel" in channel
    assert token.startswith("TELEGRAM_BOT_TOKEN was rejected by the Bot API")
    assert "NOT-THE-TOKEN" not in stderr
    assert not fake.calls_to("setWebhook")


@pytest.mark.parametrize("secret", ["with space", "x" * 257, "秘密のトークン", "a/b", "a+b=="])
def test_a_webhook_secret_telegram_would_refuse_stops_the_start_with_one_line(
    fake: FakeBotApi, tmp_path: Path, secret: str
) -> None:
    status, lines, stderr = serve_once(
        tmp_path,
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        TELEGRAM_WEBHOOK_URL="https://desk.example.jp/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET=secret,
    )
    assert (status, "Traceback" in stderr) == (2, False)
    assert lines == [
        "TELEGRAM_WEBHOOK_SECRET must be 1 to 256 characters, each A-Z, a-z, 0-9, _ or - "
        f"(Telegram refuses any other); it has {len(secret)} characters."
    ]
    assert not fake.calls_to("setWebhook")


def test_a_token_the_bot_api_rejects_stops_the_start_with_one_line(
    fake: FakeBotApi, tmp_path: Path
) -> None:
    status, lines, stderr = serve_once(
        tmp_path, TELEGRAM_BOT_TOKEN="42:REVOKED", TELEGRAM_API_BASE_URL=fake.base_url
    )
    assert (status, "Traceback" in stderr) == (2, False)
    assert lines == [
        f"TELEGRAM_BOT_TOKEN was rejected by the Bot API at {fake.base_url} (getMe: 401/404): "
        "check the token from @BotFather, and that TELEGRAM_API_BASE_URL is the Bot API "
        "server's address."
    ]
    assert "REVOKED" not in stderr


def test_an_unreachable_bot_api_stops_the_start_with_one_line_and_asks_to_be_started_again(
    tmp_path: Path,
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    status, lines, stderr = serve_once(
        tmp_path,
        TELEGRAM_BOT_TOKEN="123456:TEST-TOKEN",
        TELEGRAM_API_BASE_URL=nobody,
        TELEGRAM_TIMEOUT="5",
    )
    # 75 (EX_TEMPFAIL), not 2: the network at boot or an outage passes, and systemd's unit
    # (deploy/madoguchi.service) starts serve again only for a status other than 2.
    assert (status, "Traceback" in stderr) == (EXIT_TRY_AGAIN, False)
    [line] = lines
    assert line.startswith(f"The Bot API at {nobody} could not be reached (")
    assert line.endswith("check TELEGRAM_API_BASE_URL and the network.")
    assert "TEST-TOKEN" not in stderr


@pytest.mark.parametrize("form", ["{root}", "{root}/", "{root}/bot", "{root}/bot/"])
def test_the_bot_api_address_is_taken_as_the_server_root_or_in_ptbs_bot_form(
    fake: FakeBotApi, tmp_path: Path, form: str
) -> None:
    address = form.format(root=fake.base_url)
    with serving(fake, tmp_path / "desk.sqlite3", TELEGRAM_API_BASE_URL=address) as served:
        assert Member(fake, served, 7).command("start", "coopdeli")  # the bot answered


def test_a_slack_queue_without_a_channel_stops_the_start(
    fake: FakeBotApi, slack: FakeSlackApi, tmp_path: Path
) -> None:
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text(
        'orgs = ["coopdeli"]\n[slack.queues.takuhai-center]\nchannel = " "\n', encoding="utf-8"
    )
    status, lines, stderr = serve_once(
        tmp_path,
        MADOGUCHI_DEPLOYMENT=str(deployment),
        SLACK_BOT_TOKEN=slack.token,
        SLACK_API_URL=slack.api_url,
        SLACK_SIGNING_SECRET="slack-secret",
    )
    assert (status, "Traceback" in stderr) == (2, False)
    assert lines == [f"{deployment}: [slack.queues.takuhai-center] channel is empty."]


def test_a_deployment_file_with_mistakes_is_reported_not_a_traceback(
    slack: FakeSlackApi, tmp_path: Path
) -> None:
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text('orgs = ["no-such-coop"]\n[slack]\nreminder_days = -1\n', "utf-8")
    status, lines, stderr = serve_once(
        tmp_path,
        MADOGUCHI_DEPLOYMENT=str(deployment),
        SLACK_BOT_TOKEN=slack.token,
        SLACK_API_URL=slack.api_url,
        SLACK_APP_TOKEN=slack.app_token,
    )
    assert (status, "Traceback" in stderr) == (2, False)
    assert lines == [
        f"{deployment}: slack.reminder_days: Input should be greater than or equal to 0"
    ]


def test_a_one_org_card_has_no_transfer_button_as_there_is_nowhere_to_transfer_to(
    tmp_path: Path, sqlite_url: str, clock: Clock
) -> None:
    with scene_on(sqlite_url, clock, tmp_path) as scene:
        case = scene.desk.app.cases.get(scene.disclosure)
        org = scene.desk.app.orgs[case.org_id]

        def buttons(queue_names: dict[str, str]) -> list[str]:
            card = blocks.case_card(case, org, clock(), queue_names)
            [actions] = [b for b in card if b["type"] == "actions"]
            return [e["action_id"] for e in actions["elements"]]

        assert "case_transfer" not in buttons({case.queue: "この窓口"})
        assert "case_transfer" in buttons({case.queue: "この窓口", "elsewhere": "別の窓口"})


def test_a_slack_token_slack_rejects_stops_the_start_with_one_line(
    slack: FakeSlackApi, tmp_path: Path
) -> None:
    status, lines, stderr = serve_once(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-revoked",
        SLACK_API_URL=slack.api_url,
        SLACK_SIGNING_SECRET="slack-secret",
        MADOGUCHI_DEPLOYMENT=str(_slack_deployment(tmp_path)),
    )
    assert (status, "Traceback" in stderr) == (2, False)
    assert lines == [
        "SLACK_BOT_TOKEN was rejected by Slack (auth.test: invalid_auth): check the app's "
        "Bot User OAuth Token (xoxb-…) and that the app is installed in the workspace."
    ]
    assert "xoxb-revoked" not in stderr


def test_a_webhook_address_telegram_refuses_stops_the_start_with_one_line(
    fake: FakeBotApi, tmp_path: Path
) -> None:
    status, lines, stderr = serve_once(
        tmp_path,
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        TELEGRAM_WEBHOOK_URL="ftp://desk.example.jp/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET="fine_secret-1",
    )
    assert (status, "Traceback" in stderr) == (2, False)
    [line] = lines
    assert line.startswith("Telegram refused TELEGRAM_WEBHOOK_URL: ")
    assert "https url must be provided" in line.lower()


def _slack_deployment(tmp_path: Path) -> Path:
    deployment = tmp_path / "slack.toml"
    deployment.write_text(
        'orgs = ["coopdeli"]\n[slack.queues.takuhai-center]\nchannel = "C0TAKU"\n',
        encoding="utf-8",
    )
    return deployment


# ---------------------------------------------------------------- every command, not only serve


def command_once(tmp_path: Path, args: list[str], **settings: str) -> tuple[int, list[str]]:
    """Run ``madoguchi ARGS``: its exit status and the lines of its stderr."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'desk.sqlite3'}",
        "MADOGUCHI_DEPLOYMENT": str(ROOT / "madoguchi.toml"),
        "MADOGUCHI_LOG_LEVEL": "WARNING",
        **settings,
    }
    done = run_madoguchi(args, env, cwd=tmp_path)
    return done.returncode, done.stderr.splitlines()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TELEGRAM_TIMEOUT", "abc"),
        ("TELEGRAM_SEND_RATE", "0"),
        ("MADOGUCHI_LOG_LEVEL", "NOPE"),
        ("PURGE_HOUR", "25"),
    ],
)
@pytest.mark.parametrize("command", ["cases", "serve"])
def test_an_invalid_setting_stops_any_command_with_one_line_naming_its_variable(
    tmp_path: Path, variable: str, value: str, command: str
) -> None:
    status, lines = command_once(tmp_path, [command], **{variable: value})
    assert status == 2
    [line] = lines
    assert line.startswith(f"madoguchi {command}: {variable}: "), line


def test_two_invalid_settings_are_two_lines(tmp_path: Path) -> None:
    status, lines = command_once(
        tmp_path, ["cases"], TELEGRAM_TIMEOUT="abc", TELEGRAM_SEND_RATE="0"
    )
    assert status == 2
    assert [line.split(":")[1].strip() for line in lines] == [
        "TELEGRAM_TIMEOUT",
        "TELEGRAM_SEND_RATE",
    ]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://desk:s3cret@127.0.0.1/desk", "mysql is not supported"),
        ("postgresql+psycopg://desk:s3cret@127.0.0.1:{port}/desk", "could not be opened"),
        ("sqlite:////tmp", "/tmp is a directory"),  # and readable by others: no warning either
        ("sqlite:////proc/nope/db.sqlite3", "could not be opened"),  # no such directory
        ("not a url", "is not a database URL"),
    ],
    ids=["mysql", "unreachable-postgres", "directory", "missing-directory", "not-a-url"],
)
@pytest.mark.parametrize("command", ["cases", "chat", "db upgrade", "db current", "keys status"])
def test_a_database_url_that_cannot_work_is_one_line_without_its_password(
    tmp_path: Path, url: str, says: str, command: str
) -> None:
    url = url.format(port=free_port(), tmp=tmp_path)
    status, lines = command_once(tmp_path, command.split(), DATABASE_URL=url)
    assert status == 2
    [line] = lines
    assert line.startswith("madoguchi: DATABASE_URL: ") and says in line, line
    assert "s3cret" not in line


def test_a_deployment_file_that_is_named_but_missing_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "typo.toml"
    for command in ("cases", "serve"):
        status, lines = command_once(tmp_path, [command], MADOGUCHI_DEPLOYMENT=str(missing))
        assert status == 2
        who = "madoguchi serve" if command == "serve" else "madoguchi"
        assert f"{who}: MADOGUCHI_DEPLOYMENT: {missing} is not a file." in lines, lines
        assert command == "serve" or len(lines) == 1, lines


def test_the_default_deployment_file_may_be_absent(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MADOGUCHI_DEPLOYMENT"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "cases"],
        env={**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'desk.sqlite3'}"},
        cwd=tmp_path,  # no madoguchi.toml here: the built-in defaults apply
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def test_a_bot_api_address_that_is_not_http_is_one_problem_on_one_line(tmp_path: Path) -> None:
    status, lines, stderr = serve_once(
        tmp_path, TELEGRAM_BOT_TOKEN="123456:TEST-TOKEN", TELEGRAM_API_BASE_URL="ftp://x"
    )
    assert (status, "Traceback" in stderr) == (2, False)
    assert lines == [
        "TELEGRAM_API_BASE_URL must be an http(s) address, e.g. https://api.telegram.org."
    ]


def test_a_port_already_in_use_stops_the_start_with_one_line_before_anything_runs(
    tmp_path: Path,
) -> None:
    port = free_port()
    with socket.create_server(("127.0.0.1", port)):  # say, another serve left running
        status, lines, stderr = serve_once(tmp_path, port, WEBCHAT_ENABLED="1")
    assert status == EXIT_TRY_AGAIN  # an old serve still stopping: systemd tries again
    assert len(lines) == 1
    assert lines[0].startswith(f"Cannot listen on 127.0.0.1:{port}: ")
    assert "--port" in lines[0]
    assert "Traceback" not in stderr and "never retrieved" not in stderr
    assert "serving on" not in stderr


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("postgresql+psycopg://desk:s3cret@127.0.0.1:{port}/desk", EXIT_TRY_AGAIN),
        ("sqlite:////proc/nope/db.sqlite3", 2),  # a path that cannot work: change it
        ("not a url", 2),
    ],
    ids=["postgres-away", "missing-directory", "not-a-url"],
)
def test_serve_asks_to_be_started_again_only_when_the_database_server_is_away(
    tmp_path: Path, url: str, status: int
) -> None:
    url = url.format(port=free_port())
    got, lines, stderr = serve_once(tmp_path, DATABASE_URL=url, WEBCHAT_ENABLED="1")
    assert got == status, stderr
    assert len(lines) == 1 and "DATABASE_URL" in lines[0] and "s3cret" not in stderr


def test_a_second_serve_on_the_same_sqlite_file_is_refused_and_names_the_first(
    tmp_path: Path,
) -> None:
    database = tmp_path / "desk.sqlite3"
    with serving_web(database) as first:
        eventually(lambda: running_server(database) is not None)  # its purge lease is taken
        status, lines, stderr = serve_once(tmp_path, WEBCHAT_ENABLED="1")
        assert first.process.poll() is None  # the first one goes on serving
    assert status == 2, stderr
    [line] = lines
    assert f":{first.process.pid}) is already serving {database}" in line
    assert "PostgreSQL" in line
    # Once the first has stopped (its lease released), the file may be served again.
    with serving_web(database):
        pass
