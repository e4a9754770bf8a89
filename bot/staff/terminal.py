"""``madoguchi staff``: staff work cases from the terminal (Slack comes later, same service)."""

from __future__ import annotations

import hashlib
import os
import shlex
import unicodedata
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.app import App
from bot.channels import channel_title
from bot.escaping import for_terminal
from bot.export import SPEAKERS, event_label
from bot.member_export import holdings_text
from bot.staff import answer_cli, intake_cli, templates_cli
from bot.staff.identity import staff_name, terminal_staff
from bot.staff.transcript_view import StaffTranscript
from flows.asker import describe_requester
from flows.attachments import size_label
from flows.bereavement import DECEASED
from flows.case_view import labelled_answers
from flows.cases import (
    IDENTITY_METHODS,
    CaseActionError,
    ClaimedByOther,
    CloseNeedsConfirmation,
    case_number,
)
from flows.i18n import JST, N_, Translator, normalise_language
from flows.parsing import parse_date
from flows.profiles import OrgProfile
from flows.registry import FLOWS
from flows.routes import ROUTES, route_label
from flows.safe_text import clean_inbound
from flows.status import CLOSED_STATUSES, OUTCOMES, STATUS_LABELS, status_label
from storage.cases import CaseDetail
from storage.member_data import DISCLOSURE_TYPES, collect
from storage.models import Case
from storage.private_files import write_private
from storage.staff import StaffActor

staff_app = typer.Typer(
    help="Work cases as staff: list, show, claim, verify, reply, extend, close.",
    add_help_option=False,  # `--help` and `help` print the command list in the staff language
)
_JA = Translator("ja")


def _t() -> Translator:
    """The staff language: Japanese unless MADOGUCHI_STAFF_LANG says en."""
    return Translator(normalise_language(os.environ.get("MADOGUCHI_STAFF_LANG") or "ja"))


# The command list `help` prints, one line each (the commands themselves stay English words).
HELP_LINES: tuple[tuple[str, str], ...] = (
    (
        "list [--queue 窓口] [--open]",
        N_("案件の一覧（期限超過・未読・会員から連絡あり・苦情あり・期限一時停止中に印）"),
    ),
    ("show 受付番号", N_("案件の内容・経過・やりとりを表示（会員のメッセージは既読になります）")),
    ("claim 受付番号 [--take-over]", N_("担当する（ほかの方の案件は --take-over で引き継ぐ）")),
    ("verify 受付番号 --method 方法", N_("本人確認を記録する")),
    ("reply 受付番号 文面", N_("会員へ返信する")),
    (
        "reply 受付番号 --template ID [--edit] [--text 文面]",
        N_("定型文から返信する（確認してから送信）"),
    ),
    ("templates [受付番号]", N_("定型文の一覧（受付番号を指定すると、その案件に使えるもの）")),
    ("note 受付番号 文面", N_("内部メモを残す（会員には届きません）")),
    (
        "extend 受付番号 --days 日数|--until 日付 --reason 理由",
        N_("回答期限を延長する（理由は会員に伝わります）"),
    ),
    ("pause 受付番号 --waiting-for 待つもの", N_("期限を一時停止する")),
    ("resume 受付番号", N_("期限の一時停止を解除する")),
    ("transfer 受付番号 窓口 --note メモ", N_("ほかの窓口へ転送する")),
    (
        "close 受付番号 --outcome 回答済|一部対応|対応不可 [--reason 理由] [--force]",
        N_("完了にする（未読・期限の一時停止・未返信の問い合わせや苦情があれば --force で確認）"),
    ),
    ("withdraw 受付番号 --note メモ", N_("取下げにする")),
    ("reopen 受付番号 理由", N_("完了した案件を対応中に戻す（回答期限は元のまま）")),
    ("link 受付番号 --with 受付番号", N_("本人確認の後、別の案件の会話を結び付ける")),
    ("unlink 受付番号 --with 受付番号", N_("結び付けを外す")),
    ("file 受付番号 [N] [--out 保存先]", N_("会員から届いたファイルを保存する")),
    *intake_cli.HELP_LINES,
    *answer_cli.HELP_LINES,
    ("help", N_("このコマンド一覧を表示する")),
)


