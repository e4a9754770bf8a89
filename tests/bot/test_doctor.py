"""``madoguchi doctor`` checks an installation against the real platforms' answers (the fakes),
a real database and the real disk: one line per check, the fix beside each problem, exit
status 0 (all OK), 1 (warnings) or 2 (a failure). ``serve`` refuses the fatal local ones with
one line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import structlog
from alembic import command
from alembic.script import ScriptDirectory
from typer.testing import CliRunner, Result

from bot.cli import cli
from bot.config import EXIT_TRY_AGAIN
from storage import crypto
from storage.db import Database
from storage.schema import alembic_config, head_revision
from tests import databases
from tests.bot.served import ROOT, free_port, run_madoguchi
from tests.bot.test_answer_email import Mailbox, smtp_server
from tests.fakes.line import FakeLine
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeBotApi

QUEUES = {"kyosai-bu": "C0KYOSAI", "takuhai-center": "C0TAKU"}
SUPERVISORS = "C0CHIEFS"
# Every setting doctor reads, so the test process's own environment never leaks in.
PLATFORM_SETTINGS = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_URL",
    "TELEGRAM_WEBHOOK_SECRET",
    "TELEGRAM_API_BASE_URL",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "LINE_CHANNEL_SECRET",
    "LINE_CHANNEL_ACCESS_TOKEN",
    "LINE_API_BASE_URL",
    "LINE_DATA_API_BASE_URL",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_STARTTLS",
    "SMTP_FROM",
    "MADOGUCHI_DATA_KEYS",
    "WEBCHAT_ENABLED",
)


class Installation(NamedTuple):
    """A co-op's installation whose every part is healthy: the settings of each platform's
    fake, a database at the newest schema encrypted with one master key, channels joined."""

    env: dict[str, str]
    telegram: FakeBotApi
    slack: FakeSlackApi
    line: FakeLine
    key: str  # the master key, k01:BASE64

    def doctor(self, **changes: str | None) -> Result:
        """``madoguchi doctor`` in this process, with ``changes`` to the settings."""
        env: dict[str, str | None] = {name: None for name in PLATFORM_SETTINGS}
        env.update(self.env)
        env.update(changes)
        logging_before = structlog.get_config()  # the command configures logging for itself
        try:
            return CliRunner().invoke(cli, ["doctor"], env=env)
        finally:
            structlog.configure(**logging_before)


def lines_of(result: Result) -> dict[str, str]:
    """Each check's line by its name (``OK    database: …`` → ``{"database": "OK …"}``)."""
    found: dict[str, str] = {}
    for line in result.output.splitlines()[:-1]:  # the last one is the summary
        status, _, rest = line.partition("  ")
        name, _, detail = rest.strip().partition(": ")
        found[name] = f"{status.strip()} {detail}"
    return found


def make_database(url: str, key: str | None) -> None:
    """The desk's database at the newest schema, its data keys made with ``key``."""
    db = Database(url)
    try:
        if key:
            crypto.Keyring(crypto.parse_master_keys(key), db)
    finally:
        crypto.install(None)
        db.close()


@pytest.fixture
def installation(tmp_path: Path) -> Iterator[Installation]:
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text(
        'orgs = ["seikatsuclub-kyosai", "coopdeli"]\n'
        + "".join(f'[slack.queues.{q}]\nchannel = "{c}"\n' for q, c in QUEUES.items())
        + f'[slack]\nsupervisors_channel = "{SUPERVISORS}"\n',
        encoding="utf-8",
    )
    key = crypto.new_master_key()
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    make_database(url, key)
    with (
        FakeBotApi() as telegram,
        FakeSlackApi(strict_channels=True) as slack,
        FakeLine(quota=1000) as line,
        smtp_server(Mailbox()) as smtp_port,
    ):
        for channel in [*QUEUES.values(), SUPERVISORS]:
            slack.add_channel(channel, channel.lower())
        line.webhook_url = "https://desk.example.jp/line/webhook"
        env = {
            "DATABASE_URL": url,
            "MADOGUCHI_DEPLOYMENT": str(deployment),
            "MADOGUCHI_DATA_KEYS": key,
            "TELEGRAM_BOT_TOKEN": telegram.token,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_API_URL": slack.api_url,
            "SLACK_SIGNING_SECRET": "slack-signing-secret",
            "LINE_CHANNEL_SECRET": line.channel_secret,
            "LINE_CHANNEL_ACCESS_TOKEN": line.access_token,
            "LINE_API_BASE_URL": line.base_url,
            "LINE_DATA_API_BASE_URL": line.base_url,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
            "SMTP_STARTTLS": "false",
            "SMTP_FROM": "desk@coop.example",
        }
        yield Installation(env, telegram, slack, line, key)


