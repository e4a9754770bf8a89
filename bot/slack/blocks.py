"""Block Kit for staff: case cards, thread posts, modals and App Home, as plain dicts.

Pure functions of stored data, so a card can be re-rendered at any time and compared with
what Slack already shows. Staff read Japanese; every label here is the Japanese wording.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from bot.channels import channel_title
from bot.escaping import for_slack
from bot.export import ACTORS, requester_label, speaker, type_title
from bot.slack import member_links
from bot.staff.transcript_view import StaffTranscript
from flows.cases import IDENTITY_METHODS, expects_a_reply
from flows.i18n import Translator
from flows.intake import NOTICE_METHODS
from flows.profiles import OrgProfile
from flows.registry import FLOWS
from flows.routes import route_label
from flows.safe_text import split_text, utf16_length
from flows.status import CLOSED_STATUSES, OUTCOMES, OUTCOMES_NEEDING_REASON, status_label
from flows.steps import COMMON_CONTACT_STEPS, method_steps
from storage.member_data import DISCLOSURE_TYPES
from storage.models import Case, CaseEvent, TranscriptLine

JA = Translator("ja")
Block = dict[str, Any]
# Slack allows 3000 characters in a section's text. Measured on the escaped text in UTF-16
# units (as Slack's clients count an emoji), with a margin, so no part is ever refused.
SECTION_LIMIT = 2900
OPTION_TEXT = 75  # an option's label, e.g. a queue to transfer to
HEADER_TEXT = 150  # a header block's plain_text
MESSAGE_BLOCKS = 50  # Slack's limit per message; modals and App Home take 100
# Slack refuses a message whose blocks hold about 12,000 characters in all
# (``msg_blocks_too_long``), so a post carries at most two full sections.
POST_TEXT = 8000
# The longest reply staff may write in Slack. Drafts are stored on the server, so the modal's
# private_metadata (3000 characters) no longer bounds it; the member's chat still must.
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
REOPEN = "reopen"  # the one button on a closed case's card


def mention(actor: str | None) -> str:
    """How an actor is shown: a Slack user as a mention, terminal staff by name."""
    if not actor:
        return "未割当"
    if actor.startswith("slack:"):
        return f"<@{for_slack(actor.removeprefix('slack:'))}>"
    return for_slack(ACTORS.get(actor, actor))


def card_summary(case: Case, limit: int = 3) -> list[tuple[str, str]]:
    """The request in a few lines without identity fields, fit for the channel, as mrkdwn.

    Only a preview: each answer is shortened here because the thread has it whole."""
    identity_labels = {
        JA(step.label) for step in FLOWS[case.request_type].steps if step.id in IDENTITY_STEPS
    }
    lines = [(label, value) for label, value in case.summary if label not in identity_labels]
    return [(for_slack(label), for_slack(_clip(value, 120))) for label, value in lines[:limit]]


def is_overdue(case: Case, now: datetime) -> bool:
    return case.status not in CLOSED_STATUSES and case.paused_at is None and case.due_at < now


def is_paused(case: Case) -> bool:
    return case.paused_at is not None and case.status not in CLOSED_STATUSES


def due_text(case: Case) -> str:
    """The due date, or the pause instead while the clock is stopped: the stored date is not
    what will be promised (resuming moves it by the time waited), as the terminal shows."""
    if case.paused_at is not None and is_paused(case):
        return f"一時停止中（{JA.datetime(case.paused_at)}から）"
    return JA.date(case.due_at)


def case_card(
    case: Case,
    org: OrgProfile,
    now: datetime,
    queue_names: Mapping[str, str],
    *,
    paper_notices: int = 0,
) -> list[Block]:
    """The case as one message in its queue's channel, updated in place at every change;
    ``paper_notices``: notices to a member with no chat that staff have still to send."""
    status = JA(status_label(case.status))
    if case.paused_at is not None:
        status += "（一時停止中）"
    due = due_text(case) + ("  :warning: *期限超過*" if is_overdue(case, now) else "")
    fields = [
        ("組織", _label(org.short_name.ja)),
        ("窓口", _label(queue_names.get(case.queue, case.queue))),
        ("受付", JA.datetime(case.received_at)),
        ("回答期限", due),
        ("状況", status),
        ("担当", mention(case.assignee)),
        ("申出者", _label(requester_label(case))),
        ("本人確認", JA(IDENTITY_METHODS[case.identity_method]) if case.identity_method else "未"),
        ("連絡手段", _label(JA(channel_title(case.channel)))),  # where replies reach the member
    ]
    blocks: list[Block] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",  # shown as it is: no escaping (see ``plain``)
                "text": plain(f"{case.number} {type_title(case)}", HEADER_TEXT),
            },
        },
        {"type": "section", "fields": [mrkdwn(f"*{k}*\n{v}") for k, v in fields]},
    ]
    summary = card_summary(case)
    if summary or case.flags:
        text = "\n".join(f"• {label}：{value}" for label, value in summary)
        if "deceased" in case.flags:
            text = ":information_source: 亡くなった方についてのご相談\n" + text
        blocks.append(section(text or " "))
    attention = follow_up_text(case)
    if paper_notices:
        waiting = f":postbox: *郵送・電話での連絡待ち {paper_notices}件*（`madoguchi staff tasks`）"
        attention = "\n".join(part for part in (attention, waiting) if part)
    if attention:
        blocks.append(section(attention))
    if case.status in CLOSED_STATUSES:
        closing = f"*{status}*"
        if case.outcome_reason:  # a preview: the thread has the reason whole
            closing += f"　理由：{for_slack(_clip(case.outcome_reason, 500))}"
        blocks.append(_context(closing))
        blocks.append({"type": "actions", "block_id": "case_actions", "elements": [_reopen(case)]})
    else:
        # 転送 only where there is another queue to send the case to (one-org deployments).
        others = set(queue_names) - {case.queue}
        buttons = [b for b in _buttons(case) if others or b["action_id"] != "case_transfer"]
        blocks.append({"type": "actions", "block_id": "case_actions", "elements": buttons})
    blocks.append(
        _context(
            "スレッドに申出内容とやりとりがあります。"
            "スレッドへの書き込みは内部メモで、会員には届きません。"
        )
    )
    return blocks


def follow_up_text(case: Case) -> str:
    """What the member wrote that staff have not acted on: 会員から連絡あり on a closed case,
    the count of unread messages (the thread has them), and 苦情あり until the case closes."""
    parts = []
    if case.member_contact_at is not None and case.status in CLOSED_STATUSES:
        when = JA.datetime(case.member_contact_at)
        parts.append(f":speech_balloon: *会員から連絡あり*（{when}）")
    if case.unread_messages:
        parts.append(f":envelope: *未読 {case.unread_messages}件*（スレッドをご覧ください）")
    if case.complained_at is not None:
        parts.append(f":exclamation: *苦情あり*（{JA.datetime(case.complained_at)}）")
    return "\n".join(parts)


def _reopen(case: Case) -> Block:
    return {
        "type": "button",
        "action_id": f"case_{REOPEN}",
        "text": {"type": "plain_text", "text": "再開する"},
        "value": case.number,
    }


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
        buttons.append(member_links.link_button(case))
    return buttons


def moved_card(case: Case, to_queue: str) -> list[Block]:
    """What is left in the old channel after a transfer: where the case went."""
    return [
        section(
            f"*{case.number} {for_slack(type_title(case))}*\n→ {_label(to_queue)} へ転送しました。"
        )
    ]


def card_fingerprint(blocks: Sequence[Block]) -> str:
    """A digest of a rendering: an unchanged card is not sent to Slack again."""
    return hashlib.sha256(json.dumps(blocks, sort_keys=True).encode()).hexdigest()[:32]


def card_text(case: Case) -> str:
    """The notification text that goes with a card (Slack shows it where blocks cannot)."""
    return f"{case.number} {type_title(case)}（{JA(status_label(case.status))}）"


# ---------------------------------------------------------------- text that lands in Slack
#
# Every text below is mrkdwn that madoguchi composes: its own labels and markup, with every
# value it did not write itself (answers, names, notes, reasons, file names) passed through
# ``for_slack`` once, where the value is put in. A long text is split into several sections
# (and posts), never cut.


class Post(NamedTuple):
    """One message: its blocks and the fallback ``text`` Slack shows in notifications."""

    text: str
    blocks: list[Block]


def mrkdwn(text: str) -> Block:
    """A mrkdwn text object for composed, already-escaped text. ``verbatim`` stops Slack from
    adding links or mentions of its own to what members wrote (bare URLs, channel names)."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


