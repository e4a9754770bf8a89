"""The dialogue engine: (stored state, inbound event, clock) -> (new state, outputs).

A turn does no I/O. Storage loads the state, calls ``Engine.turn`` and writes the result in
one transaction, which is what makes restarts, redelivered updates and tests simple.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flows import attachments, followups, parsing
from flows.flow import RequestFlow
from flows.i18n import N_, Translator, normalise_language
from flows.intents import Classification, classify
from flows.messages import (
    AcceptedFile,
    CaseDraft,
    CaseMessage,
    CaseView,
    Choice,
    Inbound,
    ReceivedFile,
    Reply,
    TurnResult,
)
from flows.parsing import Parsed, normalise_for_matching
from flows.profiles import OrgProfile
from flows.registry import FLOWS, REQUEST_FLOWS
from flows.requests import inquiry
from flows.status import CLOSED_STATUSES, status_label
from flows.steps import SKIPPED, Context, Option, Step
from flows.understanding import carried_over, orgs_mentioned, prefill

# Conversation modes
PICK_ORG = "pick_org"
MENU = "menu"
FLOW = "flow"
SUMMARY = "summary"
EDIT_PICK = "edit_pick"
CONFIRM_CANCEL = "confirm_cancel"
INQUIRY = "inquiry"
UNCLEAR = "unclear"

BACK = "_back"
CANCEL = "_cancel"
SUBMIT = "_submit"
EDIT = "_edit"
SKIP = "_skip"
YES = "_yes"
NO = "_no"
FORWARD = "_forward"
MENU_CHOICE = "_menu"
CONTINUE = "_continue"
SWITCH = "switch:"

STATUS_ID = "status"

# Words that act at every step; matched on the whole normalised message only, so that
# 「広告をやめる」 still answers a question rather than cancelling.
_GLOBAL_WORDS: dict[str, tuple[str, ...]] = {
    "back": ("戻る", "もどる", "戻", "前に戻る", "back", "戻って"),
    "restart": ("やり直し", "やりなおし", "やり直す", "最初から", "restart", "startover"),
    "cancel": ("キャンセル", "やめる", "中止", "取り消し", "cancel", "quit"),
    "menu": ("メニュー", "menu", "/menu"),
    "help": ("ヘルプ", "使い方", "help", "/help", "?", "？"),
    "status": ("受付状況", "状況確認", "状況", "status", "/status"),
    "lang": ("言語", "language", "/lang"),
    "lang_en": ("english", "英語", "/lang en"),
    "lang_ja": ("日本語", "japanese", "nihongo", "/lang ja"),
}
_GLOBAL_LOOKUP = {
    normalise_for_matching(word): action
    for action, words in _GLOBAL_WORDS.items()
    for word in words
}
_REQUEST_IDS = frozenset(flow.type_id for flow in REQUEST_FLOWS)
# Intents the member can be offered as a choice when we are unsure.
_OFFERABLE = frozenset({*_REQUEST_IDS, "inquiry", "human", STATUS_ID})
# While a member has a case, a message that plainly starts one of these is not relayed to it.
_NEW_REQUEST = frozenset({*_REQUEST_IDS, "cancel"})
# Off-topic business (orders, deliveries, payments, claims) that another desk handles.
_OFF_TOPIC_CONCEPTS = frozenset({"delivery", "money"})
_SMALL_TALK_CONCEPTS = frozenset({"greeting"})
# An interruption mid-flow must be unmistakable: a name or an answer is never taken for one.
_INTERRUPT_CONFIDENCE = 0.8
# A choice that also takes the member's own words (「どの情報を」) is left alone unless the text
# is unmistakably a different request.
_SWITCH_FROM_FREE_TEXT_CONFIDENCE = 0.95
TURN_FAILED = N_(
    "申し訳ありません。うまく受け付けられませんでした。お手数ですが、もう一度お送りください。"
)
_NUMBER_LIST = re.compile(r"^[0-9]+(?:[\s,、，・/と]+[0-9]+)*$")


@dataclass
class Conversation:
    """The member's place in the dialogue, stored as JSON between turns."""

    org: str | None = None
    lang: str = "ja"
    mode: str = MENU
    flow: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    editing: str | None = None
    previous: Any = None
    resume_mode: str | None = None
    pending_text: str | None = None
    offered: list[str] | None = None  # option ids shown with the last unclear-input question
    started: bool = False

    @classmethod
    def from_state(cls, state: Mapping[str, Any] | None) -> Conversation:
        known = cls.__dataclass_fields__
        # A deep copy: the stored state is never mutated, so a failed turn leaves it intact.
        return cls(**{k: copy.deepcopy(v) for k, v in (state or {}).items() if k in known})

    def to_state(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def leave_flow(self) -> None:
        self.mode = MENU
        self.flow = None
        self.answers = {}
        self.history = []
        self.editing = None
        self.previous = None
        self.resume_mode = None
        self.offered = None


@dataclass(frozen=True)
class _Input:
    """What the member sent this turn: a pressed button id and/or cleaned text."""

    choice: str | None
    text: str | None


class Engine:
    """Runs turns for a deployment serving one or more orgs."""

    def __init__(self, orgs: Mapping[str, OrgProfile]) -> None:
        if not orgs:
            raise ValueError("A deployment needs at least one org profile.")
        self.orgs = dict(orgs)

    def turn(
        self,
        state: Mapping[str, Any] | None,
        inbound: Inbound,
        now: datetime,
        cases: Sequence[CaseView] = (),
    ) -> TurnResult:
        """Apply one inbound event; the result holds the new state and every output."""
        turn = _Turn(self, Conversation.from_state(state), inbound, now, cases)
        turn.run()
        return turn.result

    def failed_turn_reply(self, state: Mapping[str, Any] | None) -> Reply:
        """What a member is told when their message could not be processed at all (its turn
        raised and was given up on): nothing of theirs was kept, so they are asked to send it
        again, in the conversation's language. Their place in the dialogue is unchanged."""
        t = Translator(Conversation.from_state(state).lang)
        return Reply(t(TURN_FAILED))

    def menu_options(self) -> tuple[Option, ...]:
        options = [Option("inquiry", inquiry.FLOW.menu_label, inquiry.FLOW.aliases)]
        options += [
            Option(flow.type_id, flow.menu_label, flow.aliases)
            for flow in FLOWS.values()
            if flow.type_id not in ("inquiry", "human")
        ]
        options.append(Option("human", FLOWS["human"].menu_label, FLOWS["human"].aliases))
        options.append(
            Option(
                STATUS_ID, N_("受付済みのお申し出の状況を見たい"), ("受付状況", "状況", "status")
            )
        )
        return tuple(options)


class _Turn:
    """One turn's working state; collects replies and side effects."""

    def __init__(
        self,
        engine: Engine,
        conv: Conversation,
        inbound: Inbound,
        now: datetime,
        cases: Sequence[CaseView],
    ) -> None:
        self.engine = engine
        self.conv = conv
        self.inbound = inbound
        self.now = now
        self.cases = cases
        self.t = Translator(conv.lang)
        self.result = TurnResult(state={})
        self._readings: dict[str, Classification] = {}

    # ------------------------------------------------------------------ plumbing

    @property
    def org(self) -> OrgProfile:
        assert self.conv.org is not None
        return self.engine.orgs[self.conv.org]

    @property
    def flow(self) -> RequestFlow:
        assert self.conv.flow is not None
        return FLOWS[self.conv.flow]

    def ctx(self) -> Context:
        return Context(org=self.org, answers=self.conv.answers, now=self.now, t=self.t)

    def _read(self, text: str) -> Classification:
        """The classifier's reading of ``text``, computed once per turn however often asked."""
        if text not in self._readings:
            self._readings[text] = classify(text)
        return self._readings[text]

    def say(self, text: str, choices: Sequence[Option] = (), *, multiple: bool = False) -> None:
        self.result.replies.append(
            Reply(
                text=text,
                choices=tuple(Choice(o.id, self.t(o.label)) for o in choices),
                multiple=multiple,
            )
        )

    def run(self) -> None:
        self._dispatch()
        self.result.state = self.conv.to_state()

    # ------------------------------------------------------------------ entry

    def _dispatch(self) -> None:
        inbound = self.inbound
        if inbound.attachment:
            self._attachment(inbound.attachment)
            return
        if inbound.command:
            self._command(inbound.command, inbound.argument)
            return
        text: str | None = None
        if inbound.text is not None:
            cleaned = parsing.clean_text(inbound.text)
            if not cleaned.ok:
                self._explain_and_reask(cleaned)
                return
            text = cleaned.value
        elif inbound.choice is None:
            self._explain_and_reask(
                Parsed(error=N_("何も入力されていないようです。もう一度入力してください。"))
            )
            return
        self.result.inbound_display = text or self._choice_label(inbound.choice)
        if text is not None:
            action = _GLOBAL_LOOKUP.get(normalise_for_matching(text))
            if action:
                self._global(action)
                return
        if inbound.choice in (BACK, CANCEL) and self.conv.mode not in (CONFIRM_CANCEL,):
            self._global("back" if inbound.choice == BACK else "cancel")
            return
        self._handle(_Input(choice=inbound.choice, text=text))

    def _attachment(self, file: ReceivedFile) -> None:
        """Take a file where the org allows it; otherwise say how documents reach the desk.

        Either way the question the member was answering is asked again, with nothing lost.
        """
        name = attachments.safe_name(file.name)
        if name:
            label = name
        elif file.kind == "photo":
            label = self.t("写真")
        else:
            label = self.t("ファイル")
        self.result.inbound_display = self.t("（ファイル: {name}）", name=label) + (
            f"\n{file.caption}" if file.caption else ""
        )
        rule = self.org.attachments if self.conv.org else None
        if rule is None or not rule.allowed:
            if self.conv.org is None and any(
                o.attachments.allowed for o in self.engine.orgs.values()
            ):
                self.say(self.t("ファイルは、窓口を選んでから送ってください。"))
            elif file.kind in ("photo", "document"):
                self.say(
                    self.t(
                        "このチャットでは、写真や書類のファイルはお受けしていません。"
                        "委任状などの書類の送り方は、お申し出のあとに担当者からご案内します。"
                    )
                )
            else:
                self.say(self.t("このチャットでは、文字でのご入力とボタンだけをお受けしています。"))
            self._reask()
            return
        if file.kind not in ("photo", "document"):
            self.say(
                self.t(
                    "このチャットでお受けできるのは、文字、ボタン、{types}のファイルです。",
                    types=attachments.accepted_types(rule, self.t),
                )
            )
            self._reask()
            return
        verdict = attachments.check(file, rule, self.t)
        if verdict.mime is None or file.data is None:
            self.say(verdict.error or "")
            self._reask()
            return
        target = self._attachment_case()
        self.result.files.append(
            AcceptedFile(
                kind=file.kind,
                mime=verdict.mime,
                name=name,
                data=file.data,
                caption=file.caption,
                case_number=target,
            )
        )
        size = attachments.size_label(len(file.data))
        if target is not None:
            self.say(
                self.t(
                    "「{name}」（{size}）を受け取り、受付番号 {number} のお申し出に添えました。"
                    "担当者が確認します。",
                    name=label,
                    size=size,
                    number=target,
                )
            )
        elif self.conv.flow is not None:
            self.say(
                self.t(
                    "「{name}」（{size}）を受け取りました。"
                    "このお申し出と一緒に担当者へお渡しします。",
                    name=label,
                    size=size,
                )
            )
        else:
            self.say(
                self.t(
                    "「{name}」（{size}）を受け取りました。"
                    "このあとのお申し出と一緒に担当者へお渡しします。",
                    name=label,
                    size=size,
                )
            )
        self._reask()

    def _attachment_case(self) -> str | None:
        """The open case a file belongs to, or ``None`` to hold it for the request in hand."""
        if self.conv.flow is not None:
            return None
        open_cases = [c for c in self.cases if c.status not in CLOSED_STATUSES]
        return open_cases[-1].number if open_cases else None

    def _choice_label(self, choice: str | None) -> str:
        """How a pressed button reads in the transcript."""
        if choice is None:
            return ""
        for option in self._current_options():
            if option.id == choice:
                return self.t(option.label)
        return choice

    def _command(self, command: str, argument: str | None) -> None:
        self.result.inbound_display = f"/{command}" + (f" {argument}" if argument else "")
        if command == "start":
            self._start(argument)
        elif command in ("help", "status", "cancel", "back", "menu", "restart"):
            self._global(command)
        elif command == "lang":
            self._global({"en": "lang_en", "ja": "lang_ja"}.get(argument or "", "lang"))
        else:
            self._reask()

    def _start(self, argument: str | None) -> None:
        conv = self.conv
        if self.inbound.lang:
            conv.lang = normalise_language(self.inbound.lang)
            self.t = Translator(conv.lang)
        if argument in self.engine.orgs and argument != conv.org:
            conv.leave_flow()
            conv.org = argument
        if conv.org is None and len(self.engine.orgs) == 1:
            conv.org = next(iter(self.engine.orgs))
        if conv.started and conv.org and conv.mode in (FLOW, SUMMARY, EDIT_PICK, CONFIRM_CANCEL):
            self.say(self.t("前回の続きから再開します。"))
            self._reask()
            return
        conv.started = True
        if conv.org is None:
            conv.mode = PICK_ORG
            self._ask_org()
            return
        self._greet()

    def _greet(self) -> None:
        self.say(
            self.t(
                "こんにちは。{org}の個人情報の窓口です。"
                "ご自身の情報の開示・訂正・利用停止などのお申し出や、ご質問を受け付けます。"
                "24時間いつでもご利用いただけます。",
                org=self.org.short_name.get(self.t.lang),
            )
        )
        self._show_menu()

    # ------------------------------------------------------------------ global actions

    def _global(self, action: str) -> None:
        conv = self.conv
        if conv.mode == UNCLEAR and conv.resume_mode == FLOW:
            # Offered a switch mid-flow: 「戻る」「キャンセル」 act on the flow they were in.
            conv.mode, conv.resume_mode, conv.offered, conv.pending_text = FLOW, None, None, None
        if action.startswith("lang"):
            new = {"lang_en": "en", "lang_ja": "ja"}.get(action)
            conv.lang = new or ("en" if conv.lang == "ja" else "ja")
            conv.lang = normalise_language(conv.lang)
            self.t = Translator(conv.lang)
            self.say(self.t("日本語で表示します。"))
            self._reask()
            return
        if conv.org is None:
            conv.mode = PICK_ORG
            self._ask_org()
            return
        if action == "help":
            self.say(self._help_text())
            self._reask()
        elif action == "status":
            self.say(self._status_text())
            self._reask()
        elif action == "menu":
            if conv.mode in (FLOW, SUMMARY, EDIT_PICK) and conv.answers:
                self._confirm_cancel()
            else:
                conv.leave_flow()
                self._show_menu()
        elif action == "cancel":
            self._cancel()
        elif action == "restart":
            if conv.flow:
                conv.answers, conv.history, conv.editing = {}, [], None
                conv.mode = FLOW
                self.say(self.t("最初から入力し直します。"))
                self._advance()
            else:
                conv.leave_flow()
                self._show_menu()
        elif action == "back":
            self._back()

    def _help_text(self) -> str:
        return self.t(
            "番号か、選択肢の言葉を入力してください。ご自分の言葉で入力してもかまいません。\n"
            "「戻る」：ひとつ前の質問に戻ります。\n"
            "「やり直し」：この手続きを最初から入力し直します。\n"
            "「キャンセル」：この手続きをやめます。\n"
            "「状況」：受付済みのお申し出の状況を表示します。\n"
            "「English」：英語に切り替えます。"
        )

    def _status_text(self) -> str:
        if not self.cases:
            return self.t("受付済みのお申し出はありません。")
        lines = [self.t("受付済みのお申し出：")]
        for case in self.cases:
            lines.append(
                self.t(
                    "{number}　{type}　状況：{status}　回答期限の目安：{due}",
                    number=case.number,
                    type=self.t(FLOWS[case.request_type].title),
                    status=self.t(status_label(case.status)),
                    due=self.t.date(case.due_at),
                )
            )
            if case.last_staff_reply:
                lines.append(
                    self.t("　担当者からの最新のご連絡：{text}", text=case.last_staff_reply)
                )
        return "\n".join(lines)

    def _cancel(self) -> None:
        conv = self.conv
        if conv.mode == CONFIRM_CANCEL:
            self._really_cancel()
        elif conv.mode in (FLOW, SUMMARY, EDIT_PICK) and conv.answers:
            self._confirm_cancel()
        else:
            if conv.mode in (FLOW, SUMMARY, EDIT_PICK, INQUIRY, UNCLEAR):
                self.say(self.t("手続きをやめました。"))
            conv.leave_flow()
            conv.pending_text = None
            self._show_menu()

    def _confirm_cancel(self) -> None:
        self.conv.resume_mode = self.conv.mode
        self.conv.mode = CONFIRM_CANCEL
        self._reask()

    def _really_cancel(self) -> None:
        self.conv.leave_flow()
        self.say(self.t("手続きをやめました。入力された内容は送信していません。"))
        self._show_menu()

    def _back(self) -> None:
        conv = self.conv
        if conv.mode == CONFIRM_CANCEL:
            conv.mode = conv.resume_mode or MENU
            self._reask()
        elif conv.editing:
            conv.answers[conv.editing] = conv.previous
            conv.editing, conv.previous = None, None
            self._show_summary()
        elif conv.mode == EDIT_PICK:
            self._show_summary()
        elif conv.mode in (FLOW, SUMMARY) and conv.history:
            last = conv.history.pop()
            conv.previous = conv.answers.pop(last, None)
            conv.mode = FLOW
            self.say(self.t("ひとつ前の質問に戻ります。"))
            self._advance()
        else:
            conv.leave_flow()
            self._show_menu()

    # ------------------------------------------------------------------ modes

    def _handle(self, given: _Input) -> None:
        mode = self.conv.mode
        if self.conv.org is None or mode == PICK_ORG:
            self._pick_org(given)
        elif mode == FLOW:
            self._answer(given)
        elif mode == SUMMARY:
            self._summary_choice(given)
        elif mode == EDIT_PICK:
            self._edit_pick(given)
        elif mode == CONFIRM_CANCEL:
            self._confirm_cancel_choice(given)
        elif mode == INQUIRY:
            self._inquiry_choice(given)
        elif mode == UNCLEAR:
            self._unclear_choice(given)
        else:
            self._menu_choice(given)

    def _current_options(self) -> tuple[Option, ...]:
        mode = self.conv.mode
        if mode == PICK_ORG or self.conv.org is None:
            return self._org_options()
        if mode == MENU:
            return self.engine.menu_options()
        if mode == FLOW:
            step = self._next_step()
            return self._step_options(step) if step else ()
        if mode == SUMMARY:
            return _SUMMARY_OPTIONS
        if mode == EDIT_PICK:
            return self._edit_options()
        if mode == CONFIRM_CANCEL:
            return _CONFIRM_CANCEL_OPTIONS
        if mode == INQUIRY:
            return self._inquiry_options()
        if mode == UNCLEAR:
            return self._unclear_options()
        return ()

    def _reask(self) -> None:
        """Ask again whatever the member is expected to answer now."""
        mode = self.conv.mode
        if self.conv.org is None:
            self.conv.mode = PICK_ORG
            self._ask_org()
        elif mode == FLOW:
            self._advance()
        elif mode == SUMMARY:
            self._show_summary()
        elif mode == EDIT_PICK:
            self._ask_edit()
        elif mode == CONFIRM_CANCEL:
            self.say(
                self.t("入力中の内容は、まだ送信していません。この手続きをやめますか。"),
                _CONFIRM_CANCEL_OPTIONS,
            )
        elif mode == INQUIRY:
            self._ask_inquiry_topic()
        elif mode == UNCLEAR:
            self._ask_unclear()
        else:
            self._show_menu()

    def _explain_and_reask(self, problem: Parsed[Any]) -> None:
        self.say(self.t(problem.error or ""))
        self._reask()

    # ------------------------------------------------------------------ org and menu

    def _org_options(self) -> tuple[Option, ...]:
        return tuple(
            Option(org.id, org.short_name.ja, (org.short_name.en, org.name.ja, org.id))
            for org in self.engine.orgs.values()
        )

    def _ask_org(self) -> None:
        self.say(self.t("ご利用の生協を選んでください。"), self._org_options())

    def _pick_org(self, given: _Input) -> None:
        option = _resolve(given, self._org_options(), self.t)
        request: str | None = None
        if option is None and given.text:
            named = orgs_mentioned(given.text, list(self.engine.orgs.values()))
            says_what = self._read(given.text).intent != "unknown"
            if len(named) == 1:
                # 「コープデリのDMを止めたい」 names the org and may say what they want.
                option = next(o for o in self._org_options() if o.id == named[0])
                request = given.text if says_what else None
            elif says_what:
                # Keep what they asked for; it is answered as soon as we know the org.
                self.conv.pending_text = given.text
                self.say(
                    self.t("ありがとうございます。ご用件は、生協を選んだあとに続けて伺います。")
                )
                self._ask_org()
                return
        if option is None:
            self.say(self.t("一覧から番号で選んでください。"))
            self._ask_org()
            return
        self.conv.org = option.id
        self.conv.mode = MENU
        self.conv.started = True
        request = self.conv.pending_text or request
        self.conv.pending_text = None
        if request is None:
            self._greet()
            return
        self.say(self.t("{org}の個人情報の窓口です。", org=self.org.short_name.get(self.t.lang)))
        self._understand(request)

    def _show_menu(self, *, pending: str | None = None) -> None:
        """The menu; ``pending`` is the member's message the choice will be read with."""
        self.conv.mode = MENU
        self.conv.offered = None
        self.conv.pending_text = pending
        self.say(self.t("ご用件を選んでください。"), self.engine.menu_options())

    def _menu_choice(self, given: _Input) -> None:
        option = _resolve(given, self.engine.menu_options(), self.t)
        pending, self.conv.pending_text = self.conv.pending_text, None
        if option is not None:
            self._start_option(option.id, pending)
        elif given.text:
            self._understand(given.text)
        else:
            self._not_understood(None)

    # ------------------------------------------------------------------ free text

    def _understand(self, text: str) -> None:
        """Act on a free-text message: follow it when sure, offer choices when not."""
        reading = self._read(text)
        if self.conv.lang == "ja" and _looks_english(text):
            # Said once, in English whatever the conversation's language, so it can be read.
            self.say(Translator("en")(N_("英語で表示するには「English」と入力してください。")))
        if reading.deceased:
            # Not personal information under the Act, but never refused: a person takes it.
            self.say(self.t("亡くなった方の情報についてのご相談は、担当者がお受けします。"))
            self._start_flow("human", {"about": "deceased", "message": text})
            return
        if self._follow_up(reading):
            return
        if reading.sure:
            self._follow(reading)
            return
        if reading.agent:
            # 「母の代わりに申し込みたい」: we know who, not what. The whole menu rather than
            # a guess, and their choice starts with the agent part filled in.
            self.say(self.t("ご家族などの代わりのお申し出ですね。どの手続きをご希望ですか。"))
            self._show_menu(pending=text)
            return
        # 「担当者と話す」 is always offered, so "human" is not listed twice.
        candidates = [
            label for label in reading.candidates() if label in _OFFERABLE and label != "human"
        ]
        if candidates:
            self._offer_candidates(text, candidates)
        elif reading.intent == "unknown" and _OFF_TOPIC_CONCEPTS & reading.concepts:
            self._off_topic(text)
        else:
            self._not_understood(text)

    def _relay(self, number: str, text: str) -> None:
        """Staff are talking with the member: pass their words on to the case, and say so."""
        self.result.case_messages.append(CaseMessage(case_number=number, text=text))
        self.say(
            self.t(
                "受付番号 {number} の担当者にお伝えしました。"
                "担当者からのお返事も、このチャットに届きます。"
                "新しいお申し出は「メニュー」と入力してください。",
                number=number,
            )
        )
        self.conv.mode = MENU

    def _follow_up(self, reading: Classification) -> bool:
        """While the member has a case, their words are for its staff (``flows.followups``):
        relayed with the case named, a timing question answered with its status, a complaint
        flagged to supervisors too. True if the message was handled here."""
        if reading.sure and reading.intent in _NEW_REQUEST:
            return False
        days = self.org.retention.followup_days
        found = followups.target(self.cases, self.now, days, reading.case_number)
        if found is None:
            return self._closed_long_ago(reading)
        number, complaint = found.case.number, followups.is_complaint(reading)
        if complaint or found.closed:
            self.result.case_messages.append(CaseMessage(number, reading.text, complaint))
        if complaint:
            self.say(
                self.t(
                    "ご不便とご心配をおかけして申し訳ありません。"
                    "受付番号 {number} の担当者と責任者にお伝えしました。"
                    "担当者からのお返事は、このチャットに届きます。",
                    number=number,
                )
            )
        elif found.closed:
            self.say(
                self.t(
                    "受付番号 {number} のお申し出は完了していますが、"
                    "このご連絡は担当者にお伝えしました。"
                    "担当者からのお返事は、このチャットに届きます。",
                    number=number,
                )
            )
        else:
            self._relay(number, reading.text)
        if followups.asks_about_timing(reading):
            self.say(self.t("いまの状況です。") + "\n" + followups.case_status(found.case, self.t))
        if found.others:
            self.say(
                self.t(
                    "ほかにも受付中のお申し出があります（{numbers}）。"
                    "別の件についてでしたら、その受付番号を添えてお送りください。",
                    numbers="、".join(found.others),
                )
            )
        self.conv.mode = MENU
        return True

    def _closed_long_ago(self, reading: Classification) -> bool:
        """A message that reads as being about the member's case, closed longer ago than the
        follow-up period: they are told so and offered a new request or a person."""
        case = followups.expired_case(self.cases)
        if case is None or case.closed_at is None or _SMALL_TALK_CONCEPTS & reading.concepts:
            return False
        if reading.sure and reading.intent not in ("unknown", "status", "human"):
            return False
        self._offer(
            reading.text,
            self.t(
                "受付番号 {number} のお申し出は、{date}に完了しています。"
                "新しいお申し出として承るか、このままの内容で担当者にお伝えすることができます。",
                number=case.number,
                date=self.t.date(case.closed_at),
            ),
            [FORWARD, MENU_CHOICE],
        )
        return True

    def _follow(self, reading: Classification) -> None:
        intent, text = reading.intent, reading.text
        if intent in _REQUEST_IDS:
            self._start_flow(intent, prefill(FLOWS[intent], reading), explain=True)
        elif intent == "inquiry":
            self._inquiry_question(text)
        elif intent == "human":
            self._start_flow("human", prefill(FLOWS["human"], reading), explain=True)
        elif intent == "status":
            self.say(self._status_text())
            self._show_menu()
        elif intent == "cancel":
            self._cancel_from_menu(text)
        elif _OFF_TOPIC_CONCEPTS & reading.concepts:
            self._off_topic(text)
        elif _SMALL_TALK_CONCEPTS & reading.concepts:
            self.say(self.t("ご用件を選ぶか、そのまま文章で入力してください。"))
            self._show_menu()
        else:
            self._not_understood(text)

    def _offer(self, text: str | None, prompt: str, option_ids: Sequence[str]) -> None:
        """Ask which of a few options the member meant, keeping their words for later."""
        self.conv.pending_text = text
        self.conv.mode = UNCLEAR
        self.conv.offered = list(option_ids)
        self.say(prompt, self._unclear_options())

    def _offer_candidates(self, text: str, candidates: Sequence[str]) -> None:
        self._offer(
            text,
            self.t("次のどれにあたりますか。"),
            [*candidates, FORWARD, MENU_CHOICE],
        )

    def _not_understood(self, text: str | None) -> None:
        open_cases = [c.number for c in self.cases if c.status not in CLOSED_STATUSES][:3]
        self.say(self.t("すみません、ご用件をうまく読み取れませんでした。"))
        self._offer(
            text,
            self.t(
                "メニューから選ぶか、このままの内容で担当者にお伝えすることもできます。"
                "どちらにしますか。"
            ),
            [FORWARD, *(f"case:{n}" for n in open_cases), MENU_CHOICE],
        )

    def _off_topic(self, text: str) -> None:
        org = self.org
        self.say(
            "\n".join(
                [
                    self.t(
                        "この窓口では、個人情報についてのお申し出とご質問を受け付けています。"
                        "ご注文・お届け・お支払い・共済金などのご用件は、"
                        "{org}のふだんの窓口におたずねください。",
                        org=org.short_name.get(self.t.lang),
                    ),
                    inquiry.contact_text(org, self.t),
                ]
            )
        )
        self._offer(
            text,
            self.t("個人情報のことでしたら、担当者にお伝えすることもできます。"),
            [FORWARD, MENU_CHOICE],
        )

    def _cancel_from_menu(self, text: str) -> None:
        open_cases = [c.number for c in self.cases if c.status not in CLOSED_STATUSES][:3]
        if not open_cases:
            self.say(self.t("いま手続き中のものはありません。"))
            self._show_menu()
            return
        self._offer(
            text,
            self.t(
                "受付済みのお申し出を取り下げる場合は、その件を選んでください。"
                "担当者にお伝えします。"
            ),
            [*(f"case:{n}" for n in open_cases), MENU_CHOICE],
        )

    def _interrupts(self, step: Step, text: str, *, taken: bool = False) -> bool:
        """Mid-flow: act on an unmistakable 'stop', 'how is my request', 'a person', or a
        different request typed where a choice was expected. Answers are never taken for one:
        once the step's parser has ``taken`` the text, only a plain 'stop' interrupts."""
        reading = self._read(text)
        if not reading.concepts:
            return False
        strong = reading.confidence >= _INTERRUPT_CONFIDENCE
        if reading.intent == "cancel" and strong:
            self._cancel()
            return True
        if step.kind == "text" or taken:
            return False
        if step.free_text and reading.confidence < _SWITCH_FROM_FREE_TEXT_CONFIDENCE:
            return False
        if reading.intent == "status" and strong:
            self.say(self._status_text())
            self._reask()
            return True
        switchable = reading.intent in _REQUEST_IDS or reading.intent == "human"
        if reading.sure and switchable and reading.intent != self.conv.flow:
            self._offer_switch(text, reading.intent)
            return True
        return False

    def _offer_switch(self, text: str, target: str) -> None:
        self.conv.resume_mode = FLOW
        self._offer(
            text,
            self.t(
                "「{title}」のお手続きに切り替えますか。お名前など、入力済みの内容は引き継ぎます。",
                title=self.t(FLOWS[target].title),
            ),
            [SWITCH + target, CONTINUE],
        )

    # ------------------------------------------------------------------ unclear input

    def _option(self, option_id: str) -> Option:
        if option_id == FORWARD:
            return Option(FORWARD, N_("担当者と話す"), ("担当者", "伝える", "はい"))
        if option_id == MENU_CHOICE:
            return Option(MENU_CHOICE, N_("メニューから選ぶ"), ("メニュー", "いいえ"))
        if option_id == CONTINUE:
            return Option(CONTINUE, N_("いまの手続きを続ける"), ("続ける", "いいえ", "no"))
        if option_id.startswith(SWITCH):
            title = self.t(FLOWS[option_id.removeprefix(SWITCH)].title)
            return Option(option_id, self.t("「{title}」に切り替える", title=title), ("はい",))
        if option_id.startswith("case:"):
            number = option_id.removeprefix("case:")
            return Option(option_id, self.t("受付番号{number}の件として伝える", number=number))
        return next(o for o in self.engine.menu_options() if o.id == option_id)

    def _unclear_options(self) -> tuple[Option, ...]:
        offered = self.conv.offered or [FORWARD, MENU_CHOICE]
        return tuple(self._option(option_id) for option_id in offered)

    def _ask_unclear(self) -> None:
        self.say(self.t("次から選んでください。"), self._unclear_options())

    def _unclear_choice(self, given: _Input) -> None:
        option = _resolve(given, self._unclear_options(), self.t)
        pending = self.conv.pending_text or ""
        if option is None:
            if self.conv.resume_mode == FLOW:
                self.say(self.t("次から選んでください。"), self._unclear_options())
                return
            self.conv.mode = MENU
            self._menu_choice(given)
            return
        self.conv.pending_text = None
        self.conv.offered = None
        if option.id == CONTINUE:
            self.conv.mode, self.conv.resume_mode = FLOW, None
            self.say(self.t("続けます。"))
            self._retry_as_answer(pending)
        elif option.id.startswith(SWITCH):
            target = FLOWS[option.id.removeprefix(SWITCH)]
            answers = carried_over(self.conv.answers, target)
            self._start_flow(
                target.type_id, answers | prefill(target, self._read(pending)), explain=True
            )
        elif option.id == FORWARD:
            # From mid-flow (a question typed at a step), what was entered goes along.
            kept = carried_over(self.conv.answers, FLOWS["human"]) if self.conv.flow else {}
            about = {"about": "other", "message": pending} if pending else {}
            self._start_flow("human", kept | about)
        elif option.id.startswith("case:"):
            number = option.id.removeprefix("case:")
            self.result.case_messages.append(CaseMessage(case_number=number, text=pending))
            self.say(self.t("受付番号{number}の担当者にお伝えしました。", number=number))
            self._show_menu()
        elif option.id == MENU_CHOICE:
            self.conv.leave_flow()
            self._show_menu()
        else:
            self._start_option(option.id, pending)

    def _retry_as_answer(self, pending: str) -> None:
        """After 「続ける」, what the member typed is tried as the answer, so it never vanishes:
        stored if the step's parser takes it, otherwise its problem is explained."""
        step = self._next_step()
        if not pending or step is None or step.kind in ("choice", "multi"):
            self._reask()
            return
        parsed = self._parse(step, _Input(choice=None, text=pending))
        if parsed.ok:
            self._take(step, parsed)
        elif parsed.error == parsing.ERR_QUESTION:
            self._reask()  # already explained when the question was typed
        else:
            self._explain_and_reask(parsed)

    def _start_option(self, option_id: str, text: str | None = None) -> None:
        if option_id == STATUS_ID:
            self.say(self._status_text())
            self._show_menu()
        elif option_id == "inquiry":
            if text:
                self._inquiry_question(text)
            else:
                self.conv.mode = INQUIRY
                self._ask_inquiry_topic()
        elif text:
            self._start_flow(option_id, prefill(FLOWS[option_id], self._read(text)), explain=True)
        else:
            self._start_flow(option_id, {})

    # ------------------------------------------------------------------ inquiry

    def _inquiry_options(self) -> tuple[Option, ...]:
        return (
            *inquiry.TOPICS,
            inquiry.ASK_A_PERSON,
            Option(MENU_CHOICE, N_("メニューに戻る"), ("メニュー", "戻る")),
        )

    def _ask_inquiry_topic(self) -> None:
        self.say(self.t("知りたいことを選んでください。"), self._inquiry_options())

    def _inquiry_question(self, text: str) -> None:
        """A general question: answer it from the profile if we can tell which, else ask."""
        self.conv.mode = INQUIRY
        topics = _options_mentioned(text, inquiry.TOPICS)
        if len(topics) == 1:
            self.say(inquiry.answer(topics[0].id, self.org, self.t))
            self.say(self.t("ほかに知りたいことはありますか。"), self._inquiry_options())
            return
        self.conv.pending_text = text
        self.say(
            self.t("近いものを選んでください。どれにもあたらなければ、担当者がお答えします。"),
            self._inquiry_options(),
        )

    def _inquiry_choice(self, given: _Input) -> None:
        option = _resolve(given, self._inquiry_options(), self.t)
        pending, self.conv.pending_text = self.conv.pending_text, None
        if option is None and given.text:
            reading = self._read(given.text)
            # A question stays a question unless it is plainly another request.
            if reading.sure and reading.intent in _REQUEST_IDS - {"inquiry"}:
                self._follow(reading)
                return
            topics = _options_mentioned(given.text, inquiry.TOPICS)
            option = topics[0] if len(topics) == 1 else None
        if option is None:
            # A question the profile cannot answer goes to a person, with their words.
            self._start_flow("inquiry", {"question": given.text} if given.text else {})
            return
        if option.id == MENU_CHOICE:
            self._show_menu()
        elif option.id == inquiry.ASK_A_PERSON.id:
            self._start_flow("inquiry", {"question": pending} if pending else {})
        else:
            self.say(inquiry.answer(option.id, self.org, self.t))
            self.say(self.t("ほかに知りたいことはありますか。"), self._inquiry_options())

    # ------------------------------------------------------------------ request flows

    def _start_flow(self, flow_id: str, prefill: dict[str, Any], *, explain: bool = False) -> None:
        conv = self.conv
        conv.leave_flow()
        conv.flow = flow_id
        conv.mode = FLOW
        conv.answers = dict(prefill)
        self.say(
            self.t(self.flow.intro)
            + "\n"
            + self.t("途中で「戻る」「やり直し」「キャンセル」と入力できます。")
        )
        if explain and conv.answers:
            self._explain_prefill()
        self._advance()

    def _explain_prefill(self) -> None:
        """Say what we took from the member's message, so nothing is assumed silently."""
        ctx = self.ctx()
        given = [step for step in self.flow.steps if step.id in self.conv.answers]
        lines = [self.t("いただいたメッセージから、次のように入力しました。確認画面で直せます。")]
        lines += [
            f"・{self.t(step.label)}：{step.display(self.conv.answers[step.id], ctx)}"
            for step in given
        ]
        for step in given:
            if step.after:
                lines += step.after(ctx)
        self.say("\n".join(lines))

    def _next_step(self) -> Step | None:
        ctx = self.ctx()
        for step in self.flow.steps:
            if step.id not in self.conv.answers and step.applies(ctx):
                return step
        return None

    def _step_options(self, step: Step) -> tuple[Option, ...]:
        options = list(step.option_list(self.ctx()))
        if step.optional:
            options.append(Option(SKIP, step.skip_label, ("わからない", "なし", "skip", "none")))
        options += [_BACK_OPTION, _CANCEL_OPTION]
        return tuple(options)

    def _advance(self) -> None:
        """Ask the next unanswered question, or show the summary when all are answered."""
        step = self._next_step()
        if step is None:
            self.conv.editing = None
            if self.flow.confirm:
                self._show_summary()
            else:
                self._submit()
            return
        self.conv.mode = FLOW
        ctx = self.ctx()
        lines = step.info(ctx) if step.info else []
        lines.append(self.t(step.prompt))
        if self.conv.editing == step.id and self.conv.previous not in (None, SKIPPED):
            lines.append(self.t("いまの内容：{value}", value=step.display(self.conv.previous, ctx)))
        self.say("\n".join(lines), self._step_options(step), multiple=step.kind == "multi")

    def _answer(self, given: _Input) -> None:
        step = self._next_step()
        if step is None:
            self._advance()
            return
        typed_not_chosen = given.text is not None and given.choice is None
        parsed = self._parse(step, given)
        # A value the step's own parser accepts is the answer (「電話は03-…です」, an
        # address with 訂正 in it); only refused text may start something else.
        takes_value = step.kind not in ("choice", "multi")
        if (
            typed_not_chosen
            and _resolve(given, self._step_options(step), self.t) is None
            and self._interrupts(step, given.text or "", taken=takes_value and parsed.ok)
        ):
            return
        if parsed.error == parsing.ERR_QUESTION and takes_value and given.text:
            self.say(self.t(parsed.error))
            self.conv.resume_mode = FLOW
            self._offer(
                given.text, self.t("このご質問を担当者にお伝えしますか。"), [FORWARD, CONTINUE]
            )
            return
        if not parsed.ok:
            self._explain_and_reask(parsed)
            return
        self._take(step, parsed)

    def _take(self, step: Step, parsed: Parsed[Any]) -> None:
        conv = self.conv
        conv.answers[step.id] = parsed.value
        if step.id not in conv.history:
            conv.history.append(step.id)
        if conv.editing == step.id:
            conv.editing, conv.previous = None, None
        if step.after:
            for line in step.after(self.ctx()):
                self.say(line)
        self._advance()

    def _parse(self, step: Step, given: _Input) -> Parsed[Any]:
        options = self._step_options(step)
        option = _resolve(given, options, self.t)
        if option is not None and option.id == SKIP:
            return Parsed(value=SKIPPED)
        if step.kind == "choice":
            if option is not None:
                return Parsed(value=option.id)
            if step.free_text and given.text:
                return parsing.parse_free_text(given.text)
            return Parsed(error=N_("選択肢の番号か言葉で答えてください。"))
        if step.kind == "multi":
            return self._parse_multi(given, options)
        if given.text is None:
            return Parsed(error=N_("文字で入力してください。"))
        parsed: Parsed[Any] = _PARSERS[step.kind](given.text, self.now.date())
        return parsed

    def _parse_multi(self, given: _Input, options: Sequence[Option]) -> Parsed[Any]:
        real = [o for o in options if not o.id.startswith("_")]
        if given.choice:
            single = _resolve(given, real, self.t)
            return Parsed(value=[single.id]) if single else Parsed(error=_MULTI_ERROR)
        text = parsing.normalise_for_matching(given.text or "")
        if _NUMBER_LIST.match(text):
            picked: list[str] = []
            for number in re.findall(r"[0-9]+", text):
                index = int(number) - 1
                if not 0 <= index < len(real):
                    return Parsed(error=_MULTI_ERROR)
                if real[index].id not in picked:
                    picked.append(real[index].id)
            return Parsed(value=picked)
        parts = [p for p in re.split(r"[,、，・/と\s]+", given.text or "") if p]
        picked = []
        for part in parts:
            option = _resolve(_Input(choice=None, text=part), real, self.t)
            if option is None:
                found = _options_mentioned(part, real)
                option = found[0] if len(found) == 1 else None
            if option is None:
                return Parsed(error=_MULTI_ERROR)
            if option.id not in picked:
                picked.append(option.id)
        return Parsed(value=picked) if picked else Parsed(error=_MULTI_ERROR)

    # ------------------------------------------------------------------ summary and edit

    def _summary_steps(self) -> list[Step]:
        ctx = self.ctx()
        return [s for s in self.flow.steps if s.id in self.conv.answers and s.applies(ctx)]

    def _summary_lines(self, t: Translator) -> list[tuple[str, str]]:
        ctx = Context(org=self.org, answers=self.conv.answers, now=self.now, t=t)
        return [
            (t(step.label), step.display(self.conv.answers[step.id], ctx))
            for step in self._summary_steps()
        ]

    def _show_summary(self) -> None:
        self.conv.mode = SUMMARY
        lines = [
            self.t("入力内容をご確認ください。"),
            self.t("お申し出：{title}", title=self.t(self.flow.title)),
        ]
        lines += [
            f"{i}. {label}：{value}"
            for i, (label, value) in enumerate(self._summary_lines(self.t), 1)
        ]
        lines.append(
            self.t(
                "よろしければ「送信する」を選んでください。直したいところがあれば「修正する」を選んでください。"
            )
        )
        self.say("\n".join(lines), _SUMMARY_OPTIONS)

    def _summary_choice(self, given: _Input) -> None:
        option = _resolve(given, _SUMMARY_OPTIONS, self.t)
        if option is None:
            self.say(self.t("「送信する」「修正する」「やめる」から選んでください。"))
            self._show_summary()
        elif option.id == SUBMIT:
            self._submit()
        elif option.id == EDIT:
            self._ask_edit()
        else:
            self._cancel()

    def _edit_options(self) -> tuple[Option, ...]:
        return (
            *(Option(step.id, step.label) for step in self._summary_steps()),
            Option(BACK, N_("確認画面に戻る"), ("戻る", "back")),
        )

    def _ask_edit(self) -> None:
        self.conv.mode = EDIT_PICK
        self.say(self.t("修正する項目を選んでください。"), self._edit_options())

    def _edit_pick(self, given: _Input) -> None:
        option = _resolve(given, self._edit_options(), self.t)
        if option is None:
            self.say(self.t("修正する項目を番号で選んでください。"))
            self._ask_edit()
            return
        if option.id == BACK:
            self._show_summary()
            return
        conv = self.conv
        conv.editing = option.id
        conv.previous = conv.answers.pop(option.id)
        self._advance()

    def _confirm_cancel_choice(self, given: _Input) -> None:
        option = _resolve(given, _CONFIRM_CANCEL_OPTIONS, self.t)
        if option is not None and option.id == YES:
            self._really_cancel()
        elif option is not None:
            self.conv.mode = self.conv.resume_mode or FLOW
            self.say(self.t("続けます。"))
            self._reask()
        else:
            self._reask()

    # ------------------------------------------------------------------ submitting

    def _submit(self) -> None:
        flow, org, conv = self.flow, self.org, self.conv
        ctx = self.ctx()
        fields = {step.id: conv.answers[step.id] for step in self._summary_steps()}
        received = self.now
        due = received + timedelta(days=org.deadlines.days_for(flow.type_id))
        flags = []
        if fields.get("about") == "deceased" or fields.get("requester") == "deceased":
            flags.append("deceased")
        self.result.new_case = CaseDraft(
            org_id=org.id,
            queue=org.queue.id,
            request_type=flow.type_id,
            requester=str(fields.get("requester", "self" if "name" in fields else "unknown")),
            fields=fields,
            summary=self._summary_lines(Translator("ja")),
            received_at=received,
            due_at=due,
            lang=conv.lang,
            flags=tuple(flags),
        )
        if flow.consents:
            self.result.consents.extend(flow.consents(ctx))
        self._receipt(flow, ctx, due)
        conv.leave_flow()
        self._show_menu()

    def _receipt(self, flow: RequestFlow, ctx: Context, due: datetime) -> None:
        t, org = self.t, self.org
        lines = [
            t("お申し出を受け付けました。"),
            t("受付番号：{number}", number="{case_number}"),
            t(
                "担当（{queue}）が内容を確認し、ご登録の電話番号へのお電話などで"
                "ご本人確認をしてから手続きを進めます。",
                queue=org.queue.name.get(t.lang),
            ),
            t("回答の目安：{due}までにご連絡します。", due=t.date(due)),
        ]
        if org.fees.applies(flow.type_id):
            lines.append(
                t(
                    "この手続きには、実費相当分の手数料をいただく場合があります。金額は担当者からご案内します。"
                )
            )
        if flow.closing:
            lines += flow.closing(ctx)
        lines.append(t("状況は「状況」と入力するといつでも確認できます。"))
        self.result.replies.append(Reply(text="\n".join(lines), has_case_number=True))


# ---------------------------------------------------------------------- helpers

_MULTI_ERROR = N_("番号を「1,3」のように区切って入力するか、選択肢の言葉で答えてください。")
_BACK_OPTION = Option(BACK, N_("戻る"), ("back",))
_CANCEL_OPTION = Option(CANCEL, N_("やめる"), ("cancel",))
_SUMMARY_OPTIONS = (
    Option(SUBMIT, N_("送信する"), ("送信", "はい", "ok", "send", "submit", "yes")),
    Option(EDIT, N_("修正する"), ("修正", "直す", "訂正", "edit", "change")),
    Option(CANCEL, N_("やめる"), ("中止", "cancel")),
)
_CONFIRM_CANCEL_OPTIONS = (
    Option(YES, N_("はい、やめます"), ("はい", "yes", "やめる")),
    Option(NO, N_("いいえ、続けます"), ("いいえ", "no", "続ける", "続けます")),
)


def _resolve(given: _Input, options: Sequence[Option], t: Translator) -> Option | None:
    """Match a pressed button, a number, a label or an alias to one option."""
    if given.choice is not None:
        return next((o for o in options if o.id == given.choice), None)
    if not given.text:
        return None
    typed = normalise_for_matching(given.text)
    if typed.isdigit():
        index = int(typed) - 1
        return options[index] if 0 <= index < len(options) else None
    for option in options:
        names = {t(option.label), option.label, *option.aliases}
        if typed in {normalise_for_matching(n) for n in names}:
            return option
    return None


def _options_mentioned(text: str, options: Sequence[Option]) -> list[Option]:
    """Options whose aliases occur in free text, e.g. 「メール」 in 「メールと電話」."""
    typed = normalise_for_matching(text)
    found = []
    for option in options:
        words = [normalise_for_matching(w) for w in option.aliases]
        if any(w and w in typed for w in words):
            found.append(option)
    return found


_ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
# Common English words of two letters or more (the pattern above skips "I" and "a").
_ENGLISH_HINTS = frozenset(
    {"my", "me", "you", "your", "please", "want", "to", "the", "data", "information"}
    | {"stop", "delete", "send", "can", "do", "is", "what", "how", "who"}
)


def _looks_english(text: str) -> bool:
    """A sentence in English (not romaji, not a lone word like 「DM」)."""
    words = [w.lower() for w in _ENGLISH_WORD.findall(text)]
    return len(words) >= 3 and text.isascii() and bool(_ENGLISH_HINTS & set(words))


def _date_parser(parser: Any) -> Any:
    def parse(text: str, today: date) -> Parsed[Any]:
        result: Parsed[date] = parser(text, today=today)
        return Parsed(value=result.value.isoformat()) if result.ok and result.value else result

    return parse


_PARSERS: dict[str, Any] = {
    "text": lambda text, today: parsing.parse_free_text(text),
    "name": lambda text, today: parsing.parse_name(text),
    "kana": lambda text, today: parsing.parse_kana(text),
    "phone": lambda text, today: parsing.parse_phone(text),
    "member_number": lambda text, today: parsing.parse_member_number(text),
    "postal_code": lambda text, today: parsing.parse_postal_code(text),
    "email": lambda text, today: parsing.parse_email(text),
    "address": lambda text, today: parsing.parse_address(text),
    "birth_date": _date_parser(parsing.parse_birth_date),
    "date": _date_parser(parsing.parse_date),
}