EVERY_CHECK = [
    "settings",
    "deployment",
    "database",
    "encryption",
    "disk",
    "database file",
    "telegram",
    "telegram webhook",
    "slack",
    *(f"slack channel {channel}" for channel in [*QUEUES.values(), SUPERVISORS]),
    "line",
    "line webhook",
    "line quota",
    "smtp",
]


def test_a_healthy_installation_lists_every_check_as_ok_and_exits_0(
    installation: Installation,
) -> None:
    result = installation.doctor()
    checks = lines_of(result)
    assert list(checks) == EVERY_CHECK, result.output
    assert all(line.startswith("OK ") for line in checks.values()), result.output
    assert result.exit_code == 0
    assert (
        result.output.splitlines()[-1] == f"madoguchi doctor: {len(EVERY_CHECK)} OK, 0 WARN, 0 FAIL"
    )
    assert checks["settings"] == "OK serving Telegram (long polling), LINE, Slack (HTTP)"
    assert checks["telegram"] == "OK token accepted: the bot is @madoguchi_test_bot"
    assert checks["database"].endswith(f"schema at the newest revision {head_revision()}")
    assert checks["line quota"] == "OK 0 of 1000 push messages used this month"
    # Nothing secret is printed: tokens, the signing secret, the master key.
    for secret in (
        installation.telegram.token,
        installation.slack.token,
        installation.line.access_token,
        installation.line.channel_secret,
        installation.key.partition(":")[2],
    ):
        assert secret not in result.output
    # Only reading methods were called: nothing was posted, set or sent.
    assert [c.method for c in installation.telegram.calls] == ["getMe", "getWebhookInfo"]
    assert not installation.slack.messages()


def test_a_token_the_bot_api_rejects_is_a_failure_with_what_to_check(
    installation: Installation,
) -> None:
    result = installation.doctor(TELEGRAM_BOT_TOKEN="42:REVOKED")
    assert result.exit_code == 2
    line = lines_of(result)["telegram"]
    assert line.startswith("FAIL TELEGRAM_BOT_TOKEN was rejected by the Bot API")
    assert "@BotFather" in line
    assert "REVOKED" not in result.output
    assert "telegram webhook" not in lines_of(result)  # nothing more to ask with that token


def test_updates_waiting_for_a_webhook_that_fails_are_a_warning_naming_the_error(
    installation: Installation,
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}/telegram/webhook"  # nothing listens there
    api = installation.telegram
    urllib.request.urlopen(  # as serve would: the webhook set, with its secret
        urllib.request.Request(
            f"{api.api_url}{api.token}/setWebhook",
            data=f"url={nobody}&secret_token=s3cret".encode(),
        ),
        timeout=10,
    ).close()
    api.send_text(7, "こんにちは")
    assert api.holds_within(lambda fake: bool(fake.webhook_deliveries), 10)

    result = installation.doctor(TELEGRAM_WEBHOOK_URL=nobody, TELEGRAM_WEBHOOK_SECRET="s3cret")
    line = lines_of(result)["telegram webhook"]
    assert line.startswith(f"WARN webhook {nobody}; 1 update(s) waiting;"), line
    assert "Telegram's last delivery failed at " in line
    assert "Fix: check that" in line and "reaches `madoguchi serve`" in line
    assert result.exit_code == 1


def test_a_slack_token_slack_rejects_is_a_failure(installation: Installation) -> None:
    result = installation.doctor(SLACK_BOT_TOKEN="xoxb-revoked")
    assert result.exit_code == 2
    assert lines_of(result)["slack"] == (
        "FAIL SLACK_BOT_TOKEN was rejected by Slack (auth.test: invalid_auth). Fix: check the "
        "app's Bot User OAuth Token (xoxb-…) and that the app is installed in the workspace."
    )
    assert "xoxb-revoked" not in result.output