# What each command's arguments and options mean, for ``staff COMMAND --help`` in the staff
# language (typer's own help would be English).
ARGUMENT_HELP: dict[str, tuple[tuple[str, str], ...]] = {
    "list": (
        ("--queue 窓口", N_("この窓口の案件だけを表示する（例：宅配センター、共済部）")),
        ("--open", N_("完了した案件を表示しない")),
    ),
    "show": (),
    "claim": (("--take-over", N_("ほかの方が担当している案件を引き継ぐ")),),
    "verify": (("--method 方法", N_("確認の方法：{methods}")),),
    "reply": (
        ("文面", N_("会員に届く文面")),
        ("--template ID", N_("定型文を使う（templates で一覧を表示）")),
        ("--edit", N_("送る前にエディタ（$EDITOR）で定型文を編集する")),
        ("--text 文面", N_("定型文の代わりに送る、編集した文面")),
        ("--yes", N_("確認を省いて送信する")),
    ),
    "templates": (("受付番号", N_("この案件に使える定型文だけを表示する")),),
    "note": (("文面", N_("内部メモ（会員には届きません）")),),
    "extend": (
        ("--days 日数", N_("今の期限に加える日数")),
        ("--until 日付", N_("新しい期限（YYYY-MM-DD）")),
        ("--reason 理由", N_("延長の理由（会員に伝わります）")),
    ),
    "pause": (("--waiting-for 待つもの", N_("待っているもの（例：委任状）")),),
    "resume": (),
    "transfer": (
        ("窓口", N_("転送先の窓口（例：kyosai-bu）")),
        ("--note メモ", N_("転送の理由（経過に残ります）")),
    ),
    "close": (
        ("--outcome 結果", N_("回答済・一部対応・対応不可（answered・partial・refused でも可）")),
        ("--reason 理由", N_("一部対応・対応不可のときは必須（会員に伝わります）")),
        ("--force", N_("未読・期限の一時停止・未返信の問い合わせや苦情があっても完了にする")),
    ),
    "withdraw": (("--note メモ", N_("取下げの経緯（例：電話でお申し出）")),),
    "reopen": (("理由", N_("再開の理由（経過に残ります）")),),
    "link": (("--with 受付番号", N_("ご本人の会話として結び付ける案件")),),
    "unlink": (("--with 受付番号", N_("誤って結び付けた案件")),),
    "file": (
        ("N", N_("show に表示されるファイルの番号（省略すると1）")),
        ("--out 保存先", N_("保存先（省略すると今のフォルダ）")),
    ),
    **intake_cli.ARGUMENT_HELP,
    "help": (),
    **answer_cli.ARGUMENT_HELP,
}


def help_text() -> str:
    t = _t()
    lines = [t("madoguchi staff のコマンド（引数なしで起動すると対話式になります）：")]
    lines += [f"  {command}\n      {t(what)}" for command, what in HELP_LINES]
    return "\n".join(lines)


def command_help(name: str) -> str | None:
    """``staff NAME --help`` in the staff language; ``None`` for a name that is no command."""
    entry = next(((c, w) for c, w in HELP_LINES if c.split()[0] == name), None)
    if entry is None:
        return None
    t = _t()
    usage, what = entry
    if t.lang == "ja":
        methods = "、".join(f"{code}（{t(label)}）" for code, label in IDENTITY_METHODS.items())
    else:
        methods = ", ".join(f"{code} ({t(label)})" for code, label in IDENTITY_METHODS.items())
    lines = [f"madoguchi staff {usage}", f"  {t(what)}"]
    lines += [
        f"  {argument}\n      {t(meaning, methods=methods)}"
        for argument, meaning in ARGUMENT_HELP.get(name, ())
    ]
    return "\n".join(lines)


