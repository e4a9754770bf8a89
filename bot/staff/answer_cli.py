"""``madoguchi staff send`` and ``staff posted``: the answer itself, from the terminal.

``send N FILE…`` attaches the files to the case's pending answer, shows what the member will
get (files, sizes, method, where it goes, link expiry) and sends once staff confirm (or at
once with ``--yes``). ``posted N --method 簡易書留 --tracking … --on DATE`` records a paper
answer. Registered on the staff commands by ``bot.staff.terminal`` (kept apart so the shared
module only gains a few lines).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from bot.app import App
from bot.escaping import for_terminal
from flows.answer_files import PAPER_METHODS, size_label
from flows.cases import CaseActionError, case_number
from flows.i18n import JST, N_, Translator
from storage.answers import AnswerPreview
from storage.models import Case
from storage.staff import StaffActor

# The help lines ``staff help`` adds for these commands.
HELP_LINES: tuple[tuple[str, str], ...] = (
    (
        "send 受付番号 [ファイル…] [--yes]",
        N_("回答のファイルを会員へ送る（送る前に内容を表示して確認します）"),
    ),
    (
        "posted 受付番号 --method 方法 [--tracking 追跡番号] [--on 日付]",
        N_("書面の回答を送ったことを記録する（簡易書留・本人限定受取郵便・普通郵便・窓口手渡し）"),
    ),
)
ARGUMENT_HELP: dict[str, tuple[tuple[str, str], ...]] = {
    "send": (
        ("ファイル", N_("添付するファイル（PDF・CSV・JPEG・PNG）。省略すると添付済みのものを送る")),
        ("--yes", N_("確認せずに送る")),
    ),
    "posted": (
        ("--method 方法", N_("簡易書留・本人限定受取郵便・普通郵便・窓口手渡し")),
        ("--tracking 追跡番号", N_("書留などの追跡番号")),
        ("--on 日付", N_("送った日（YYYY-MM-DD、省略すると今日）")),
    ),
}


def preview_text(t: Translator, shown: AnswerPreview) -> str:
    """What the member will get, as staff confirm it."""
    lines = [t("{number} で会員に送るもの：", number=shown.number)]
    for number, file in enumerate(shown.files, 1):
        lines.append(
            f"  {number}. {file.name}（{file.mime}、{size_label(file.size)}、"
            f"sha256 {file.sha256[:12]}…）"
        )
    if shown.channel == "telegram":
        lines.append(t("送り方：会員のTelegramのチャットにファイルとして送ります。"))
    elif shown.channel == "email":
        lines.append(
            t(
                "送り方：{address} にダウンロード用のリンクをメールで送ります"
                "（ファイルはメールに付けません）。確認コードは会員のチャットに表示します"
                "（チャットがない場合は、書面でお知らせするコードをこの後に表示します）。",
                address=shown.destination,
            )
        )
    else:
        lines.append(t("送り方：会員のチャットにダウンロード用のリンクと確認コードを送ります。"))
    if shown.link_expires is not None:
        lines.append(t("リンクの期限：{date}", date=t.date(shown.link_expires)))
    return for_terminal("\n".join(lines))


def register(
    staff_app: typer.Typer,
    get_app: Callable[[], App],
    get_actor: Callable[[], StaffActor],
    done: Callable[[Case, str], None],
    get_t: Callable[[], Translator],
) -> None:
    """Add ``send`` and ``posted`` to the staff commands."""

    @staff_app.command()
    def send(
        number: str,
        files: Annotated[list[Path] | None, typer.Argument()] = None,
        yes: Annotated[bool, typer.Option("--yes")] = False,
    ) -> None:
        """Attach answer files, preview what the member gets, and send them once."""
        app, actor, t = get_app(), get_actor(), get_t()
        number = case_number(number)
        for path in files or []:
            data = _read(app, number, path)
            digest = hashlib.sha256(data).hexdigest()
            app.cases.attach_answer(
                number, actor, path.name, data, key=f"cli-attach:{number}:{digest}"
            )
        shown = app.cases.preview_answer(number, actor)
        typer.echo(preview_text(t, shown))
        if not yes and not typer.confirm(t("送信しますか？"), default=False):
            typer.echo(t("送信しませんでした。添付したファイルは残っています。"))
            return
        key = "cli-send:" + ",".join(f.sha256 for f in shown.files) + f":{number}"
        sent = app.cases.send_answer(number, actor, key=key)
        if sent is not None and sent.code is not None:
            typer.echo(
                t(
                    "会員さまにチャットがないため、書面のお知らせに確認コード {code} を"
                    "書いてお送りください。",
                    code=sent.code,
                )
            )
        done(app.cases.get(number), t("回答を送付しました"))

    @staff_app.command()
    def posted(
        number: str,
        method: Annotated[
            str, typer.Option(help="簡易書留, 本人限定受取郵便, 普通郵便, 窓口手渡し")
        ],
        tracking: Annotated[str | None, typer.Option()] = None,
        on: Annotated[str | None, typer.Option(help="YYYY-MM-DD; default: today")] = None,
    ) -> None:
        """Record that the answer went on paper, when and how."""
        app, t = get_app(), get_t()
        sent_on = _day(on) if on else app.clock().astimezone(JST).date()
        case = app.cases.record_paper_send(number, get_actor(), method, sent_on, tracking)
        done(case, t("書面の送付を記録しました"))


def _read(app: App, number: str, path: Path) -> bytes:
    """The file's bytes; one far over the largest allowed is refused before it is read."""
    if not path.is_file():
        raise CaseActionError(f"No file {path}.", f"ファイル {path} が見つかりません。")
    limit = max((o.answers.max_bytes for o in app.orgs.values()), default=0)
    if path.stat().st_size > limit:
        mb = limit // (1024 * 1024)
        raise CaseActionError(
            f"{path.name} is larger than {mb} MB.",
            f"{path.name} は{mb}MBを超えています。{mb}MBまでのファイルにしてください。",
        )
    return path.read_bytes()


def _day(typed: str) -> date:
    try:
        return date.fromisoformat(typed.strip())
    except ValueError:
        raise CaseActionError(
            f"{typed!r} is not a date (YYYY-MM-DD).",
            f"「{typed}」は日付として読めません。YYYY-MM-DD の形で入力してください。",
        ) from None


__all__ = ["ARGUMENT_HELP", "HELP_LINES", "PAPER_METHODS", "register"]
