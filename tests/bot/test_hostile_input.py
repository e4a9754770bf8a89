"""Hostile input through every surface where stored text lands: Slack blocks, CSV, HTML and
terminal views, and the engine before them.

Generated strings mix what an attacker or an unusual member sends (Slack broadcasts and
disguised links, spreadsheet formulas, terminal escape sequences, lone surrogates, NUL, bidi
overrides, zenkaku, emoji, huge strings). For each surface: no crash, no live Slack markup and
every payload one Slack would accept, no CSV cell a spreadsheet would run, no raw control
character on a terminal, and the text still there to read.

The surfaces are built in-process (thousands of examples in seconds); one test per path goes
through the database, and ``test_slack_hostile_end_to_end`` goes through the fake Slack.
"""

from __future__ import annotations

import asyncio
import csv
import html
import io
import itertools
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.audit_cli import table
from bot.channels.terminal import TerminalChannel
from bot.escaping import for_csv, for_slack, for_terminal, for_terminal_json
from bot.export import render_csv, render_html, render_json
from bot.member_export import render_csv as member_csv
from bot.member_export import render_html as member_html
from bot.purge_cli import history_table
from bot.slack import blocks
from bot.staff.terminal import render_detail
from flows.engine import Engine
from flows.messages import Inbound
from flows.profiles import load_profiles
from flows.safe_text import BIDI_CONTROLS, clean_inbound
from storage.cases import CaseDetail
from storage.member_data import collect
from storage.models import (
    AuditEntry,
    Case,
    CaseEvent,
    Conversation,
    OutboxMessage,
    PurgeRecord,
    TranscriptLine,
)
from tests.conftest import DATABASES, Clock, Desk, build_desk, database_for
from tests.fakes.slack_api import live_markup_in_payload, slack_would_refuse
from tests.flows.answers import COMPLAINT

PROFILES = load_profiles()
ENGINE = Engine(PROFILES)
NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
STAFF = "UKYO"  # the one mention madoguchi itself writes in these payloads
HOSTILE = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U123>",
    "<@U123|山田>",
    "<#C999>",
    "<!subteam^S1>",
    "<!subteam^S1|@staff>",
    "<https://evil.example|本人確認はこちら>",
    "<mailto:a@evil.example|窓口>",
    "@channel",
    '=HYPERLINK("https://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-1+1",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(1)",
    "\x1b[2J",
    "\x1b]0;pwned\x07",
    "\x9b31m",
    "\ud800",
    "\udfff",
    "\x00",
    "\u202e",
    "\u2066",
    "\r\n",
    "全角の文字とカナ",
    "😀",
    "👨‍👩‍👧",
    "&amp;",
    "&lt;!channel&gt;",
    "*太字*",
    "`code`",
    "> 引用",
    "\n",
    " ",
    "。",
)
_FORMULA = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
pieces = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12))
mixed = st.lists(pieces, min_size=1, max_size=14).map("".join)
# huge: hostile pieces repeated past Slack's 3,000 and Telegram's 4,096 characters
huge = st.builds(
    lambda piece, size: (piece * size)[:size],
    st.sampled_from(HOSTILE).filter(str.strip),
    st.integers(2900, 6500),
)
hostile = st.one_of(mixed, mixed, mixed, huge)
FAST = settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
_ids = itertools.count(1)


# ---------------------------------------------------------------------- what "safe" means


def assert_slack_safe(*, blocks_: list[dict[str, Any]] | None = None, view: Any = None) -> None:
    """Slack would accept the payload and render none of its text as markup."""
    payload = blocks_ if blocks_ is not None else view
    assert live_markup_in_payload(payload, [STAFF]) == []
    problem = slack_would_refuse(blocks=blocks_, view=view)
    assert problem is None, problem


def unescaped(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def visible(text: str) -> str:
    """What a person reads, ignoring whitespace (splits may drop it at the cuts)."""
    return re.sub(r"\s", "", text)


def block_text(payload: Any) -> str:
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(payload)
    return "\n".join(out)


# Unicode's Cc (C0 and C1 controls) but line break and tab, Cs (surrogates), bidi controls.
_RAW_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff" + "".join(sorted(BIDI_CONTROLS)) + "]"
)


def assert_terminal_safe(text: str) -> None:
    bad = _RAW_CONTROL.findall(text)
    assert bad == [], [hex(ord(ch)) for ch in bad]


def assert_no_formula(document: str) -> None:
    for row in csv.reader(io.StringIO(document)):
        for cell in row:
            assert not cell.lstrip(" ").startswith(_FORMULA), cell


# ---------------------------------------------------------------------- records built in-process