_state: dict[str, App] = {}


def forget_app() -> None:
    """Drop the desk built for an earlier ``madoguchi staff`` call in this process: each call
    reads its settings afresh (an interactive shell keeps one desk for all its commands)."""
    _state.clear()


def _app() -> App:
    if "app" not in _state:
        _state["app"] = App.build()
    return _state["app"]


def _actor() -> StaffActor:
    """Who acts, as the history and the audit log record it: the name staff set, never the
    machine's login (every action under ``cli:root`` would say nothing of who did it), with
    the queues ``[staff]`` gives it (``identity.terminal_staff``)."""
    name = (os.environ.get("MADOGUCHI_STAFF") or "").strip()
    if not name:
        raise CaseActionError(
            "Set MADOGUCHI_STAFF to your name first (e.g. export MADOGUCHI_STAFF=sato).",
            "MADOGUCHI_STAFF にお名前を設定してください（例：export MADOGUCHI_STAFF=sato）。",
        )
    return terminal_staff(_app().deployment, name)


def _line(case: Case, now: datetime | None = None, *, channel: bool = True) -> str:
    """One case as a line: what needs staff first (the marks), then which case, of which
    co-op and queue (by the names staff use), its dates, who has it and where the member
    writes from (``channel``: ``show`` says it on its own line); every label and date in the
    staff language."""
    t = _t()
    org, queue = _names(case)
    title = FLOWS[case.request_type].title if case.request_type in FLOWS else case.request_type
    return "  ".join(
        [
            *_marks(case, now),
            case.number,
            f"[{t(status_label(case.status))}]",
            org,
            t(title),
            queue,
            t("受付 {when}", when=t.datetime(case.received_at)),
            t("期限 {date}", date=t.date(case.due_at)),
            t("担当 {assignee}", assignee=case.assignee or "-"),
            *([t("連絡手段 {channel}", channel=t(channel_title(case.channel)))] if channel else []),
        ]
    )


def _names(case: Case) -> tuple[str, str]:
    """The case's co-op (its short name) and queue as staff call them, in the staff language;
    the ids where the desk does not serve them any more."""
    english = _t().lang == "en"
    org = _app().orgs.get(case.org_id) if "app" in _state else None
    if org is None:
        return case.org_id, case.queue
    short = org.short_name.en if english else org.short_name.ja
    if case.queue == org.queue.id:
        return short, org.queue.name.en if english else org.queue.name.ja
    return short, _app().cases.queue_label(case.queue)


def _overdue(case: Case, now: datetime | None) -> bool:
    running = case.status not in CLOSED_STATUSES and case.paused_at is None
    return now is not None and running and case.due_at < now


def _marks(case: Case, now: datetime | None) -> list[str]:
    """What needs staff first: a complaint until the case is closed, overdue, the member's
    unread messages, 会員から連絡あり; then a paused clock and a deceased person's case."""
    t = _t()
    marks = []
    if case.complained_at is not None:
        marks.append(t("【苦情あり】"))
    if _overdue(case, now):
        marks.append(t("【期限超過】"))
    if case.unread_messages:
        marks.append(t("【未読 {count}件】", count=case.unread_messages))
    if case.member_contact_at is not None and case.status in CLOSED_STATUSES:
        marks.append(t("【会員から連絡あり】"))
    if case.paused_at is not None and case.status not in CLOSED_STATUSES:
        # A paused clock is why an old case shows no 期限超過: say so in the list.
        marks.append(t("【期限一時停止中】"))
    if DECEASED in case.flags:
        marks.append(t("【亡くなった方について】"))
    return marks


def needs_staff_first(case: Case, now: datetime) -> tuple[bool, bool, bool, bool, datetime]:
    """The order of ``list``: complaints, then overdue, then the member's unread words or
    会員から連絡あり, then open before closed, each by due date (the earliest first)."""
    wrote = bool(case.unread_messages) or (
        case.member_contact_at is not None and case.status in CLOSED_STATUSES
    )
    return (
        case.complained_at is None,
        not _overdue(case, now),
        not wrote,
        case.status in CLOSED_STATUSES,
        case.due_at,
    )