_OPEN_ENTITY = re.compile(r"&[a-z]{0,4}$")
_OPEN_TAG = re.compile(r"<[^<>]{0,40}$")  # our own <@U…> mentions; members' are escaped
_ROOM = 48  # what moving an unfinished entity or mention to the next part may add


def split_mrkdwn(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Composed mrkdwn in parts of at most ``limit`` UTF-16 units, in order, cut at paragraph,
    line or sentence ends; a hard cut never splits an ``&amp;`` entity or a ``<@U…>`` mention."""
    parts = split_text(text, limit - _ROOM, measure=utf16_length)
    for index in range(len(parts) - 1):
        open_at = _OPEN_ENTITY.search(parts[index]) or _OPEN_TAG.search(parts[index])
        if open_at:
            parts[index], parts[index + 1] = (
                parts[index][: open_at.start()],
                open_at.group() + parts[index + 1],
            )
    return [part for part in parts if part] or [""]


def chunk(text: str, size: int = SECTION_LIMIT) -> list[str]:
    """Composed mrkdwn in Slack-sized pieces, never losing a character (see ``split_mrkdwn``)."""
    return split_mrkdwn(text, size)


def posts(text: str) -> list[Post]:
    """Composed mrkdwn as posts in order: sections of at most ``SECTION_LIMIT``, each post
    within Slack's 50 blocks and ``POST_TEXT``. The fallback ``text`` (notifications) is the
    post's first section: Slack now refuses a ``text`` much over 4,000 characters."""
    result: list[Post] = []
    current: list[str] = []
    for piece in split_mrkdwn(text) if text.strip() else []:
        if current and (
            len(current) == MESSAGE_BLOCKS or sum(map(len, current)) + len(piece) > POST_TEXT
        ):
            result.append(_post(current))
            current = []
        current.append(piece)
    if current:
        result.append(_post(current))
    return result


def _post(pieces: list[str]) -> Post:
    fallback = pieces[0] + ("…" if len(pieces) > 1 else "")
    return Post(fallback, [section(piece) for piece in pieces])


def intake_text(
    case: Case, transcript: Sequence[TranscriptLine], view: StaffTranscript | None = None
) -> list[str]:
    """The thread's first posts: the whole intake summary (identity included), then the chat
    as staff read it (choice lists short, the request's start marked: ``transcript_view``).

    Each may be longer than a section; ``posts`` splits it."""
    summary = (
        "\n".join(f"{for_slack(label)}：{for_slack(value)}" for label, value in case.summary)
        or "（なし）"
    )
    texts = [f"*申出内容*（{for_slack(requester_label(case))}）\n{summary}"]
    view = view or StaffTranscript([], [])
    lines = [
        transcript_line(row.line, row.text) if row.line else for_slack(row.text)
        for row in view.rows(transcript, case.transcript_to, JA)
    ]
    if lines:
        texts.append("*これまでのやりとり*\n" + "\n".join(lines))
    return texts


def transcript_line(line: TranscriptLine, text: str | None = None) -> str:
    """One line of the chat; ``text`` in place of the stored one (a shortened choice list)."""
    said = line.text if text is None else text
    return f"[{JA.datetime(line.created_at)}] {for_slack(speaker(line))}: {for_slack(said)}"


def event_text(event: CaseEvent, queue_names: Mapping[str, str]) -> str | None:
    """One case event as mrkdwn for the thread; ``None`` for events shown another way."""
    data = event.data

    def value(key: str, default: str = "") -> str:
        return for_slack(str(data.get(key, default) or default))

    def queue(key: str) -> str:
        return for_slack(str(queue_names.get(data.get(key, ""), data.get(key))))

    who = mention(event.actor) if event.actor not in ("member", "system") else ""
    kind = event.kind
    if kind == "member_message":
        return f":speech_balloon: *会員から*\n{value('text', '（本文なし）')}"
    if kind == "claimed":
        previous = data.get("previous")
        taken = f"（{mention(previous)} から引き継ぎ）" if previous else ""
        return f"{who} が担当になりました{taken}"
    if kind == "identity_verified":
        return (
            f"{who} が本人確認をしました（{JA(IDENTITY_METHODS.get(data.get('method', ''), ''))}）"
        )
    if kind == "replied":
        return f":outbox_tray: {who} が会員へ返信しました\n>{_quote(value('text'))}"
    if kind == "extended":
        to = datetime.fromisoformat(data["to"])
        return f"{who} が期限を {JA.date(to)} に延長しました。理由：{value('reason')}"
    if kind == "transferred":
        return f"{who} が {queue('from')} から {queue('to')} へ転送しました。メモ：{value('note')}"
    if kind == "closed":
        outcome = OUTCOME_LABELS.get(data.get("outcome", ""), value("outcome"))
        reason = f" 理由：{value('reason')}" if data.get("reason") else ""
        return f":white_check_mark: {who} が「{outcome}」で完了しました。{reason}"
    if kind == "withdrawn" and event.actor == "member":
        words = f"\n>{_quote(value('text'))}" if data.get("text") else ""
        return (
            ":leftwards_arrow_with_hook: *会員がチャットでお申し出を取り下げました*"
            f"（取下げで完了）{words}"
        )
    if kind == "reopened":
        previous = OUTCOME_LABELS.get(data.get("previous", ""), "取下げ")
        return (
            f":arrows_counterclockwise: {who} が案件を再開しました（{previous} → 対応中）。"
            f"理由：{value('reason')}"
        )
    if kind == "complaint":
        return ":exclamation: 会員からのご不満のご連絡です。責任者に知らせました。"
    if kind == "withdrawn":
        return f"{who} が取下げとして完了しました。メモ：{value('note')}"
    if kind == "paused":
        return f"{who} が期限を止めました（{value('waiting_for')}待ち）"
    if kind == "resumed":
        return f"{who} が期限の停止を解除しました"
    if kind == "note":
        return None if data.get("source") == "slack" else f":memo: {who} のメモ：{value('text')}"
    if kind == "member_linked":
        return f"{who} が {value('linked_case')} の会話をご本人のものとして結び付けました"
    if kind == "member_unlinked":
        return f"{who} が {value('linked_case')} の会話を結び付けから外しました"
    if kind == "member_unreachable":
        return ":no_entry: 会員がボットをブロックしたため、メッセージが届きません。"
    if kind == "delivery_waiting":
        return (
            ":hourglass_flowing_sand: LINE の今月の送信数が上限に達したため、会員への"
            "メッセージが送信待ちです。会員から連絡があれば、その返信で届きます。"
        )
    if kind == "reminder":
        return f":alarm_clock: 回答期限が近づいています（{value('due')}）。"
    if kind == "escalated":
        return ":rotating_light: 回答期限を過ぎました。責任者に知らせました。"
    if kind == "created" and data.get("route"):  # entered by staff: how and when it came
        arrived = JA.datetime(datetime.fromisoformat(str(data.get("arrived_at"))))
        documents = "、".join(str(d) for d in data.get("documents") or []) or "なし"
        return (
            f":inbox_tray: {who} が{JA(route_label(str(data['route'])))}で届いたお申し出を"
            f"登録しました（到着 {arrived}、受け取った書類：{for_slack(documents)}）。"
        )
    if kind == "notice_sent":
        method = JA(NOTICE_METHODS.get(str(data.get("method")), str(data.get("method"))))
        return (
            f":postbox: {who} が連絡 {value('task')} を{value('on')}に"
            f"{for_slack(method)}で送りました。"
        )
    return None  # created (the card itself), attachment (uploaded as a file)


def _label(text: str) -> str:
    """A configured or coded label in a card field (2000 characters at most, escaped)."""
    return for_slack(_clip(text, 300))


def plain(text: str, limit: int) -> str:
    """``text`` for a plain_text object, shortened (with …) to ``limit``. Not escaped: Slack
    reads neither markup nor entities in plain_text, so ``&amp;`` would show as it is."""
    return _clip(text, limit)


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
    return {"type": "context", "elements": [mrkdwn(text)]}


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
        {"text": {"type": "plain_text", "text": plain(text, OPTION_TEXT)}, "value": value}
        for value, text in choices
    ]
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": {"type": element, "action_id": "value", "options": options},
    }


