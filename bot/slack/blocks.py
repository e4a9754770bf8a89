"""Block Kit for staff: case cards, thread posts, modals and App Home, as plain dicts.

Pure functions of stored data, so a card can be re-rendered at any time and compared with
what Slack already shows. Staff read Japanese; every label here is the Japanese wording.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.export import ACTORS, requester_label, speaker, type_title
from flows.cases import IDENTITY_METHODS
from flows.i18n import Translator
from flows.profiles import OrgProfile
from flows.registry import FLOWS
from flows.status import CLOSED_STATUSES, OUTCOMES, OUTCOMES_NEEDING_REASON, status_label
from flows.steps import COMMON_CONTACT_STEPS, method_steps
from storage.member_data import DISCLOSURE_TYPES
from storage.models import Case, CaseEvent, TranscriptLine

JA = Translator("ja")
Block = dict[str, Any]
SECTION_LIMIT = 2900  # Slack allows 3000 characters in a section's text
# A reply written in Slack travels from the form to its preview in the modal's private_metadata
# (at most 3000 characters) and is shown whole in one section, so it is kept well below both.
MAX_REPLY = 2000

# Steps that identify the member or say how to reach them: kept out of the channel-level card,
# shown in the thread.
IDENTITY_STEPS = frozenset(
    step.id
    for step in (
        *COMMON_CONTACT_STEPS,
        *method_steps(disclosure=True),
        *method_steps(disclosure=False),
    )
)
OUTCOME_LABELS = {"answered": "回答済", "partial": "一部対応", "refused": "対応不可"}
ACTIONS = ("claim", "verify", "reply", "transfer", "extend", "close")
# On disclosure cards only: everything madoguchi holds about the member, as a file in the thread.
MEMBER_DATA = "member_data"


def mention(actor: str | None) -> str:
    """How an actor is shown: a Slack user as a mention, terminal staff by name."""
    if not actor:
        return "未割当"
    if actor.startswith("slack:"):
        return f"<@{actor.removeprefix('slack:')}>"
    return ACTORS.get(actor, actor)


def card_summary(case: Case, limit: int = 3) -> list[tuple[str, str]]:
    """The request in a few lines without identity fields, fit for the channel."""
    identity_labels = {
        JA(step.label) for step in FLOWS[case.request_type].steps if step.id in IDENTITY_STEPS
    }
    lines = [(label, value) for label, value in case.summary if label not in identity_labels]
    return [(label, _clip(value, 120)) for label, value in lines[:limit]]


def is_overdue(case: Case, now: datetime) -> bool:
    return case.status not in CLOSED_STATUSES and case.paused_at is None and case.due_at < now


def case_card(
    case: Case, org: OrgProfile, now: datetime, queue_names: Mapping[str, str]
) -> list[Block]:
    """The case as one message in its queue's channel, updated in place at every change."""
    status = JA(status_label(case.status))
    if case.paused_at is not None:
        status += "（一時停止中）"
    due = JA.date(case.due_at) + ("  :warning: *期限超過*" if is_overdue(case, now) else "")
    fields = [
        ("組織", org.short_name.ja),
        ("窓口", queue_names.get(case.queue, case.queue)),
        ("受付", JA.datetime(case.received_at)),
        ("回答期限", due),
        ("状況", status),
        ("担当", mention(case.assignee)),
        ("申出者", requester_label(case)),
        ("本人確認", JA(IDENTITY_METHODS[case.identity_method]) if case.identity_method else "未"),
    ]
    blocks: list[Block] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": f"{case.number} {type_title(case)}",
            },
        },
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in fields],
        },
    ]
    summary = card_summary(case)
    if summary or case.flags:
        text = "\n".join(f"• {label}：{value}" for label, value in summary)
        if "deceased" in case.flags:
            text = ":information_source: 亡くなった方についてのご相談\n" + text
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text or " "}})
    if case.status in CLOSED_STATUSES:
        closing = f"*{status}*"
        if case.outcome_reason:
            closing += f"　理由：{_clip(case.outcome_reason, 500)}"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": closing}]})
    else:
        # 転送 only where there is another queue to send the case to (one-org deployments).
        others = set(queue_names) - {case.queue}
        buttons = [b for b in _buttons(case) if others or b["action_id"] != "case_transfer"]
        blocks.append({"type": "actions", "block_id": "case_actions", "elements": buttons})
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "スレッドに申出内容とやりとりがあります。"
                    "スレッドへの書き込みは内部メモで、会員には届きません。",
                }
            ],
        }
    )
    return blocks


