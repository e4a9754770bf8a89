"""One access check for every staff surface: a 宅配センター member of staff is refused a 共済部
case from the terminal (with ``[staff]``) and from Slack, in the same words and with one
``denied:`` audit entry each; a supervisor is not; every staff read writes exactly one entry.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from storage.staff import NOT_YOUR_QUEUE, SUPERVISORS_ONLY
from tests.bot.test_slack_end_to_end import CHANNELS, STAFF, SUPERVISOR, Desk, _block_text
from tests.bot.test_slack_staff import audit, desk, events, new_case, new_ephemeral
from tests.bot.test_terminal_end_to_end import DISCLOSURE, ROOT, chat, run

__all__ = ["desk"]  # the Slack desk fixture, one serve process for this module

NUMBER = "KY-2026-00001"  # the disclosure DISCLOSURE files: 生活クラブ共済連, queue 共済部
STAFF_SECTION = """
[staff]
supervisors = ["tanaka"]

[staff.queues]
kyosai-bu = ["kato"]
takuhai-center = ["sato"]
"""


@pytest.fixture
def staffed(database_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The terminal's environment with the repository's deployment plus ``[staff]``."""
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text(
        (ROOT / "madoguchi.toml").read_text(encoding="utf-8") + STAFF_SECTION, encoding="utf-8"
    )
    yield {
        **os.environ,
        "DATABASE_URL": database_url,
        "MADOGUCHI_DEPLOYMENT": str(deployment),
        "MADOGUCHI_STAFF": "sato",
        "MADOGUCHI_LOG_LEVEL": "WARNING",
    }


def _entries(env: dict[str, str]) -> list[tuple[str, str, str | None, bool]]:
    """Every audit entry as (actor, action, case number, allowed), oldest first."""
    engine = sa.create_engine(env["DATABASE_URL"], poolclass=sa.NullPool)
    with engine.connect() as db:
        rows = db.exec_driver_sql(
            "SELECT actor, action, case_number, allowed FROM auditentry ORDER BY seq"
        ).all()
    engine.dispose()
    return [(a, act, n, bool(ok)) for a, act, n, ok in rows]


def _as(env: dict[str, str], name: str) -> dict[str, str]:
    return {**env, "MADOGUCHI_STAFF": name}


TERMINAL_ATTEMPTS = [  # (command line, the refusal's action, its words)
    (["staff", "claim", NUMBER], "denied:claim", NOT_YOUR_QUEUE.ja),
    (["staff", "reply", NUMBER, "お送りしました。"], "denied:reply", NOT_YOUR_QUEUE.ja),
    (["staff", "show", NUMBER], "denied:view_case", NOT_YOUR_QUEUE.ja),
    (["member-data", NUMBER, "--out", "-"], "denied:member_data", NOT_YOUR_QUEUE.ja),
    (["transcript", NUMBER, "--out", "-"], "denied:transcript", SUPERVISORS_ONLY.ja),
]


def test_takuhai_center_staff_at_the_terminal_are_refused_a_kyosai_bu_case_audited_once(
    staffed: dict[str, str],
) -> None:
    chat(staffed, DISCLOSURE)
    for args, action, words in TERMINAL_ATTEMPTS:
        before = _entries(staffed)
        done = run(args, staffed)
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        assert words in done.stderr, args
        assert "山田" not in done.stdout + done.stderr
        assert _entries(staffed)[len(before) :] == [("cli:sato", action, NUMBER, False)], args

    # Nothing happened to the case, and sato's own list leaves it out (one entry: the list).
    listing = run(["staff", "list"], staffed)
    assert listing.returncode == 0 and NUMBER not in listing.stdout
    queue = run(["staff", "list", "--queue", "kyosai-bu"], staffed)
    assert queue.returncode == 1 and NOT_YOUR_QUEUE.ja in queue.stderr
    assert [e[1] for e in _entries(staffed)[-2:]] == ["list_cases", "denied:list_cases"]
    assert "担当 -" in run(["staff", "list"], _as(staffed, "kato")).stdout


def test_a_terminal_supervisor_may_do_what_queue_staff_of_another_queue_may_not(
    staffed: dict[str, str],
) -> None:
    chat(staffed, DISCLOSURE)
    boss = _as(staffed, "tanaka")
    for args, _action, _words in TERMINAL_ATTEMPTS:
        done = run(args, boss)
        assert done.returncode == 0, (args, done.stderr)
    assert not [e for e in _entries(staffed) if not e[3]]