FLAG_LABELS: dict[str, str] = {DECEASED: N_("亡くなった方について")}
"""Case flags as staff read them."""


def _event_data(data: dict[str, Any] | None, t: Translator) -> str:
    """An event's details as staff read them: codes by their catalog labels (the method, an
    outcome or earlier status, a queue, a request type), dates as dates, nothing for none."""
    if not data:
        return ""
    shown = []
    for key, value in data.items():
        if value is None:
            continue
        shown.append(f"{key}={_event_value(key, value, t)}")
    return ", ".join(shown)


def _event_value(key: str, value: Any, t: Translator) -> Any:
    if not isinstance(value, str):
        return value
    if key == "method" and value in IDENTITY_METHODS:
        return t(IDENTITY_METHODS[value])
    if key in ("outcome", "previous") and value in STATUS_LABELS:
        return t(status_label(value))
    if key == "type" and value in FLOWS:
        return t(FLOWS[value].title)
    if key == "route" and value in ROUTES:
        return t(route_label(value))
    if key in ("arrived_at", "entered_at"):  # stored in UTC; staff read Japan time
        try:
            return t.datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    if key in ("queue", "from", "to"):
        if value in _app().cases.queues:
            return _names_of_queue(value)
        try:
            return t.date(datetime.fromisoformat(value))
        except ValueError:
            return value
    return value


def _names_of_queue(queue: str) -> str:
    english = _t().lang == "en"
    for org in _app().orgs.values():
        if org.queue.id == queue:
            return org.queue.name.en if english else org.queue.name.ja
    return _app().cases.queue_label(queue)


def render_detail(
    detail: CaseDetail, org: OrgProfile | None = None, view: StaffTranscript | None = None
) -> str:
    """A case as staff read it: header, intake summary, history, transcript; control
    characters in anything stored show as escapes (``for_terminal``).

    With the case's ``org`` the answers carry the catalog's labels in the staff language (as
    members see them), whatever language the member wrote in; without it, the summary as
    stored at intake. With the deployment's ``view`` a desk message shows a short line
    instead of its choices, and a line marks where the request began (``transcript_view``)."""
    case = detail.case
    t = _t()
    now = datetime.now(JST)
    org_name = org.short_name.ja if org and t.lang == "ja" else org.short_name.en if org else ""
    out = [
        _line(case, now, channel=False),
        "  ".join(
            [
                t("組織：{org}", org=org_name or case.org_id),
                t(
                    "申出者：{requester}",
                    requester=describe_requester(case.requester, case.fields, t),
                ),
                t("言語：{lang}", lang=case.lang),
                # Where staff replies reach the member (LINE, Telegram…).
                t("連絡手段：{channel}", channel=t(channel_title(case.channel))),
            ]
        ),
    ]
    if case.flags:
        flags = "、".join(t(FLAG_LABELS[f]) if f in FLAG_LABELS else f for f in case.flags)
        out.append(t("注意：{flags}", flags=flags))
    if case.paused_at:
        out.append(t("一時停止中（{since}から）", since=t.datetime(case.paused_at)))
    out.append(t("── 申出内容"))
    answers = labelled_answers(case.request_type, case.fields, org, t, now) if org else []
    colon = "：" if t.lang == "ja" else ": "
    out += [f"  {label}{colon}{value}" for label, value in answers or case.summary]
    if detail.attachments:
        out.append("── 添付ファイル（madoguchi staff file 番号 N --out 保存先）")
        out += [
            f"  {index}. {a.name or '（写真）'}  {a.mime}  {size_label(a.size)}  "
            f"受信 {_JA.datetime(a.created_at)}  sha256 {a.sha256}"
            + (f"\n     添え書き：{a.caption}" if a.caption else "")
            for index, a in enumerate(detail.attachments, 1)
        ]
    out.append(t("── 経過"))
    out += [
        f"  {_JA.datetime(e.created_at)}  {t(event_label(e))}  {e.actor}  {_event_data(e.data, t)}"
        for e in detail.events
    ]
    out.append(t("── やりとり"))
    view = view or StaffTranscript([], [])
    for row in view.rows(detail.transcript, case.transcript_to, t):
        if row.line is None:
            out.append(f"  {row.text}")
            continue
        line = row.line
        who = t(SPEAKERS[line.direction]) if line.direction in SPEAKERS else line.direction
        text = row.text.replace("\n", "\n      ")
        out.append(f"  {_JA.datetime(line.created_at)} {who}: {text}")
    return for_terminal("\n".join(out))