def _buttons(case: Case) -> list[Block]:
    labels = {
        "claim": "担当する",
        "verify": "本人確認済",
        "reply": "会員へ返信",
        "transfer": "転送",
        "extend": "期限延長",
        "close": "完了",
    }
    buttons: list[Block] = []
    for action in ACTIONS:
        button: Block = {
            "type": "button",
            "action_id": f"case_{action}",
            "text": {"type": "plain_text", "text": labels[action]},
            "value": case.number,
        }
        if action == "claim" and not case.assignee:
            button["style"] = "primary"
        buttons.append(button)
    if case.request_type in DISCLOSURE_TYPES:
        buttons.append(
            {
                "type": "button",
                "action_id": f"case_{MEMBER_DATA}",
                "text": {"type": "plain_text", "text": "保有データを出力"},
                "value": case.number,
            }
        )
    return buttons


def moved_card(case: Case, to_queue: str) -> list[Block]:
    """What is left in the old channel after a transfer: where the case went."""
    return [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*{case.number} {type_title(case)}*\n→ {to_queue} へ転送しました。",
            },
        }
    ]


def card_fingerprint(blocks: Sequence[Block]) -> str:
    """A digest of a rendering: an unchanged card is not sent to Slack again."""
    return hashlib.sha256(json.dumps(blocks, sort_keys=True).encode()).hexdigest()[:32]


def card_text(case: Case) -> str:
    """The notification text that goes with a card (Slack shows it where blocks cannot)."""
    return f"{case.number} {type_title(case)}（{JA(status_label(case.status))}）"


# ---------------------------------------------------------------- thread


def intake_text(case: Case, transcript: Iterable[TranscriptLine]) -> list[str]:
    """The thread's first posts: the whole intake summary (identity included), then the chat."""
    summary = "\n".join(f"{label}：{value}" for label, value in case.summary) or "（なし）"
    head = f"*申出内容*（{requester_label(case)}）\n{summary}"
    posts = [head]
    lines = [transcript_line(line) for line in transcript]
    if lines:
        posts += chunk("*これまでのやりとり*\n" + "\n".join(lines))
    return posts


def transcript_line(line: TranscriptLine) -> str:
    return f"[{JA.datetime(line.created_at)}] {speaker(line)}: {line.text}"