def test_a_name_not_listed_in_staff_is_refused_and_without_staff_the_terminal_trusts_its_user(
    staffed: dict[str, str],
) -> None:
    chat(staffed, DISCLOSURE)
    stranger = run(["staff", "show", NUMBER], _as(staffed, "yamamoto"))
    assert stranger.returncode == 1
    assert "yamamoto は madoguchi.toml の [staff] に登録されていません" in stranger.stderr

    fresh_clone = {**staffed, "MADOGUCHI_DEPLOYMENT": str(ROOT / "madoguchi.toml")}
    assert run(["staff", "claim", NUMBER], _as(fresh_clone, "yamamoto")).returncode == 0


def test_every_staff_read_at_the_terminal_writes_exactly_one_audit_entry(
    staffed: dict[str, str],
) -> None:
    chat(staffed, DISCLOSURE)
    kato = _as(staffed, "kato")
    boss = _as(staffed, "tanaka")
    reads = [
        (["staff", "list"], kato, ("cli:kato", "list_cases", None, True)),
        (["staff", "show", NUMBER], kato, ("cli:kato", "view_case", NUMBER, True)),
        (
            ["member-data", NUMBER, "--out", "-"],
            kato,
            ("cli:kato", "view_member_data", NUMBER, True),
        ),
        (
            ["transcript", NUMBER, "--out", "-"],
            boss,
            ("cli:tanaka", "export_transcript", NUMBER, True),
        ),
        (["cases", "--json"], boss, ("cli:tanaka", "list_cases", None, True)),
    ]
    for args, env, entry in reads:
        before = _entries(staffed)
        done = run(args, env)
        assert done.returncode == 0, (args, done.stderr)
        assert _entries(staffed)[len(before) :] == [entry], args


# ---------------------------------------------------------------------- Slack: the same rules


def test_takuhai_center_staff_in_slack_are_refused_a_kyosai_bu_case_in_the_terminals_words(
    desk: Desk,
) -> None:
    _, number, card = new_case(desk, "seikatsuclub-kyosai", "disclosure")
    channel, outsider = CHANNELS["seikatsuclub-kyosai"], STAFF["coopdeli"]  # 宅配センター

    def denied(action: str) -> int:
        return sum(
            1 for r in audit(desk, f"slack:{outsider}") if r[:3] == (f"denied:{action}", number, 0)
        )

    for button, action in (("case_claim", "claim"), ("case_member_data", "member_data")):
        shown = len(desk.slack.ephemerals(outsider))
        desk.click(outsider, button, channel, card.ts)
        assert new_ephemeral(desk.slack, outsider, shown).text == NOT_YOUR_QUEUE.ja
        desk.slack.wait_for(lambda _api, action=action: denied(action) == 1)

    desk.click(outsider, "case_reply", channel, card.ts)  # the form says no, in the same words
    desk.slack.wait_for(
        lambda api: any(
            NOT_YOUR_QUEUE.ja in _block_text(view["blocks"]) for view in api.open_modals(outsider)
        )
    )
    desk.slack.wait_for(lambda _api: denied("reply") == 1)

    shown = len(desk.slack.ephemerals(outsider))
    desk.sender.slash_command(outsider, text=f"transcript {number}", channel=channel)
    assert new_ephemeral(desk.slack, outsider, shown).text == SUPERVISORS_ONLY.ja
    desk.slack.wait_for(lambda _api: denied("transcript") == 1)
    assert not events(desk, number, "claimed")
    assert [r[0] for r in audit(desk, f"slack:{outsider}") if r[1] == number] == [
        "denied:claim",
        "denied:member_data",
        "denied:reply",
        "denied:transcript",
    ]

    # A supervisor may: the claim goes through and the transcript is shown, each on record.
    desk.click(SUPERVISOR, "case_claim", channel, card.ts)
    desk.slack.wait_for(lambda _api: bool(events(desk, number, "claimed")))
    shown = len(desk.slack.ephemerals(SUPERVISOR))
    desk.sender.slash_command(SUPERVISOR, text=f"transcript {number}", channel="C0SUPER")
    new_ephemeral(desk.slack, SUPERVISOR, shown, lambda e: number in e.text)
    desk.slack.wait_for(
        lambda _api: (
            [r[0] for r in audit(desk, f"slack:{SUPERVISOR}") if r[1] == number]
            == ["claimed", "view_transcript"]
        )
    )