def a_case(text: str, *, closed: bool = False) -> Case:
    return Case(
        id=1,
        number="KY-2026-00001",
        org_id="seikatsuclub-kyosai",
        queue="kyosai-bu",
        request_type="human",
        status="closed" if closed else "received",
        requester="self",
        summary=[["ご用件", text], ["お名前", text], ["内容", text]],
        flags=["deceased"],
        channel="telegram",
        conversation_id=1,
        received_at=NOW,
        due_at=NOW + timedelta(days=14),
        assignee=f"slack:{STAFF}",
        outcome="refused" if closed else None,
        outcome_reason=text if closed else None,
        closed_at=NOW if closed else None,
    )


def events_with(text: str) -> list[CaseEvent]:
    data: list[tuple[str, str, dict[str, Any]]] = [
        ("member_message", "member", {"text": text}),
        ("replied", f"slack:{STAFF}", {"text": text}),
        ("extended", f"slack:{STAFF}", {"to": NOW.isoformat(), "reason": text}),
        ("transferred", "cli:sato", {"from": text, "to": "kyosai-bu", "note": text}),
        ("closed", "system", {"outcome": text, "reason": text}),
        ("withdrawn", "member", {"note": text}),
        ("paused", "cli:" + text, {"waiting_for": text}),
        ("note", "cli:sato", {"text": text}),
        ("reminder", "system", {"due": text}),
    ]
    return [
        CaseEvent(id=n, case_id=1, kind=kind, actor=actor, data=d, created_at=NOW)
        for n, (kind, actor, d) in enumerate(data, 1)
    ]


def lines_with(text: str) -> list[TranscriptLine]:
    return [
        TranscriptLine(id=1, conversation_id=1, direction="member", text=text, created_at=NOW),
        TranscriptLine(
            id=2, conversation_id=1, direction="staff", author=text, text=text, created_at=NOW
        ),
    ]


# ---------------------------------------------------------------------- Slack surfaces


@FAST
@given(text=hostile, closed=st.booleans())
def test_the_card_shows_hostile_text_as_text_and_slack_accepts_it(text: str, closed: bool) -> None:
    case = a_case(text, closed=closed)
    card = blocks.case_card(case, PROFILES["seikatsuclub-kyosai"], NOW, {"kyosai-bu": text})
    assert_slack_safe(blocks_=card)
    moved = blocks.moved_card(case, text)
    assert_slack_safe(blocks_=moved)


@FAST
@given(text=hostile)
def test_the_thread_gets_every_hostile_text_whole_in_posts_slack_accepts(text: str) -> None:
    case = a_case(text)
    texts = blocks.intake_text(case, lines_with(text))
    texts += [t for e in events_with(text) if (t := blocks.event_text(e, {})) is not None]
    for composed in texts:
        posts = blocks.posts(composed)
        shown = ""
        for post in posts:
            assert_slack_safe(blocks_=post.blocks)
            fallback = {"type": "mrkdwn", "text": post.text, "verbatim": True}  # as `text` is
            assert live_markup_in_payload(fallback, [STAFF]) == []
            assert 0 < len(post.text) <= 4000
            shown += block_text(post.blocks)
        assert visible(unescaped(shown)) == visible(unescaped(composed))
    assert visible(text) in visible(unescaped("".join(texts)))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile)
def test_app_home_modals_and_lists_stay_text(text: str) -> None:
    case = a_case(text)
    home = blocks.home_view([case] * 3, {"kyosai-bu": (3, 1), text: (1, 0)}, [case], {}, NOW)
    assert_slack_safe(view=home)
    preview = blocks.draft_preview(
        "case_reply_confirm", case.number, "C1", "draft-1", text or "x", "送信"
    )
    assert_slack_safe(view=preview)
    for modal in (
        blocks.transfer_modal(case, "C1", {"kyosai-bu": "共済", "other": text[:60] or "x"}),
        blocks.takeover_modal(case, "C1"),
        blocks.close_modal(case, "C1"),
    ):
        assert_slack_safe(view=modal)


# ---------------------------------------------------------------------- exports and terminal


@FAST
@given(text=hostile)
def test_exports_keep_formulas_as_text_and_html_escaped(text: str) -> None:
    clean = clean_inbound(text)  # as every channel hands text in
    detail = CaseDetail(a_case(clean, closed=True), events_with(clean), lines_with(clean))
    document = render_csv(detail)
    assert_no_formula(document)
    cells = [cell for row in csv.reader(io.StringIO(document)) for cell in row]
    if clean.strip():
        assert any(clean in cell for cell in cells)  # still there to read
    page = render_html(detail, exported_by=clean, exported_at=NOW)
    assert html.escape(clean) in page
    render_json(detail)