def _done(case: Case, what: str) -> None:
    t = _t()
    status = t(status_label(case.status))
    typer.echo(
        for_terminal(
            t("{number}: {what}（状況：{status}）", number=case.number, what=what, status=status)
        )
    )


@staff_app.command("list")
def list_cases(
    queue: Annotated[
        str | None, typer.Option(help="Only this queue, e.g. 宅配センター or takuhai-center")
    ] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Hide closed cases")] = False,
) -> None:
    """List cases, those that need staff first (complaints, overdue, the member's words)."""
    app = _app()
    wanted = None
    if queue is not None:
        wanted = app.cases.queue_id(queue)
        if wanted is None:
            names = sorted(app.cases.queues)
            raise CaseActionError(
                f"There is no queue {queue!r}; queues: "
                + ", ".join(f"{app.cases.queue_label(q)} ({q})" for q in names),
                f"窓口「{queue}」はありません。窓口："
                + "、".join(f"{app.cases.queue_label(q)}（{q}）" for q in names),
            )
    now = app.clock()
    cases = sorted(
        # Only a look at the list: the login does when MADOGUCHI_STAFF is not set, as for
        # `madoguchi cases`; on record either way.
        app.cases.list(
            terminal_staff(app.deployment, staff_name()), wanted, include_closed=not open_only
        ),
        key=lambda case: needs_staff_first(case, now),
    )
    if not cases:
        typer.echo(_t()("案件はありません。"))
    for case in cases:
        typer.echo(for_terminal(_line(case, now)))


@staff_app.command("help")
def show_help() -> None:
    """List the commands in the staff language."""
    typer.echo(help_text())


@staff_app.command()
def show(number: str) -> None:
    """Show a case with its intake summary, history and transcript (the look is audited)."""
    detail = _app().cases.detail(number, _actor())
    _app().cases.mark_read(detail.case.number)  # the member's messages are read now
    view = StaffTranscript.of(_app().engine.menu_options())
    typer.echo(render_detail(detail, _app().orgs.get(detail.case.org_id), view))
    if detail.case.request_type in DISCLOSURE_TYPES:
        # Counts only; the data itself is exported (and audited) by `madoguchi member-data`.
        number = detail.case.number
        typer.echo(holdings_text(collect(_app().db, number), _app().cases.possible_matches(number)))


@staff_app.command("file")
def save_file(
    number: str,
    index: Annotated[int, typer.Argument(help="The file's number in `show`")] = 1,
    out: Annotated[Path | None, typer.Option(help="Where to save; default: current folder")] = None,
) -> None:
    """Save a file the member sent, after checking it still matches its sha256."""
    attachment = _app().cases.attachment(number, index, _actor())
    if hashlib.sha256(attachment.data).hexdigest() != attachment.sha256:
        raise CaseActionError(
            f"File {index} of {number} does not match its checksum.",
            f"{number} のファイル {index} がチェックサムと一致しません。",
        )
    extension = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
    number = case_number(number)
    target = out or Path(f"{number}-{index}{extension.get(attachment.mime, '')}")
    if target.is_dir():
        target = target / f"{number}-{index}{extension.get(attachment.mime, '')}"
    write_private(target, attachment.data)
    typer.echo(f"{target}（{attachment.mime}、{size_label(attachment.size)}）を保存しました。")


