"""Escape for where text lands, once, and split rather than cut: the functions and what the
staff surfaces (Slack thread, CSV, terminal) make of a member's text with them."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.escaping import for_csv, for_slack, for_terminal, for_terminal_json
from bot.export import render_csv
from bot.slack import blocks
from storage.audit import Actor
from storage.staff import StaffActor
from tests.bot.conftest import madoguchi_command
from tests.conftest import Desk
from tests.fakes.slack_api import (
    entities_shown_literally,
    live_markup_in_payload,
    slack_would_refuse,
)
from tests.flows.answers import COMPLAINT, only_case


def complain(desk: Desk, message: str) -> None:
    member = desk.member(org="coopdeli")
    for line in (COMPLAINT[0], COMPLAINT[1], message, COMPLAINT[3]):
        member.says(line)


# ---------------------------------------------------------------------- Slack


def test_a_member_text_is_escaped_once_in_the_thread_never_twice() -> None:
    assert for_slack("A&B <!channel> &amp;") == "A&amp;B &lt;!channel&gt; &amp;amp;"


def test_the_intake_shows_a_members_markup_as_text_escaped_exactly_once(desk: Desk) -> None:
    complain(desk, "A&B <!channel> <https://evil.example|本人確認はこちら>")
    case = only_case(desk)
    detail = desk.app.cases.detail_unaudited(case.number)
    composed = "\n".join(blocks.intake_text(case, detail.transcript))
    assert "A&amp;B &lt;!channel&gt; &lt;https://evil.example|本人確認はこちら&gt;" in composed
    assert "&amp;amp;" not in composed and "&amp;lt;" not in composed
    for text in blocks.intake_text(case, detail.transcript):
        for post in blocks.posts(text):
            assert live_markup_in_payload(post.blocks) == []
            assert slack_would_refuse(blocks=post.blocks) is None
    card = blocks.case_card(case, desk.app.orgs["coopdeli"], desk.clock(), {})
    assert live_markup_in_payload(card) == []


def test_text_in_slacks_plain_text_is_shown_as_written_not_as_entities(desk: Desk) -> None:
    """Slack decodes ``&amp;`` only in mrkdwn: escaped into plain_text, staff would read the
    entity. So the preview of a reply and a queue's name in a form are put in as written."""
    reply = "A&B <様> の件、書類を郵送しました。"
    complain(desk, "配達の件です")
    case = only_case(desk)
    preview = blocks.draft_preview("case_reply_confirm", case.number, "C1", "d1", reply, "送信")
    transfer = blocks.transfer_modal(case, "C1", {case.queue: "組合員", "other": "生協&共済"})
    card = blocks.case_card(case, desk.app.orgs["coopdeli"], desk.clock(), {})
    for payload in (preview, transfer, card):
        assert entities_shown_literally(payload) == []
        assert live_markup_in_payload(payload) == []
    assert reply in json.dumps(preview, ensure_ascii=False)
    assert "生協&共済" in json.dumps(transfer, ensure_ascii=False)


def test_a_3900_character_answer_reaches_the_thread_whole_in_sections_slack_accepts(
    desk: Desk,
) -> None:
    answer = ("配達員の対応についてお伝えします。" * 300)[:3900]
    complain(desk, answer)
    case = only_case(desk)
    [head, _chat] = blocks.intake_text(
        case, desk.app.cases.detail_unaudited(case.number).transcript
    )
    [post] = blocks.posts(head)
    sections = [b["text"]["text"] for b in post.blocks]
    assert len(sections) == 2 and all(len(s) <= 3000 for s in sections)
    assert answer in "".join(sections)
    assert slack_would_refuse(blocks=post.blocks) is None


def test_a_text_of_many_sections_becomes_several_posts_in_order_within_slacks_limits() -> None:
    lines = [f"{n:06d} " + "あ" * 90 for n in range(3000)]  # about 290,000 characters
    posts = blocks.posts("\n".join(lines))
    assert len(posts) > 1
    for post in posts:
        assert len(post.blocks) <= blocks.MESSAGE_BLOCKS and len(post.text) <= 4000
        assert slack_would_refuse(blocks=post.blocks) is None
    shown = "\n".join(b["text"]["text"] for post in posts for b in post.blocks)
    assert re.findall(r"\d{6}", shown) == [f"{n:06d}" for n in range(3000)]