def test_a_channel_the_bot_is_not_in_names_the_channel_and_the_invitation(
    installation: Installation,
) -> None:
    installation.slack.remove_bot_from(QUEUES["kyosai-bu"])
    result = installation.doctor()
    assert result.exit_code == 2
    checks = lines_of(result)
    assert checks[f"slack channel {QUEUES['kyosai-bu']}"] == (
        "FAIL the bot is not in this channel (queue kyosai-bu). "
        "Fix: invite it: /invite @madoguchi in that channel."
    )
    assert checks[f"slack channel {QUEUES['takuhai-center']}"].startswith("OK ")
    assert checks[f"slack channel {SUPERVISORS}"] == "OK the bot is in it (supervisors)"
    # Asked with a method whose scopes the app already has, and reading no message.
    asked = installation.slack.calls_to("conversations.history")
    assert asked and all(call.params["limit"] in (1, "1") for call in asked)


def test_a_private_channel_the_bot_cannot_see_is_a_failure(installation: Installation) -> None:
    installation.slack.add_channel("G0PRIVATE", "kojin", is_private=True, is_member=False)
    result = installation.doctor(
        MADOGUCHI_DEPLOYMENT=str(_deployment_with_supervisors(installation, "G0PRIVATE"))
    )
    line = lines_of(result)["slack channel G0PRIVATE"]
    assert line.startswith("FAIL no such channel visible to the bot (supervisors).")
    assert "/invite @madoguchi" in line


def test_a_channel_written_as_its_name_says_to_write_its_id_and_serve_refuses_it(
    installation: Installation, tmp_path: Path
) -> None:
    deployment = str(_deployment_with_supervisors(installation, "#kanri"))
    result = installation.doctor(MADOGUCHI_DEPLOYMENT=deployment)
    assert result.exit_code == 2
    line = lines_of(result)["slack channel #kanri"]
    assert line.startswith("FAIL not a channel id (supervisors). Fix: write the channel's id (C…")
    slack = {k: v for k, v in installation.env.items() if k.startswith("SLACK_") and v}
    status, refusal = serve_once(tmp_path, MADOGUCHI_DEPLOYMENT=deployment, **slack)
    assert status == 2  # a setting to change: systemd does not start it again
    assert any('supervisors_channel = "#kanri" is not a channel id' in line for line in refusal)


def _deployment_with_supervisors(installation: Installation, channel: str) -> Path:
    path = Path(installation.env["MADOGUCHI_DEPLOYMENT"])
    changed = path.with_name("other.toml")
    changed.write_text(path.read_text("utf-8").replace(SUPERVISORS, channel), encoding="utf-8")
    return changed


def test_a_line_token_line_rejects_is_a_failure(installation: Installation) -> None:
    result = installation.doctor(LINE_CHANNEL_ACCESS_TOKEN="expired-token")
    assert result.exit_code == 2
    line = lines_of(result)["line"]
    assert line.startswith("FAIL LINE_CHANNEL_ACCESS_TOKEN was rejected by LINE (401: ")
    assert "long-lived channel access token" in line
    assert "expired-token" not in result.output


def test_a_line_webhook_turned_off_and_a_used_up_quota_are_failures(
    installation: Installation,
) -> None:
    installation.line.webhook_active = False
    installation.line.pushes_this_month = 1000
    checks = lines_of(installation.doctor())
    assert checks["line webhook"] == (
        "FAIL https://desk.example.jp/line/webhook is set but 'Use webhook' is off. "
        "Fix: turn 'Use webhook' on in the Messaging API tab."
    )
    assert checks["line quota"].startswith("FAIL 1000 of 1000 push messages used this month")