def loading_modal(number: str) -> Block:
    """What a button opens at once, while the case and the user's groups are looked up: a
    trigger_id lives only 3 seconds, so the modal cannot wait for them."""
    return {
        "type": "modal",
        "callback_id": "case_loading",
        "title": {"type": "plain_text", "text": "madoguchi"},
        "close": {"type": "plain_text", "text": "閉じる"},
        "blocks": [_context(f"{for_slack(number)} を読み込んでいます…")],
    }


def notice_modal(text: str) -> Block:
    """A modal that only says something (a refusal, a case that is gone), with nothing to submit."""
    return {
        "type": "modal",
        "callback_id": "case_notice",
        "title": {"type": "plain_text", "text": "madoguchi"},
        "close": {"type": "plain_text", "text": "閉じる"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
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


def draft_preview(
    callback_id: str, number: str, channel: str, draft_id: str, member_sees: str, submit: str
) -> Block:
    """The confirmation step: exactly what the member will read, before anything is sent.

    Only the draft's id travels in the modal; the text stays on the server, and the
    confirmation sends what is stored there. The message is shown whole, as plain_text (as it
    is, unescaped: the member reads it as it is), split into sections Slack takes, never cut.
    """
    return _modal(
        callback_id,
        "送信前の確認",
        {"number": number, "channel": channel, "draft": draft_id},
        [
            _context(f"会員には次のとおり届きます。よろしければ「{submit}」を押してください。"),
            *(
                {"type": "section", "text": {"type": "plain_text", "text": piece}}
                for piece in split_text(member_sees, SECTION_LIMIT, measure=utf16_length)
            ),
        ],
        submit,
    )


def verify_modal(case: Case, channel: str) -> Block:
    return _modal(
        "case_verify",
        "本人確認",
        {"number": case.number, "channel": channel},
        [_choice_input("method", "確認の方法", ((k, JA(v)) for k, v in IDENTITY_METHODS.items()))],
        "記録する",
    )


NO_OTHER_QUEUE = "転送先の窓口がありません。この配置では、この窓口だけが案件を受け持っています。"


def transfer_modal(case: Case, channel: str, queue_names: Mapping[str, str]) -> Block:
    """The transfer form; a notice instead when no other queue is served (a card posted before
    the deployment dropped to one queue still carries the button)."""
    others = [(q, name) for q, name in queue_names.items() if q != case.queue]
    if not others:
        return notice_modal(NO_OTHER_QUEUE)
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
                f"（延長できるのは合わせて{max_days}日まで）。休業日（土日・祝日・年末年始など）を"
                "選ぶと、その前の営業日が期限になります。"
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


CLOSE_ANYWAY = "close_anyway"  # the tick that confirms a close staff were warned about
UNANSWERED_WARNING = (
    "会員にまだ一度も返信していません。問い合わせや苦情を「回答済」にする前に、"
    "「会員へ返信」で回答を送ってください。"
)


def close_held_text(unread: int, paused: bool, unanswered: bool = False) -> str:
    """What staff should see before closing, and how to close anyway (the close form)."""
    parts = []
    if unread:
        parts.append(
            f"会員からの未読メッセージが{unread}件あります。先にスレッドで読んでください。"
        )
    if paused:
        parts.append("回答期限を一時停止しています。")
    if unanswered:
        parts.append(UNANSWERED_WARNING)
    parts.append("それでも完了する場合は「確認のうえ完了する」にチェックを入れてください。")
    return "".join(parts)


def close_modal(case: Case, channel: str) -> Block:
    """The close form; with unread member messages, a paused due date, or a question or
    complaint never replied to (for 回答済) it says so first and asks for a tick to close
    anyway."""
    needing = "・".join(OUTCOME_LABELS[o] for o in OUTCOMES_NEEDING_REASON)
    inputs: list[Block] = []
    paused = case.paused_at is not None
    unanswered = case.last_staff_reply is None and expects_a_reply(
        case.request_type, case.fields, complained=case.complained_at is not None
    )
    if case.unread_messages or paused or unanswered:
        inputs.append(
            _context(":warning: " + close_held_text(case.unread_messages, paused, unanswered))
        )
    inputs += [
        _choice_input("outcome", "結果", ((o, OUTCOME_LABELS[o]) for o in OUTCOMES)),
        _text_input("reason", f"理由（{needing}は必須。会員に伝わります）", optional=True),
    ]
    if case.unread_messages or paused or unanswered:
        confirm = _choice_input(
            "confirm", "確認", [(CLOSE_ANYWAY, "確認のうえ完了する")], element="checkboxes"
        )
        inputs.append({**confirm, "optional": True})
    return _modal(
        "case_close", "完了", {"number": case.number, "channel": channel}, inputs, "完了する"
    )


def reopen_modal(case: Case, channel: str) -> Block:
    return _modal(
        "case_reopen",
        "案件の再開",
        {"number": case.number, "channel": channel},
        [
            _context(
                f"*{case.number}* を対応中に戻します。回答期限は元の"
                f"{JA.date(case.due_at)}のままです（過ぎていれば期限超過と表示されます）。"
                "会員には再開したことだけが伝わります。"
            ),
            _text_input("reason", "再開の理由（記録に残ります。会員には伝わりません）"),
        ],
        "再開する",
    )


def takeover_modal(case: Case, channel: str) -> Block:
    return _modal(
        "case_takeover",
        "担当の引き継ぎ",
        {"number": case.number, "channel": channel},
        [
            section(
                f"{case.number} は {mention(case.assignee)} が担当しています。"
                "引き継いで担当になりますか。"
            )
        ],
        "引き継ぐ",
    )


# ---------------------------------------------------------------- App Home and lists


def case_line(case: Case, now: datetime) -> str:
    overdue = " :warning:期限超過" if is_overdue(case, now) else ""
    unread = f"　:envelope:未読 {case.unread_messages}件" if case.unread_messages else ""
    complained = "　:exclamation:苦情あり" if case.complained_at is not None else ""
    return (
        f"*{case.number}* {for_slack(type_title(case))}　{JA(status_label(case.status))}　"
        f"期限 {due_text(case)}{overdue}　担当 {mention(case.assignee)}{unread}{complained}"
    )


# App Home takes 100 blocks: each list shows this many cases and says how many more there are.
HOME_CASES = 150


def home_view(
    mine: Sequence[Case],
    counts: Mapping[str, tuple[int, int]],
    overdue: Sequence[Case],
    queue_names: Mapping[str, str],
    now: datetime,
    line_pushes: str | None = None,
) -> Block:
    """App Home: my cases, open/overdue counts per queue, the overdue cases I may see, and
    where LINE is served, the month's pushes against its quota (``line_pushes``, mrkdwn)."""
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "madoguchi 窓口"}},
        section("*担当している案件*"),
    ]
    blocks += _case_sections(mine, now, "担当している未完了の案件はありません。")
    blocks.append({"type": "divider"})
    count_lines = [
        f"{for_slack(queue_names.get(q, q))}：未完了 {open_count} 件（うち期限超過 {late} 件）"
        for q, (open_count, late) in counts.items()
    ]
    blocks += [section(piece) for piece in chunk("*窓口ごとの件数*\n" + "\n".join(count_lines))]
    blocks.append({"type": "divider"})
    blocks.append(section("*期限超過の案件*"))
    blocks += _case_sections(overdue, now, "期限を過ぎた案件はありません。")
    if line_pushes:
        blocks += [{"type": "divider"}, section(line_pushes)]
    return {"type": "home", "blocks": blocks}


def _case_sections(cases: Sequence[Case], now: datetime, empty: str) -> list[Block]:
    if not cases:
        return [_context(empty)]
    text = "\n".join(case_line(c, now) for c in cases[:HOME_CASES])
    shown = [section(piece) for piece in chunk(text)]
    if len(cases) > HOME_CASES:
        more = len(cases) - HOME_CASES
        shown.append(_context(f"ほか {more} 件あります。"))
    return shown