@pytest.mark.parametrize("unit", ["&amp;", "&lt;", "<@U0STAFF>", "😀&gt;"])
def test_a_hard_cut_never_splits_an_entity_or_a_mention(unit: str) -> None:
    text = unit * 3000  # no line, sentence or word boundary anywhere
    parts = blocks.split_mrkdwn(text)
    assert "".join(parts) == text
    assert all(len(part) <= 3000 for part in parts)
    whole = re.compile(r"(?:&(?:amp|lt|gt);|<@\w+>|[^&<>])*")
    assert all(whole.fullmatch(part) for part in parts)


@given(st.text(max_size=9000))
def test_split_keeps_every_character_but_whitespace_at_the_cuts(text: str) -> None:
    composed = for_slack(text)
    parts = blocks.split_mrkdwn(composed, 500)
    assert all(len(part) <= 500 for part in parts)
    assert re.sub(r"\s", "", "".join(parts)) == re.sub(r"\s", "", composed)
    assert not any(re.search(r"&[a-z]*$", part) for part in parts)


# ---------------------------------------------------------------------- CSV


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("https://evil.example","x")',
        "+cmd|' /C calc'!A0",
        "@SUM(1)",
        "-1+1",
        "\t=1",
        "\r=1",
        "  =1",
        "＝1+1",
        "＋1",
        "－1",
        "＠SUM(1)",
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_kept_as_text(cell: str) -> None:
    assert for_csv(cell) == "'" + cell


def test_plain_cells_stay_as_they_are() -> None:
    for cell in ("山田 花子", "2026-11-22 10:00:00", "03-5285-1865", "", "a=b"):
        assert for_csv(cell) == cell


def test_the_transcript_csv_keeps_a_members_formula_as_text(desk: Desk) -> None:
    complain(desk, '=HYPERLINK("https://evil.example","本人確認")')
    case = only_case(desk)
    desk.app.cases.note(case.number, StaffActor.trusted("sato"), "@SUM(1) 確認済み")
    rows = list(csv.reader(io.StringIO(render_csv(desk.app.cases.detail_unaudited(case.number)))))
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("https://evil.example","本人確認")' in cells
    assert not any(cell.lstrip(" ").startswith(("=", "+", "-", "@")) for cell in cells)


# ---------------------------------------------------------------------- terminal


def test_terminal_text_shows_escape_sequences_instead_of_running_them() -> None:
    assert for_terminal("a\x1b[2Jb\x9b31m\u202ec\x00\ud800\n\t") == (
        "a\\x1b[2Jb\\x9b31m\\u202ec\\x00\\ud800\n\t"
    )


def test_json_for_a_terminal_stays_json_with_the_same_values() -> None:
    value = {"text": "a\x9b31m\u202e\x1b\ud800 山田"}
    shown = for_terminal_json(json.dumps(value, ensure_ascii=False))
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e\ud800]", shown)
    assert json.loads(shown) == value


def test_staff_show_prints_escape_sequences_in_stored_text_as_text(desk: Desk) -> None:
    complain(desk, "ok")
    number = only_case(desk).number
    desk.app.cases.reply(number, StaffActor.trusted("sato"), "\x1b]0;pwned\x07\x1b[2J 画面を消す")
    with madoguchi_command(desk.db_url, "staff") as invoke:
        shown = invoke("show", number)
    assert shown.exit_code == 0, shown.output
    assert "\x1b" not in shown.output and "\x07" not in shown.output
    assert "\\x1b]0;pwned\\x07\\x1b[2J 画面を消す" in shown.output


def test_the_audit_log_as_json_lines_stays_valid_json_without_raw_controls(desk: Desk) -> None:
    complain(desk, "ok")
    number = only_case(desk).number
    desk.app.audit.record(
        Actor("cli:\x9bx\u202e", "cli"),
        "view_case",
        case_number=number,
    )
    with madoguchi_command(desk.db_url, "audit") as invoke:
        listed = invoke("--json")
        table = invoke()
    assert listed.exit_code == 0, listed.output
    assert "\x9b" not in listed.output + table.output and "\u202e" not in table.output
    actors = [json.loads(line)["actor"] for line in listed.output.splitlines()]
    assert "cli:\x9bx\u202e" in actors