@staff_app.command()
def claim(number: str, take_over: Annotated[bool, typer.Option("--take-over")] = False) -> None:
    """Take a case (use --take-over to take one claimed by someone else)."""
    try:
        claimed = _app().cases.claim(number, _actor(), take_over=take_over)
    except ClaimedByOther as taken:
        raise CaseActionError(
            f"{taken.number} is claimed by {taken.assignee}; add --take-over to take it over.",
            f"{taken.number} はほかの方（{taken.assignee}）が担当しています。"
            "引き継ぐ場合は --take-over を付けてください。",
        ) from taken
    _done(claimed, _t()("担当しました"))


@staff_app.command()
def verify(
    number: str,
    method: Annotated[str, typer.Option(help=f"One of: {', '.join(IDENTITY_METHODS)}")],
) -> None:
    """Record that the requester's identity was confirmed, and how."""
    _done(_app().cases.verify_identity(number, _actor(), method), _t()("本人確認済みにしました"))


@staff_app.command()
def reply(
    number: str,
    text: Annotated[str | None, typer.Argument()] = None,
    template: Annotated[str | None, typer.Option("--template")] = None,
    edit: Annotated[bool, typer.Option("--edit")] = False,
    edited: Annotated[str | None, typer.Option("--text")] = None,
    yes: Annotated[bool, typer.Option("--yes")] = False,
) -> None:
    """Send a message to the member (the only way staff text reaches them)."""
    if template is not None:
        templates_cli.reply_with_template(
            _app(), _actor(), number, template, edit=edit, text=edited, yes=yes
        )
        return
    if text is None:
        raise CaseActionError(
            "Give the reply's text, or a template with --template ID.",
            "返信の文面を指定してください（定型文を使うときは --template ID）。",
        )
    _done(_app().cases.reply(number, _actor(), text), _t()("会員に返信しました"))


@staff_app.command("templates")
def templates(number: Annotated[str | None, typer.Argument()] = None) -> None:
    """List the reply templates (定型文), those that fit case ``number`` if given."""
    typer.echo(templates_cli.list_templates(_app(), number))


@staff_app.command()
def note(number: str, text: str) -> None:
    """Add an internal note (never sent to the member)."""
    _done(_app().cases.note(number, _actor(), text), _t()("メモを残しました"))


@staff_app.command()
def extend(
    number: str,
    reason: Annotated[str, typer.Option(help="Sent to the member")],
    days: Annotated[int | None, typer.Option(help="Days to add to the due date")] = None,
    until: Annotated[
        str | None, typer.Option(help="New due date, e.g. 2027-01-15 or 令和9年1月15日")
    ] = None,
) -> None:
    """Extend the due date with a reason the member is told."""
    app = _app()
    current = app.cases.get(number).due_at
    if until:
        # Read as the chat reads dates: 2027/1/15, 令和9年1月15日, zenkaku digits.
        parsed = parse_date(until, today=date.max)  # a due date is ahead: no "future" refusal
        if parsed.value is None:
            raise CaseActionError(
                f"Could not read the date {until!r}.",
                f"{until}：{_JA(parsed.error or '')}（例：2027-01-15、令和9年1月15日）",
            )
        new_due = datetime.combine(parsed.value, time(23, 59), JST)
    elif days:
        new_due = current + timedelta(days=days)
    else:
        raise CaseActionError("Give --days or --until.", "--days か --until を指定してください。")
    # A closed day moves back to the open day before it: say the date the member is told, and
    # why it is not the one typed.
    extended = app.cases.extend(number, _actor(), new_due, reason)
    t = _t()
    _done(extended, t("期限を{date}に延長しました", date=t.date(extended.due_at)))
    if extended.due_at.astimezone(JST).date() != new_due.astimezone(JST).date():
        typer.echo(
            t(
                "{picked}は休業日のため、{due}にしました。",
                picked=t.date(new_due),
                due=t.date(extended.due_at),
            )
        )