def event_text(event: CaseEvent, queue_names: Mapping[str, str]) -> str | None:
    """One case event as a line in the thread; ``None`` for events shown another way."""
    data = event.data
    who = mention(event.actor) if event.actor not in ("member", "system") else ""
    kind = event.kind
    if kind == "member_message":
        return f":speech_balloon: *会員から*\n{data.get('text', '（取り下げの申し出）')}"
    if kind == "claimed":
        previous = data.get("previous")
        taken = f"（{mention(previous)} から引き継ぎ）" if previous else ""
        return f"{who} が担当になりました{taken}"
    if kind == "identity_verified":
        return (
            f"{who} が本人確認をしました（{JA(IDENTITY_METHODS.get(data.get('method', ''), ''))}）"
        )
    if kind == "replied":
        return f":outbox_tray: {who} が会員へ返信しました\n>{_quote(data.get('text', ''))}"
    if kind == "extended":
        to = datetime.fromisoformat(data["to"])
        return f"{who} が期限を {JA.date(to)} に延長しました。理由：{data.get('reason', '')}"
    if kind == "transferred":
        return (
            f"{who} が {queue_names.get(data.get('from', ''), data.get('from'))} から "
            f"{queue_names.get(data.get('to', ''), data.get('to'))} へ転送しました。"
            f"メモ：{data.get('note', '')}"
        )
    if kind == "closed":
        outcome = OUTCOME_LABELS.get(data.get("outcome", ""), data.get("outcome"))
        reason = f" 理由：{data['reason']}" if data.get("reason") else ""
        return f":white_check_mark: {who} が「{outcome}」で完了しました。{reason}"
    if kind == "withdrawn":
        return f"{who} が取下げとして完了しました。メモ：{data.get('note', '')}"
    if kind == "paused":
        return f"{who} が期限を止めました（{data.get('waiting_for', '')}待ち）"
    if kind == "resumed":
        return f"{who} が期限の停止を解除しました"
    if kind == "note":
        return (
            None
            if data.get("source") == "slack"
            else f":memo: {who} のメモ：{data.get('text', '')}"
        )
    if kind == "member_unreachable":
        return ":no_entry: 会員がボットをブロックしたため、メッセージが届きません。"
    if kind == "reminder":
        return f":alarm_clock: 回答期限が近づいています（{data.get('due', '')}）。"
    if kind == "escalated":
        return ":rotating_light: 回答期限を過ぎました。責任者に知らせました。"
    return None  # created (the card itself), attachment (uploaded as a file)


def chunk(text: str, size: int = SECTION_LIMIT) -> list[str]:
    """Split long text on line breaks into Slack-sized pieces, never losing a character."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > size:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:size])
            line = line[size:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > size:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces


def _quote(text: str) -> str:
    return text.replace("\n", "\n>")


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


# ---------------------------------------------------------------- modals


def modal_meta(view: Mapping[str, Any]) -> dict[str, str]:
    """What a modal carries between opening and submission: case number, channel, draft."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in meta.items()} if isinstance(meta, dict) else {}


def _modal(
    callback_id: str, title: str, meta: Mapping[str, str], blocks: list[Block], submit: str
) -> Block:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps(dict(meta), ensure_ascii=False),
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "キャンセル"},
        "blocks": blocks,
    }


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _text_input(
    block_id: str,
    label: str,
    *,
    multiline: bool = True,
    optional: bool = False,
    initial: str = "",
    limit: int | None = None,
) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": "value", "multiline": multiline}
    if limit:
        element["max_length"] = limit
    if initial:
        element["initial_value"] = initial
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "optional": optional,
        "element": element,
    }


def _choice_input(
    block_id: str,
    label: str,
    choices: Iterable[tuple[str, str]],
    *,
    element: str = "radio_buttons",
) -> Block:
    """An input offering ``(value, label)`` choices; submissions read it by ``block_id``."""
    options = [
        {"text": {"type": "plain_text", "text": text}, "value": value} for value, text in choices
    ]
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": {"type": element, "action_id": "value", "options": options},
    }


def reply_modal(case: Case, channel: str, draft: str = "") -> Block:
    return _modal(
        "case_reply",
        "会員へ返信",
        {"number": case.number, "channel": channel},
        [
            _context(
                f"*{case.number}* の会員に、チャットで届きます。次の画面で確認してから送ります。"
            ),
            _text_input(
                "reply", f"返信の文面（{MAX_REPLY}文字まで）", initial=draft, limit=MAX_REPLY
            ),
        ],
        "確認へ",
    )


def reply_preview(number: str, channel: str, text: str, member_sees: str) -> Block:
    """The second step: exactly what the member will read, before anything is sent."""
    return _modal(
        "case_reply_confirm",
        "送信前の確認",
        {"number": number, "channel": channel, "text": text},
        [
            _context("会員には次のとおり届きます。よろしければ「送信」を押してください。"),
            {"type": "section", "text": {"type": "plain_text", "text": member_sees}},
        ],
        "送信",
    )


