"""``madoguchi staff intake``, ``tasks`` and ``sent``: requests that came by post, phone, visit
or e-mail, entered at the terminal, and the notices their members get on paper or by phone.

The questions are the chat flow's own steps (``flows.intake``), asked in order with the same
conditions and read by the same reader; nothing is written until staff confirm the summary
(or, scripted, until every field given is valid).
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

import typer

from bot.app import App
from bot.escaping import for_terminal
from flows import intake, parsing
from flows.asker import send_to
from flows.cases import CaseActionError
from flows.flow import RequestFlow
from flows.i18n import JST, N_, Translator
from flows.profiles import OrgProfile
from flows.routes import ROUTES, STAFF_ENTERED
from flows.safe_text import clean_inbound
from flows.steps import Step
from storage.staff import StaffActor

ARRIVAL_PROMPT = N_(
    "到着日時（郵便は届いた日時、電話・来所・メールは受け付けた日時。例：2026-12-25 10:00）"
)
# What ``help`` says of the commands (terminal.HELP_LINES and ARGUMENT_HELP take these).

HELP_LINES: tuple[tuple[str, str], ...] = (
    (
        "intake [--org 組織 --type 種類 --route 経路 --arrived 日時 --field 項目=値 …]",
        N_("郵送・電話・来所・メールで届いたお申し出を登録する（指定しない項目は順に伺います）"),
    ),
    ("tasks [--queue 窓口]", N_("チャットのない会員へ郵送・電話で送る連絡の一覧")),
    (
        "sent 受付番号 連絡番号 --method 方法 --on 日付",
        N_("郵送・電話などで連絡したことを記録する"),
    ),
)
ARGUMENT_HELP: dict[str, tuple[tuple[str, str], ...]] = {
    "intake": (
        ("--org 組織", N_("組織（例：coopdeli）。一つだけなら省略できます")),
        ("--type 種類", N_("お申し出の種類（例：disclosure、開示）")),
        ("--route 経路", N_("受付経路：郵送・電話・来所・メール（post・phone・visit・email）")),
        (
            "--arrived 日時",
            ARRIVAL_PROMPT,
        ),
        ("--field 項目=値", N_("各項目の値（例：--field scope=all --field name=山田花子）")),
        ("--document 書類", N_("受け取った書類（例：委任状）。何度でも指定できます")),
        ("--old-arrival", N_("30日より前の到着日で登録する")),
    ),
    "tasks": (("--queue 窓口", N_("この窓口の連絡だけを表示する")),),
    "sent": (
        ("連絡番号", N_("tasks に表示される連絡の番号")),
        ("--method 方法", N_("郵送・簡易書留・本人限定受取郵便・電話・窓口で手渡し・メール")),
        ("--on 日付", N_("送付した日（YYYY-MM-DD。省略すると今日）")),
    ),
}

YES = ("はい", "y", "yes", "1")
FIX_WORDS = ("いいえ", "直す", "なおす", "修正", "n", "no", "fix", "2")
STOP_WORDS = ("やめる", "中止", "キャンセル", "cancel", "stop", "3")
# Items of an intake that are not the flow's steps, when one is put right before registering.
ROUTE_ITEM, ARRIVAL_ITEM, DOCUMENTS_ITEM = "_route", "_arrival", "_documents"
Item = TypeVar("Item")


def register(
    staff_app: typer.Typer,
    app: Callable[[], App],
    actor: Callable[[], StaffActor],
    language: Callable[[], Translator],
) -> None:
    """Add the commands to ``madoguchi staff``; ``app``, ``actor`` and ``language`` are the
    terminal's own (the desk, who acts, the staff language)."""

    @staff_app.command("intake")
    def intake_command(
        org: Annotated[str | None, typer.Option()] = None,
        type_: Annotated[str | None, typer.Option("--type")] = None,
        route: Annotated[str | None, typer.Option()] = None,
        arrived: Annotated[str | None, typer.Option()] = None,
        field: Annotated[list[str] | None, typer.Option("--field")] = None,
        document: Annotated[list[str] | None, typer.Option("--document")] = None,
        old_arrival: Annotated[bool, typer.Option("--old-arrival")] = False,
    ) -> None:
        """Enter a request that came by post, phone, visit or e-mail."""
        desk = app()
        entry = Entry(desk, actor(), language())
        scripted = field is not None
        try:
            entry.run(
                org=org,
                type_id=type_,
                route=route,
                arrived=arrived,
                fields=_pairs(field or [], language()),
                documents=document or [],
                old_arrival=old_arrival,
                scripted=scripted,
            )
        except intake.IntakeError as error:
            raise CaseActionError(str(error), str(error)) from error

    @staff_app.command("tasks")
    def tasks_command(queue: Annotated[str | None, typer.Option()] = None) -> None:
        """List the notices to send by post or phone to members with no chat."""
        desk, t, who = app(), language(), actor()
        queues = None
        if queue:
            found = desk.cases.queue_id(queue)
            if found is None:
                raise CaseActionError(
                    f"No queue {queue}.", t("「{queue}」という窓口はありません。", queue=queue)
                )
            queues = [found]
        waiting = desk.cases.notice_tasks(who, queues)  # each case's look is audited there
        if not waiting:
            typer.echo(t("郵送・電話で送る連絡はありません。"))
        for task in waiting:
            made = task.created_at.astimezone(JST)
            typer.echo(
                for_terminal(
                    t(
                        "連絡 {task}　{number}　{queue}　{date}作成",
                        task=task.id,
                        number=task.case_number,
                        queue=desk.cases.queue_label(task.queue),
                        date=t.date(made),
                    )
                )
            )
            for line in send_to(task.fields, t):
                typer.echo(for_terminal(f"  {line}"))
            typer.echo(for_terminal("\n".join(f"    {line}" for line in task.text.split("\n"))))
        if waiting:
            typer.echo(
                t(
                    "送ったら「madoguchi staff sent 受付番号 連絡番号 --method 郵送 --on 日付」"
                    "で記録してください。"
                )
            )

    @staff_app.command("sent")
    def sent_command(
        number: str,
        task: int,
        method: Annotated[str, typer.Option()],
        on: Annotated[str | None, typer.Option()] = None,
    ) -> None:
        """Record that a notice was sent by post, phone or in person, and on which day."""
        desk, t = app(), language()
        try:
            code = intake.notice_method_of(method, t)
            day = _sent_on(on, desk.clock(), t)
        except intake.IntakeError as error:
            raise CaseActionError(str(error), str(error)) from error
        case = desk.cases.notice_sent(number, actor(), task, code, day)
        typer.echo(
            for_terminal(
                t(
                    "{number}：連絡 {task} を{date}に{method}で送ったと記録しました。",
                    number=case.number,
                    task=task,
                    date=t.date(day),
                    method=t(intake.NOTICE_METHODS[code]),
                )
            )
        )