@staff_app.command()
def pause(number: str, waiting_for: Annotated[str, typer.Option(help="e.g. 委任状")]) -> None:
    """Pause the clock while waiting for the member."""
    _done(_app().cases.pause(number, _actor(), waiting_for), _t()("一時停止しました"))


@staff_app.command()
def resume(number: str) -> None:
    """Restart the clock; the due date moves by the time paused."""
    _done(_app().cases.resume(number, _actor()), _t()("期限の一時停止を解除しました"))


@staff_app.command()
def transfer(number: str, queue: str, note: Annotated[str, typer.Option()]) -> None:
    """Move a case to another queue with a note."""
    moved = _app().cases.transfer(number, _actor(), queue, note)
    _done(moved, _t()("{queue}へ転送しました", queue=_app().cases.queue_label(moved.queue)))


@staff_app.command()
def close(
    number: str,
    outcome: Annotated[
        str, typer.Option(help="answered (回答済) | partial (一部対応) | refused (対応不可)")
    ],
    reason: Annotated[
        str | None, typer.Option(help="Required for partial and refused; sent to the member")
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Close despite unread messages, a paused due date or a question never replied to",
        ),
    ] = False,
) -> None:
    """Close a case with an outcome (the code or its Japanese name); the member is told."""
    code = _OUTCOME_BY_LABEL.get(outcome.strip(), outcome.strip())
    try:
        closed = _app().cases.close(number, _actor(), code, reason, confirmed=force)
    except CloseNeedsConfirmation as held:
        raise CaseActionError(
            _close_held(Translator("en"), case_number(number), held),
            _close_held(_JA, case_number(number), held),
        ) from held
    _done(closed, _t()("完了にしました"))


def _close_held(t: Translator, number: str, held: CloseNeedsConfirmation) -> str:
    """Why a close was held, what to read first, and how to close anyway."""
    parts = [t("{number} はまだ完了にしていません。", number=number)]
    if held.unread:
        parts.append(
            t(
                "会員からの未読メッセージが{count}件あります。先に madoguchi staff show {number} "
                "で読んでください。",
                count=held.unread,
                number=number,
            )
        )
    if held.paused:
        parts.append(
            t(
                "回答期限を一時停止しています（madoguchi staff resume {number} で解除できます）。",
                number=number,
            )
        )
    if held.unanswered:
        parts.append(
            t(
                "会員にまだ一度も返信していません。回答済にする前に、"
                "madoguchi staff reply {number} で回答を送ってください。",
                number=number,
            )
        )
    parts.append(t("それでも完了にする場合は --force を付けてください。"))
    return "".join(parts) if t.lang == "ja" else " ".join(parts)


_OUTCOME_BY_LABEL: dict[str, str] = {STATUS_LABELS[code]: code for code in OUTCOMES}
"""Staff work in Japanese: 回答済, 一部対応 and 対応不可 name the same outcomes as the codes."""


@staff_app.command()
def withdraw(
    number: str, note: Annotated[str, typer.Option(help="How the member withdrew")]
) -> None:
    """Record that the member withdrew the request (取下げ); the member is told."""
    _done(_app().cases.withdraw(number, _actor(), note), _t()("取下げにしました"))


@staff_app.command()
def reopen(
    number: str,
    reason: Annotated[str, typer.Argument(help="Why it is reopened (kept in the history)")],
) -> None:
    """Put a closed case back to 対応中; its due date stays the original one."""
    _done(_app().cases.reopen(number, _actor(), reason), _t()("対応中に戻しました"))


@staff_app.command()
def link(
    number: str,
    other: Annotated[str, typer.Option("--with", help="The case whose conversation is theirs")],
) -> None:
    """After the identity check: the conversation of case --with is the requester's own, so
    their disclosure (member-data) includes it."""
    _done(
        _app().cases.link_member(number, _actor(), other),
        _t()("{other} の会話を結び付けました", other=case_number(other)),
    )