def verify_modal(case: Case, channel: str) -> Block:
    return _modal(
        "case_verify",
        "本人確認",
        {"number": case.number, "channel": channel},
        [_choice_input("method", "確認の方法", ((k, JA(v)) for k, v in IDENTITY_METHODS.items()))],
        "記録する",
    )


def transfer_modal(case: Case, channel: str, queue_names: Mapping[str, str]) -> Block:
    others = [(q, name) for q, name in queue_names.items() if q != case.queue]
    return _modal(
        "case_transfer",
        "転送",
        {"number": case.number, "channel": channel},
        [
            _choice_input("queue", "転送先", others, element="static_select"),
            _text_input("note", "転送先へのメモ"),
        ],
        "転送する",
    )


def extend_modal(case: Case, channel: str, max_days: int) -> Block:
    return _modal(
        "case_extend",
        "期限延長",
        {"number": case.number, "channel": channel},
        [
            _context(
                f"現在の期限：{JA.date(case.due_at)}。新しい期限と理由は会員に伝わります"
                f"（延長できるのは合わせて{max_days}日まで）。"
            ),
            {
                "type": "input",
                "block_id": "due",
                "label": {"type": "plain_text", "text": "新しい期限"},
                "element": {"type": "datepicker", "action_id": "value"},
            },
            _text_input("reason", "理由（会員に伝わります）"),
        ],
        "延長する",
    )


def close_modal(case: Case, channel: str) -> Block:
    needing = "・".join(OUTCOME_LABELS[o] for o in OUTCOMES_NEEDING_REASON)
    return _modal(
        "case_close",
        "完了",
        {"number": case.number, "channel": channel},
        [
            _choice_input("outcome", "結果", ((o, OUTCOME_LABELS[o]) for o in OUTCOMES)),
            _text_input("reason", f"理由（{needing}は必須。会員に伝わります）", optional=True),
        ],
        "完了する",
    )


def takeover_modal(case: Case, channel: str) -> Block:
    return _modal(
        "case_takeover",
        "担当の引き継ぎ",
        {"number": case.number, "channel": channel},
        [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"{case.number} は {mention(case.assignee)} が担当しています。"
                    "引き継いで担当になりますか。",
                },
            }
        ],
        "引き継ぐ",
    )


# ---------------------------------------------------------------- App Home and lists


def case_line(case: Case, now: datetime) -> str:
    overdue = " :warning:期限超過" if is_overdue(case, now) else ""
    return (
        f"*{case.number}* {type_title(case)}　{JA(status_label(case.status))}　"
        f"期限 {JA.date(case.due_at)}{overdue}　担当 {mention(case.assignee)}"
    )


def home_view(
    mine: Sequence[Case],
    counts: Mapping[str, tuple[int, int]],
    overdue: Sequence[Case],
    queue_names: Mapping[str, str],
    now: datetime,
) -> Block:
    """App Home: my cases, open/overdue counts per queue, and the overdue cases I may see."""
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "madoguchi 窓口"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*担当している案件*"}},
    ]
    blocks += _case_sections(mine, now, "担当している未完了の案件はありません。")
    blocks.append({"type": "divider"})
    count_lines = [
        f"{queue_names.get(q, q)}：未完了 {open_count} 件（うち期限超過 {late} 件）"
        for q, (open_count, late) in counts.items()
    ]
    blocks.append(
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*窓口ごとの件数*\n" + "\n".join(count_lines)},
        }
    )
    blocks.append({"type": "divider"})
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "*期限超過の案件*"}})
    blocks += _case_sections(overdue, now, "期限を過ぎた案件はありません。")
    return {"type": "home", "blocks": blocks[:100]}


def _case_sections(cases: Sequence[Case], now: datetime, empty: str) -> list[Block]:
    if not cases:
        return [_context(empty)]
    text = "\n".join(case_line(c, now) for c in cases)
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece}} for piece in chunk(text)
    ][:20]
