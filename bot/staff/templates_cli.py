"""``madoguchi staff templates [N]`` and ``staff reply N --template ID``: reply templates
(定型文) at the terminal. Pick, fill from the case, edit, see what the member will read,
confirm; the send is the case service's ordinary reply."""

from __future__ import annotations

import os

import click
import typer

from bot.app import App
from bot.escaping import for_terminal
from bot.reply_templates import reply_templates
from flows import cases as rules
from flows.i18n import N_, Translator, normalise_language
from flows.intake import paper_text
from flows.reply_templates import load_templates
from flows.routes import OFFLINE_CHANNEL
from flows.safe_text import clean_inbound
from storage.reply_templates import check_no_placeholders
from storage.staff import StaffActor


def _t() -> Translator:
    return Translator(normalise_language(os.environ.get("MADOGUCHI_STAFF_LANG") or "ja"))


def list_templates(app: App, number: str | None) -> str:
    """The templates that fit case ``number``, or every served org's templates by type."""
    t = _t()
    if number is not None:
        case, fitting = reply_templates(app).for_case(number)
        if not fitting:
            return t("{number} に使える定型文はありません。", number=case.number)
        lines = [t("{number} に使える定型文：", number=case.number)]
        lines += [f"  {template.id}  {template.title.get(t.lang)}" for template in fitting]
        lines.append(t("使い方：madoguchi staff reply {number} --template ID", number=case.number))
        return for_terminal("\n".join(lines))
    lines = []
    folder = app.deployment.reply_templates.dir
    for org_id, templates in load_templates(app.orgs, folder).items():
        lines.append(f"{app.orgs[org_id].short_name.get(t.lang)}:")
        for template in templates.values():
            types = "*" if "*" in template.types else ", ".join(template.types)
            lines.append(f"  {template.id}  {template.title.get(t.lang)}  [{types}]")
    return for_terminal("\n".join(lines))


def reply_with_template(
    app: App,
    actor: StaffActor,
    number: str,
    template_id: str,
    *,
    edit: bool = False,
    text: str | None = None,
    yes: bool = False,
) -> None:
    """Fill the template, let staff edit it ($EDITOR with ``edit``, or ``text`` in its place),
    show exactly what the member will read, and send it once staff confirm."""
    t = _t()
    app.cases.authorize(number, actor, "reply")  # the case's facts are for its queue's staff
    body = reply_templates(app).filled(number, template_id)
    if text is not None:
        body = text
    elif edit:
        edited = click.edit(body, extension=".txt")
        if edited is None:  # the editor was closed without saving
            typer.echo(t("編集が保存されなかったため、送信をやめました。"), err=True)
            raise typer.Exit(1)
        body = clean_inbound(edited)
    body = rules.require_text(body.strip(), "A reply")
    check_no_placeholders(body)
    case = app.cases.get(number)
    late = rules.is_late(case.status, case.paused_at is not None, case.due_at, app.clock())
    member_sees = rules.reply_notice(Translator(case.lang), case.number, body, late=late)
    if case.channel == OFFLINE_CHANNEL:  # a letter or a call: worded as the task will be
        member_sees = paper_text(member_sees, Translator(case.lang))
    typer.echo(t("会員には次のとおり届きます：") + "\n" + for_terminal(_indented(member_sees)))
    if not yes and not typer.confirm(t(SEND_QUESTION), default=False):
        typer.echo(t("送信をやめました。"))
        return
    sent = app.cases.reply(case.number, actor, body)
    typer.echo(for_terminal(t("{number}: 会員に返信しました", number=sent.number)))


SEND_QUESTION = N_("この内容で送信しますか？")


def _indented(text: str) -> str:
    return "\n".join(f"  | {line}" for line in text.splitlines())