@staff_app.command()
def unlink(
    number: str,
    other: Annotated[str, typer.Option("--with", help="The case linked by mistake")],
) -> None:
    """Undo a link: later member-data exports leave that conversation out."""
    _done(
        _app().cases.unlink_member(number, _actor(), other),
        _t()("{other} の会話の結び付けを外しました", other=case_number(other)),
    )


intake_cli.register(staff_app, lambda: _app(), lambda: _actor(), lambda: _t())
answer_cli.register(staff_app, _app, _actor, _done, _t)


def interactive() -> None:
    """A small shell over the same commands, for working several cases in a row."""
    typer.echo(help_text())
    typer.echo(_t()("終了するには quit と入力してください。"))
    while True:
        typer.echo("staff> ", nl=False)
        try:
            line = input()
        except EOFError:
            typer.echo("")
            return
        if line.strip() in ("quit", "exit", "q"):
            return
        if not line.strip():
            continue
        run_staff_command(shlex.split(line))


def run_staff_command(args: list[str]) -> int:
    """Run one staff command; rule violations print a message instead of a traceback.

    Arguments are cleaned like every other input: a pasted escape sequence or bidi override
    never reaches a member or another staff screen.
    """
    if not args or args[0] in ("help", "--help", "-h", "ヘルプ"):
        typer.echo(help_text())
        return 0
    if any(arg in ("--help", "-h") for arg in args[1:]):
        typer.echo(command_help(args[0]) or help_text())
        return 0
    try:
        staff_app([_typed_number(clean_inbound(arg)) for arg in args], standalone_mode=False)
    except CaseActionError as error:
        t = _t()
        why = error.ja if t.lang == "ja" else str(error)
        typer.echo(for_terminal(t("できません: {why}", why=why)), err=True)
        return 1
    except (typer.Abort, SystemExit) as error:
        typer.echo(for_terminal(str(error)), err=True)
        return 2
    except Exception as error:  # the CLI library's usage errors, said in the staff language
        typer.echo(for_terminal(usage_problem(error, args[0])), err=True)
        return 2
    return 0


def _typed_number(arg: str) -> str:
    """A number typed in full width (--days １４) as digits; other text stays as typed."""
    folded = unicodedata.normalize("NFKC", arg).strip()
    return folded if folded.isascii() and folded.isdigit() else arg


# How ``help`` names each argument, so a usage error names it the same way.
_ARGUMENT_NAMES = {
    "number": N_("受付番号"),
    "text": N_("文面"),
    "queue": N_("窓口"),
    "reason": N_("理由"),
}


def usage_problem(error: Exception, command: str) -> str:
    """The CLI library's English usage error (a missing argument, a bad number, an unknown
    command or option) as staff read it: what is wrong, and the command's usage."""
    t = _t()
    param = getattr(error, "param", None)
    option = getattr(error, "option_name", None)
    name = getattr(param, "name", None) or ""
    if getattr(param, "param_type_name", "") == "option":
        shown = "--" + name.replace("_", "-")
    else:
        shown = t(_ARGUMENT_NAMES.get(name, name)) if name else ""
    kind = type(error).__name__
    if kind == "MissingParameter":
        problem = t("{what} が指定されていません。", what=shown)
    elif isinstance(error, typer.BadParameter):
        problem = t("{what} の値が正しくありません（数字で指定してください）。", what=shown)
    elif kind == "NoSuchOption":
        problem = t("{option} というオプションはありません。", option=option)
    elif kind == "BadOptionUsage":
        problem = t("{option} の後に値を指定してください。", option=option)
    elif str(error).startswith("No such command"):
        problem = t("「{command}」というコマンドはありません。", command=command)
        return " ".join([problem, t("help でコマンドの一覧を表示できます。")])
    else:
        problem = t("コマンドの指定が正しくありません。")
    usage = next((c for c, _ in HELP_LINES if c.split()[0] == command), None)
    if usage is None:
        return problem
    return "\n".join([problem, t("使い方：madoguchi staff {usage}", usage=usage)])