def test_platforms_that_cannot_be_reached_are_failures_not_tracebacks(
    installation: Installation,
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    result = installation.doctor(
        TELEGRAM_API_BASE_URL=nowhere,
        SLACK_API_URL=f"{nowhere}/api/",
        LINE_API_BASE_URL=nowhere,
        SMTP_PORT=str(free_port()),
    )
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    checks = lines_of(result)
    assert checks["telegram"].startswith(f"FAIL The Bot API at {nowhere} could not be reached")
    assert checks["slack"].startswith(f"FAIL The Slack API at {nowhere}/api/ could not be")
    assert checks["line"].startswith(f"FAIL LINE at {nowhere} could not be reached")
    assert checks["smtp"].startswith("FAIL 127.0.0.1:")
    for platform in ("telegram", "slack", "line", "smtp"):  # each says what to do about it
        assert " Fix: check " in checks[platform], checks[platform]
    assert "Traceback" not in result.output


def test_settings_that_cannot_be_read_are_failures_of_doctor_not_a_refusal(
    installation: Installation,
) -> None:
    result = installation.doctor(TELEGRAM_TIMEOUT="abc")
    assert result.exit_code == 2
    assert result.output.splitlines()[0].startswith("FAIL  settings: TELEGRAM_TIMEOUT: ")
    # Everything else is still checked, the wrong variable at its default meanwhile.
    checks = lines_of(result)
    assert checks["database"].startswith("OK ") and checks["telegram"].startswith("OK ")
    assert checks["slack"].startswith("OK ") and "disk" in checks


# ---------------------------------------------------------------------- the database


def _previous_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config())
    down = script.get_revision(head_revision()).down_revision
    assert isinstance(down, str)
    return down


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database one migration behind this madoguchi."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
        command.upgrade(alembic_config(url=url), _previous_revision())
        yield url
        return
    problem = databases.postgres_problem()
    if problem:
        pytest.skip(problem)
    url = databases.new_empty_postgres_database()
    try:
        command.upgrade(alembic_config(url=url), _previous_revision())
        yield url
    finally:
        databases.drop_postgres_database(url)


def test_a_database_at_an_older_revision_says_to_run_db_upgrade(
    installation: Installation, old_database: str, tmp_path: Path
) -> None:
    result = installation.doctor(DATABASE_URL=old_database, MADOGUCHI_DATA_KEYS=None)
    line = lines_of(result)["database"]
    assert f"is at revision {_previous_revision()}; this madoguchi needs {head_revision()}" in line
    assert "`madoguchi db upgrade`" in line
    if old_database.startswith("sqlite"):  # serve would upgrade it: a warning
        assert line.startswith("WARN ") and result.exit_code == 1
        return
    assert line.startswith("FAIL ") and result.exit_code == 2
    status, refusal = serve_once(tmp_path, DATABASE_URL=old_database)
    assert status == 2
    [only] = refusal
    assert f"is at revision {_previous_revision()}" in only
    assert "Run `madoguchi db upgrade` once" in only


@pytest.mark.parametrize(
    ("url", "says", "no_file"),
    [
        ("not a url", "is not a database URL", "not checked: DATABASE_URL is not a database URL"),
        (
            "mysql://desk:s3cret@db/desk",
            "not supported",
            "not checked: DATABASE_URL names no database madoguchi supports",
        ),
    ],
)
def test_a_database_url_that_cannot_work_is_one_line_in_doctor_and_in_serve(
    installation: Installation, tmp_path: Path, url: str, says: str, no_file: str
) -> None:
    result = installation.doctor(DATABASE_URL=url)
    checks = lines_of(result)
    assert checks["database"].startswith("FAIL DATABASE_URL: ") and says in checks["database"]
    assert " Fix: use sqlite:///" in checks["database"]
    assert checks["encryption"] == "SKIP not checked: the database could not be read"
    assert checks["disk"] == f"SKIP {no_file}"  # not "on its server"
    assert checks["database file"] == f"SKIP {no_file}"
    assert "s3cret" not in result.output
    status, refusal = serve_once(tmp_path, DATABASE_URL=url)
    assert status == 2
    [line] = refusal
    assert line.startswith("DATABASE_URL: ") and says in line and "Use sqlite:///" in line


def test_an_unreachable_database_server_says_what_to_check_and_may_pass(
    installation: Installation, tmp_path: Path
) -> None:
    url = f"postgresql+psycopg://desk:s3cret@127.0.0.1:{free_port()}/desk"
    result = installation.doctor(DATABASE_URL=url)
    checks = lines_of(result)
    assert checks["database"].startswith("FAIL DATABASE_URL: postgresql+psycopg://desk:***@")
    assert checks["database"].endswith(
        "Fix: start the database server, or correct the host, port, user and password in "
        "DATABASE_URL."
    )
    assert checks["disk"] == "SKIP the database is on its server: watch that server's disk"
    assert "s3cret" not in result.output
    status, refusal = serve_once(tmp_path, DATABASE_URL=url)
    assert status == EXIT_TRY_AGAIN  # systemd starts it again when the server is up
    [line] = refusal
    assert "could not be opened" in line and "Start the database server" in line


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_a_database_held_in_memory_fails_doctor_and_serve_refuses_it(
    installation: Installation, tmp_path: Path, url: str
) -> None:
    result = installation.doctor(DATABASE_URL=url, MADOGUCHI_DATA_KEYS=None)
    assert result.exit_code == 2
    checks = lines_of(result)
    assert checks["disk"].startswith("FAIL the database is held in memory")
    assert "lost when madoguchi stops" in checks["disk"]
    status, refusal = serve_once(tmp_path, DATABASE_URL=url)
    assert status == 2
    assert any("held in memory" in line for line in refusal)