@FAST
@given(text=hostile)
def test_terminal_views_show_control_characters_as_escapes(text: str) -> None:
    detail = CaseDetail(a_case(text, closed=True), events_with(text), lines_with(text))
    assert_terminal_safe(render_detail(detail))
    entry = AuditEntry(
        seq=1,
        prev_hash="0" * 64,
        entry_hash="1" * 64,
        at=NOW,
        actor=f"cli:{text}",
        surface="cli",
        action="view_case",
        case_number=text,
        allowed=True,
        detail={"text": text},
    )
    assert_terminal_safe(for_terminal(table([entry])))
    record = PurgeRecord(at=NOW, actor=text, stage="transcripts", reason=text, counts={"case": 1})
    assert_terminal_safe(for_terminal(history_table([record])))
    assert_terminal_safe(for_terminal_json(f'{{"text": "{text}"}}'))
    out = io.StringIO()
    message = OutboxMessage(conversation_id=1, channel="terminal", chat_id="x", text=text)
    message.choices = [["a", text]]
    asyncio.run(TerminalChannel(out).send([message]))
    assert_terminal_safe(out.getvalue())


# ---------------------------------------------------------------------- the escaping functions


@settings(max_examples=500, deadline=None)
@given(text=hostile)
def test_each_escape_is_reversible_enough_to_read_and_never_live(text: str) -> None:
    slack = for_slack(text)
    assert "<" not in slack and ">" not in slack
    assert unescaped(slack) == text
    assert not for_csv(text).lstrip(" ").startswith(_FORMULA)
    assert for_csv(text) in (text, "'" + text)
    assert_terminal_safe(for_terminal(text))


# ---------------------------------------------------------------------- through the engine


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile)
def test_the_engine_takes_any_cleaned_answer_without_crashing(text: str) -> None:
    state = ENGINE.turn(
        None, Inbound("terminal", "x", "s", command="start", argument="coopdeli"), NOW
    ).state
    for n, answer in enumerate([*COMPLAINT[:2], clean_inbound(text), *COMPLAINT[3:]]):
        result = ENGINE.turn(state, Inbound("terminal", "x", f"k{n}", text=answer), NOW)
        assert result.replies
        state = result.state


@pytest.fixture(scope="module", params=DATABASES)
def stored_desk(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Desk]:
    """One desk per database for the database-backed examples (each files its own case)."""
    with database_for(request.param, tmp_path_factory.mktemp("hostile")) as url:
        desk = build_desk(url, Clock())
        yield desk
        desk.app.db.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile)
def test_a_hostile_complaint_is_stored_and_every_view_of_it_is_safe(
    stored_desk: Desk, text: str
) -> None:
    desk = stored_desk
    chat = f"hostile-{next(_ids)}"
    member = desk.member(chat, "seikatsuclub-kyosai")
    member.says(COMPLAINT[0])
    member.says(COMPLAINT[1])
    member.says(clean_inbound(text))  # the channel cleans every inbound text at the edge
    for answer in COMPLAINT[3:]:
        member.says(answer)
    cases = [
        c for c in desk.app.cases.list_unaudited() if c.conversation_id == _conversation(desk, chat)
    ]
    if not cases:
        return  # the answer was taken for navigation ("戻る", a number…): nothing filed
    [case] = cases
    detail = desk.app.cases.detail_unaudited(case.number)
    for composed in blocks.intake_text(case, detail.transcript):
        for post in blocks.posts(composed):
            assert_slack_safe(blocks_=post.blocks)
    card = blocks.case_card(case, PROFILES[case.org_id], NOW, {})
    assert_slack_safe(blocks_=card)
    assert_no_formula(render_csv(detail))
    data = collect(desk.app.db, case.number)
    assert_no_formula(member_csv(data))
    member_html(data, exported_by="x", exported_at=NOW)
    assert_terminal_safe(render_detail(detail))


def _conversation(desk: Desk, chat: str) -> int:
    with desk.app.db.transaction() as session:
        conversation = session.exec(select(Conversation).where(Conversation.chat_id == chat)).one()
        assert conversation.id is not None
        return conversation.id


def test_the_stored_suite_files_cases(stored_desk: Desk) -> None:
    """The database-backed examples above are worth something only if cases get filed."""
    member = stored_desk.member("plain", "seikatsuclub-kyosai")
    for answer in COMPLAINT:
        member.says(answer)
    assert any(
        c.conversation_id == _conversation(stored_desk, "plain")
        for c in stored_desk.app.cases.list_unaudited()
    )