def _sent_on(typed: str | None, now: datetime, t: Translator) -> date:
    if not typed:
        return now.astimezone(JST).date()
    parsed = parsing.parse_date(clean_inbound(typed), today=date.max)
    if not parsed.ok or parsed.value is None:
        raise intake.IntakeError(t("送付日は「2026-12-24」のように入力してください。"))
    return parsed.value


def _pairs(given: Sequence[str], t: Translator) -> dict[str, str]:
    """``--field key=value`` pairs; a pair with no ``=`` is refused."""
    pairs: dict[str, str] = {}
    for item in given:
        key, equals, value = clean_inbound(item).partition("=")
        if not equals or not key.strip():
            raise intake.IntakeError(
                t("--field は「項目=値」の形で指定してください（例：scope=all）。")
            )
        pairs[key.strip()] = value.strip()
    return pairs


class Entry:
    """One intake at the terminal: what is missing is asked, in the flow's order."""

    def __init__(self, desk: App, actor: StaffActor, t: Translator) -> None:
        self.desk = desk
        self.actor = actor
        self.t = t

    def run(
        self,
        *,
        org: str | None,
        type_id: str | None,
        route: str | None,
        arrived: str | None,
        fields: Mapping[str, str],
        documents: Sequence[str],
        old_arrival: bool,
        scripted: bool,
    ) -> None:
        t, now = self.t, self.desk.clock()
        orgs: Mapping[str, OrgProfile] = self.desk.orgs
        profile = self._org(org, orgs, scripted)
        flow = self._type(type_id, scripted)
        code = self._route(route, scripted)
        arrival = self._arrival(arrived, now, old_arrival, scripted)
        if scripted:
            walked = intake.walk(flow, profile, fields, now, t, orgs.values())
            if not walked.ok:
                raise intake.IntakeError(self._errors(flow, walked.errors))
            answers = walked.answers
            papers = list(documents)
        else:
            answers = self._ask_steps(flow, profile, fields, now)
            papers = list(documents) or self._ask_documents(profile)
        while True:
            made = intake.draft(flow, profile, answers, code, arrival, now, papers)
            typer.echo(for_terminal(self._summary(made, flow)))
            if scripted:
                break
            decided = self._decide()
            if decided == "register":
                break
            if decided == "stop":
                typer.echo(t("登録しませんでした。"))
                return
            # 「いいえ」: one item is put right; everything else typed is kept.
            fix = self._pick_fix(flow, profile, answers, now)
            if fix == ROUTE_ITEM:
                code = self._route(None, scripted=False)
            elif fix == ARRIVAL_ITEM:
                arrival = self._arrival(None, now, old_arrival, scripted=False)
            elif fix == DOCUMENTS_ITEM:
                papers = self._ask_documents(profile)
            else:
                kept = {key: value for key, value in answers.items() if key != fix}
                answers = self._ask_steps(flow, profile, {}, now, known=kept)
        case = self.desk.cases.intake(made, self.actor, key=uuid.uuid4().hex)
        typer.echo(
            for_terminal(
                t(
                    "受付番号 {number} で登録しました。回答期限：{due}　窓口：{queue}",
                    number=case.number,
                    due=t.date(case.due_at),
                    queue=self.desk.cases.queue_label(case.queue),
                )
            )
        )
        typer.echo(t("会員への受付のお知らせは「madoguchi staff tasks」に表示されます。"))

    # ---------------------------------------------------------------- the four choices

    def _org(self, typed: str | None, orgs: Mapping[str, OrgProfile], scripted: bool) -> OrgProfile:
        if typed:
            return intake.org_of(typed, orgs, self.t)
        if len(orgs) == 1:
            return next(iter(orgs.values()))
        self._need(scripted, "--org")
        listed = list(orgs.values())
        return self._pick(
            self.t("組織を選んでください。"),
            [o.short_name.get(self.t.lang) for o in listed],
            lambda text: intake.org_of(text, orgs, self.t),
            listed,
        )

    def _type(self, typed: str | None, scripted: bool) -> RequestFlow:
        if typed:
            return intake.flow_of(typed, self.t)
        self._need(scripted, "--type")
        flows = list(intake.INTAKE_FLOWS.values())
        return self._pick(
            self.t("お申し出の種類を選んでください。"),
            [self.t(f.title) for f in flows],
            lambda text: intake.flow_of(text, self.t),
            flows,
        )

    def _route(self, typed: str | None, scripted: bool) -> str:
        if typed:
            return intake.route_of(typed, self.t)
        self._need(scripted, "--route")
        return self._pick(
            self.t("受付経路を選んでください。"),
            [self.t(ROUTES[r]) for r in STAFF_ENTERED],
            lambda text: intake.route_of(text, self.t),
            list(STAFF_ENTERED),
        )

    def _arrival(self, typed: str | None, now: datetime, old_ok: bool, scripted: bool) -> datetime:
        t = self.t
        if typed:
            try:
                return intake.parse_arrival(typed, now, t, confirmed=old_ok)
            except intake.ArrivalNeedsConfirmation as old:
                if scripted:
                    raise intake.IntakeError(
                        f"{old} {t('よろしければ --old-arrival を付けてください。')}"
                    ) from old
                if self._yes(str(old) + t("（はい／いいえ）")):
                    return intake.parse_arrival(typed, now, t, confirmed=True)
        self._need(scripted, "--arrived")
        while True:
            text = self._ask(t(ARRIVAL_PROMPT))
            try:
                return intake.parse_arrival(text, now, t)
            except intake.ArrivalNeedsConfirmation as old:
                if self._yes(str(old) + t("（はい／いいえ）")):
                    return intake.parse_arrival(text, now, t, confirmed=True)
            except intake.IntakeError as error:
                typer.echo(for_terminal(str(error)))

    # ---------------------------------------------------------------- the flow's steps

    def _ask_steps(
        self,
        flow: RequestFlow,
        org: OrgProfile,
        given: Mapping[str, str],
        now: datetime,
        known: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Each step that applies to the answers so far, in order; a value given on the
        command line is checked like a typed one, a refused value is asked again. ``known``
        values (an intake being put right) are kept without asking; a step they no longer
        reach is dropped, one they now reach is asked."""
        t, orgs = self.t, list(self.desk.orgs.values())
        answers: dict[str, Any] = {}
        for step in flow.steps:
            ctx = intake.context(org, answers, now, t)
            if not step.applies(ctx):
                continue
            if known is not None and step.id in known:
                answers[step.id] = known[step.id]
                continue
            typed = given.get(step.id)
            while True:
                if typed is None:
                    typed = self._ask_step(step, ctx)
                parsed = intake.check(step, typed, ctx, orgs)
                if parsed.ok:
                    answers[step.id] = parsed.value
                    break
                typer.echo(for_terminal(parsed.error or ""))
                typed = None
        return answers

    def _ask_step(self, step: Step, ctx: Any) -> str:
        t = self.t
        options = intake.choices(step, ctx)
        lines = [f"【{t(step.label)}】{t(step.prompt)}"]
        lines += [f"  {n}. {t(o.label)}" for n, o in enumerate(options, 1)]
        if step.is_optional(ctx) and not options:
            lines.append(t("  （なければ空のまま Enter）"))
        typer.echo(for_terminal("\n".join(lines)))
        return self._ask("")

    def _ask_documents(self, org: OrgProfile) -> list[str]:
        t = self.t
        named = intake.document_choices(org, t)
        lines = [
            t("受け取った書類があれば入力してください（複数は「、」で区切る。なければ Enter）。")
        ]
        lines += [f"  {n}. {name}" for n, name in enumerate(named, 1)]
        typer.echo(for_terminal("\n".join(lines)))
        text = self._ask("")
        picked = []
        for part in (p.strip() for p in text.replace(",", "、").split("、")):
            if part.isdigit() and 0 < int(part) <= len(named):
                picked.append(named[int(part) - 1])
            elif part:
                picked.append(part)
        return picked

    # ---------------------------------------------------------------- helpers

    def _summary(self, made: intake.IntakeDraft, flow: RequestFlow) -> str:
        t = self.t
        lines = [
            t("登録する内容："),
            t("お申し出：{title}", title=t(flow.title)),
            t("受付経路：{route}", route=t(ROUTES[made.route])),
            t("到着：{when}", when=made.arrived_at.astimezone(JST).strftime("%Y-%m-%d %H:%M")),
            t("回答期限：{due}", due=t.date(made.due_at)),
        ]
        lines += [f"・{label}：{value}" for label, value in made.summary]
        if made.documents:
            lines.append(t("受け取った書類：{documents}", documents="、".join(made.documents)))
        return "\n".join(lines)

    def _errors(self, flow: RequestFlow, errors: Mapping[str, str]) -> str:
        labels = {step.id: self.t(step.label) for step in flow.steps}
        lines = [self.t("次の項目を直してください：")]
        lines += [f"・{labels.get(key, key)}（{key}）：{why}" for key, why in errors.items()]
        return "\n".join(lines)

    def _need(self, scripted: bool, option: str) -> None:
        if scripted:
            raise intake.IntakeError(self.t("{option} を指定してください。", option=option))

    def _pick(
        self, title: str, labels: list[str], read: Callable[[str], Item], items: list[Item]
    ) -> Item:
        typer.echo(
            for_terminal(
                "\n".join([title, *(f"  {n}. {label}" for n, label in enumerate(labels, 1))])
            )
        )
        while True:
            text = unicodedata_digits(self._ask(""))
            if text.isdigit() and 0 < int(text) <= len(items):
                return items[int(text) - 1]
            try:
                return read(text)
            except intake.IntakeError as error:
                typer.echo(for_terminal(str(error)))

    def _decide(self) -> str:
        """「はい」 registers, 「いいえ」「直す」 puts one item right, 「やめる」 registers nothing;
        anything else is asked again, so a slip of the keyboard loses nothing."""
        t = self.t
        while True:
            typed = unicodedata_digits(self._ask(t("この内容で登録しますか（はい／直す／やめる）")))
            word = typed.lower()
            if word in YES:
                return "register"
            if word in FIX_WORDS or word == t("直す").lower():
                return "fix"
            if word in STOP_WORDS or word == t("やめる").lower():
                return "stop"
            typer.echo(t("「はい」「直す」「やめる」のどれかを入力してください。"))

    def _pick_fix(
        self, flow: RequestFlow, org: OrgProfile, answers: Mapping[str, Any], now: datetime
    ) -> str:
        """Which item to put right: an answered step (by number or its name), the route,
        the arrival or the documents."""
        t = self.t
        items: list[tuple[str, str]] = []
        for step in flow.steps:
            ctx = intake.context(org, answers, now, t)
            if step.id in answers and step.applies(ctx):
                items.append((step.id, f"{t(step.label)}：{step.display(answers[step.id], ctx)}"))
        items += [
            (ROUTE_ITEM, t("受付経路")),
            (ARRIVAL_ITEM, t("到着日時")),
            (DOCUMENTS_ITEM, t("受け取った書類")),
        ]

        def named(text: str) -> str:
            folded = unicodedata.normalize("NFKC", text).strip()
            for key, label in items:
                if folded and (folded == key or label.split("：")[0] == folded):
                    return key
            raise intake.IntakeError(t("直す項目を番号で選んでください。"))

        return self._pick(
            t("直す項目を選んでください（ほかの項目はそのまま残ります）。"),
            [label for _, label in items],
            named,
            [key for key, _ in items],
        )

    def _yes(self, question: str) -> bool:
        return unicodedata_digits(self._ask(question)).lower() in YES

    def _ask(self, prompt: str) -> str:
        if prompt:
            typer.echo(for_terminal(prompt))
        typer.echo("> ", nl=False)
        try:
            return clean_inbound(input())
        except EOFError:
            typer.echo("")
            raise intake.IntakeError(
                self.t("入力が途中で終わったため、登録しませんでした。")
            ) from None


def unicodedata_digits(text: str) -> str:
    """Full-width digits and spaces folded, so 「１」 picks the first choice."""
    return unicodedata.normalize("NFKC", text).strip()