def serve_once(tmp_path: Path, **settings: str) -> tuple[int, list[str]]:
    """``madoguchi serve`` with the web chat on (something to serve), as another process:
    its exit status and the lines of its refusal."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in PLATFORM_SETTINGS},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'desk.sqlite3'}",
        "WEBCHAT_ENABLED": "1",
        "MADOGUCHI_LOG_LEVEL": "WARNING",
        **settings,
    }
    done = run_madoguchi(["serve", "--port", str(free_port())], env)
    assert "Traceback" not in done.stderr
    return done.returncode, [
        line.removeprefix("madoguchi serve: ") for line in done.stderr.splitlines()
    ]


# ---------------------------------------------------------------------- keys


@pytest.fixture
def encrypted(installation: Installation, database_url: str) -> str:
    """The installation's database on SQLite, then on PostgreSQL: encrypted with its key."""
    make_database(database_url, installation.key)
    return database_url


def test_a_missing_key_for_encrypted_data_fails_doctor_and_stops_serve(
    installation: Installation, encrypted: str, tmp_path: Path
) -> None:
    result = installation.doctor(DATABASE_URL=encrypted, MADOGUCHI_DATA_KEYS=None)
    line = lines_of(result)["encryption"]
    assert line == (
        "FAIL the database holds encrypted data (data keys wrapped by master key k01) but "
        "MADOGUCHI_DATA_KEYS is not set: members' data cannot be read. Fix: set "
        "MADOGUCHI_DATA_KEYS to the master key(s) k01 from your secret store."
    )
    assert result.exit_code == 2

    status, refusal = serve_once(tmp_path, DATABASE_URL=encrypted)
    assert status == 2
    assert refusal == [line.removeprefix("FAIL ").replace(" Fix: set ", " Set ")]


def test_a_wrong_key_fails_doctor_and_stops_serve(
    installation: Installation, encrypted: str, tmp_path: Path
) -> None:
    wrong = crypto.new_master_key()  # also called k01, another secret
    result = installation.doctor(DATABASE_URL=encrypted, MADOGUCHI_DATA_KEYS=wrong)
    line = lines_of(result)["encryption"]
    assert line.startswith("FAIL master key 'k01' does not open data key 1")
    assert "(and 1 more)" in line  # the index key and the data key
    assert wrong.partition(":")[2] not in result.output

    status, refusal = serve_once(tmp_path, DATABASE_URL=encrypted, MADOGUCHI_DATA_KEYS=wrong)
    assert status == 2
    [only] = refusal
    assert only.startswith("master key 'k01' does not open data key 1")


def test_encryption_off_on_a_database_in_clear_is_a_warning(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'clear.sqlite3'}"
    make_database(url, None)
    env: dict[str, str | None] = {name: None for name in PLATFORM_SETTINGS}
    env.update(DATABASE_URL=url, WEBCHAT_ENABLED="1")
    result = CliRunner().invoke(cli, ["doctor"], env=env)
    assert lines_of(result)["encryption"].startswith("WARN off: personal data is stored in clear")
    assert result.exit_code == 1


# ---------------------------------------------------------------------- the disk


class _Usage(NamedTuple):
    total: int
    used: int
    free: int


def _free(monkeypatch: pytest.MonkeyPatch, free: int) -> None:
    """The filesystem reports ``free`` bytes left (a nearly full disk cannot be made here)."""
    real = shutil.disk_usage

    def usage(path: Any) -> _Usage:
        total = real(path).total
        return _Usage(total, total - free, free)

    monkeypatch.setattr(shutil, "disk_usage", usage)


def test_a_nearly_full_disk_is_a_warning_then_a_failure_with_the_figures(
    installation: Installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    _free(monkeypatch, 500 * 1024**2)
    result = installation.doctor()
    line = lines_of(result)["disk"]
    assert line.startswith("WARN only 500 MiB free on the filesystem of ")
    assert "warn below 1.0 GiB, serve refuses below 100 MiB" in line
    assert result.exit_code == 1

    _free(monkeypatch, 50 * 1024**2)
    result = installation.doctor()
    assert lines_of(result)["disk"].startswith("FAIL only 50 MiB free")
    assert result.exit_code == 2


# `madoguchi serve` in another process whose filesystem reports 10 MiB free (shutil is where
# madoguchi asks the operating system); a serve that started anyway would be ended by the
# timeout rather than hang the suite.
FULL_DISK_SERVE = """
import shutil, sys
real = shutil.disk_usage
def usage(path):
    total = real(path).total
    return type(real(path))(total, total - 10 * 1024**2, 10 * 1024**2)
shutil.disk_usage = usage
from bot.cli import main
sys.argv = ["madoguchi", "serve", "--port", sys.argv[1]]
main()
"""


def test_serve_refuses_to_start_on_a_full_disk(installation: Installation) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k not in PLATFORM_SETTINGS},
        "DATABASE_URL": installation.env["DATABASE_URL"],
        "MADOGUCHI_DATA_KEYS": installation.key,
        "WEBCHAT_ENABLED": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK_SERVE, str(free_port())],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == EXIT_TRY_AGAIN  # systemd tries again once space is freed
    [line] = done.stderr.splitlines()
    assert line.startswith("madoguchi serve: only 10 MiB free on the filesystem of ")
    assert "serve refuses below 100 MiB" in line


def test_a_database_file_others_can_read_is_a_warning_with_chmod(
    installation: Installation,
) -> None:
    path = Path(installation.env["DATABASE_URL"].removeprefix("sqlite:///"))
    path.chmod(0o644)
    line = lines_of(installation.doctor())["database file"]
    assert line == f"WARN {path} can be read by other users. Fix: chmod 600 {path}*"


def test_a_database_file_gone_from_beside_its_log_fails_and_serve_refuses_to_start_afresh(
    installation: Installation, tmp_path: Path
) -> None:
    folder = tmp_path / "var"
    folder.mkdir()
    (folder / "desk.sqlite3-wal").write_bytes(b"members' turns not yet folded in")
    url = f"sqlite:///{folder / 'desk.sqlite3'}"
    result = installation.doctor(DATABASE_URL=url)
    assert result.exit_code == 2
    line = lines_of(result)["database"]
    assert "is missing, but its write-ahead log" in line and "Fix: put the file back" in line
    status, refusal = serve_once(tmp_path, DATABASE_URL=url)
    assert status == 2
    assert any("write-ahead log" in line for line in refusal)
    assert not (folder / "desk.sqlite3").exists()  # no empty desk was begun


def test_a_database_whose_folder_does_not_exist_either_is_a_warning(
    installation: Installation, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'vra' / 'desk.sqlite3'}"  # a typo for var
    result = installation.doctor(DATABASE_URL=url)
    line = lines_of(result)["database"]
    assert line.startswith("WARN ") and "nor does its folder" in line and "typo" in line


def test_slack_without_any_deployment_file_is_one_line_that_says_to_write_it(
    tmp_path: Path,
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k not in PLATFORM_SETTINGS},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'desk.sqlite3'}",
        "SLACK_BOT_TOKEN": "xoxb-not-checked-here",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/",
    }
    env.pop("MADOGUCHI_DEPLOYMENT", None)
    done = run_madoguchi(["doctor"], env, cwd=tmp_path)  # no madoguchi.toml here
    deployment = [line for line in done.stdout.splitlines() if "deployment:" in line]
    assert deployment == [
        "FAIL  deployment: madoguchi.toml does not exist, so no queue has a Slack channel: "
        'create it with a [slack.queues.QUEUE] channel = "C…" section for each queue (README, '
        "Slack set-up; or set MADOGUCHI_DEPLOYMENT to the file)."
    ]


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("serve", "2 a setting to change (one line says which); 75 something that may pass"),
        ("doctor", "Exit status: 0 all OK, 1 warnings only, 2 a failure."),
    ],
)
def test_the_help_of_serve_and_doctor_names_their_exit_statuses(command: str, says: str) -> None:
    shown = CliRunner().invoke(cli, [command, "--help"], terminal_width=400)
    assert shown.exit_code == 0
    assert says in " ".join(shown.output.split())
