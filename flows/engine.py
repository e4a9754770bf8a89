"""The dialogue engine: (stored state, inbound event, clock) -> (new state, outputs).

A turn does no I/O. Storage loads the state, calls ``Engine.turn`` and writes the result in
one transaction, which is what makes restarts, redelivered updates and tests simple.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from flows import (
    asker,
    asking,
    attachments,
    bereavement,
    case_view,
    followups,
    org_cases,
    parsing,
    published,
    reuse,
    understanding,
    wording,
)
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
    Withdrawal,
)
from flows.notices import notice_lines
from flows.org_names import OrgMention, read_org_names
from flows.parsing import Parsed, normalise_for_matching
from flows.profiles import OrgProfile
from flows.registry import FLOWS, REQUEST_FLOWS
from flows.requests import inquiry
from flows.status import CLOSED_STATUSES
from flows.steps import SKIPPED, Context, Option, Step
from flows.understanding import carried_over, prefill

# Conversation modes
PICK_ORG = "pick_org"
MENU = "menu"
FLOW = "flow"
SUMMARY = "summary"
EDIT_PICK = "edit_pick"
CONFIRM_CANCEL = "confirm_cancel"
CONFIRM_RESTART = "confirm_restart"
CONFIRM_ORG_SWITCH = "confirm_org_switch"
INQUIRY = "inquiry"
UNCLEAR = "unclear"
CONFIRM_WITHDRAW = "confirm_withdraw"
REUSE = "reuse"  # offered the identity answers of the member's earlier request
REUSE_FIX = "reuse_fix"  # picking which of those answers to change
RESUME = "resume"  # back at a half-filled form: continue or start again

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
TAKE_AS_ANSWER = "_as_answer"
SWITCH = "switch:"
RESTART = "_restart"
VIEW = "view:"
WITHDRAW = "withdraw:"
CALL_ME = "call:"

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
_HIRAGANA = re.compile(r"[\u3041-\u309f]")
EDITED_MESSAGE = N_(
    "送信したあとで編集されたメッセージは、お手続きに使うことができません。"
    "お手数ですが、直した内容を新しいメッセージとして、もう一度お送りください。"
)
_NUMBER_LIST = re.compile(r"^[0-9]+(?:[\s,、，・/と]+[0-9]+)*$")
# A member who comes back to a half-filled form after this long is told which request it is
# and what is already entered, and asked whether to go on or start again.
RESUME_AFTER = timedelta(hours=12)
# What staff read on the case when a member with an overdue case asks to be contacted.
CALL_ME_NOTE = "（回答の目安を過ぎているため、会員が担当者からの連絡を希望しています）"
# Cases listed to pick from in the status list; older ones are found by their number.
_CASES_SHOWN = 5


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
    lang_chosen: bool = False  # the member picked the language; the device's no longer counts
    japanese_offered: bool = False  # the hint to go back to Japanese was given while in English
    org_switch: str | None = None  # the org a /start asked for, while confirming the switch
    withdrawing: str | None = None  # the case number the member is asked to confirm withdrawing
    reuse_offered: list[str] = field(default_factory=list)  # groups offered in this request
    reuse: dict[str, Any] | None = None  # the offer on the table: case number and answers
    last_turn_at: str | None = None  # ISO time of the member's last turn
    # While the resume prompt is shown: the pending question (mode, resume_mode) and the
    # text the member came back with.
    paused: list[str | None] | None = None

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
        self.org_switch = None
        self.withdrawing = None
        self.reuse_offered = []
        self.reuse = None
        self.paused = None


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
        # Only the cases of the co-op the chat is with at the moment (issue 16, orgscope).
        self.cases = org_cases.OrgCases(cases, lambda: self.conv.org)
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
        self.conv.last_turn_at = self.now.isoformat()
        self.result.state = self.conv.to_state()

    # ------------------------------------------------------------------ entry

    def _dispatch(self) -> None:
        inbound = self.inbound
        if inbound.edited:
            self._edited(inbound.text or "")
            return
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
            # 「やり直す」 answering 「続ける／やり直す」 is that choice, not the global word.
            offered = self.conv.mode == RESUME and _resolve(
                _Input(choice=None, text=text), _RESUME_OPTIONS, self.t
            )
            if action and not offered:
                self._global(action)
                return
        if inbound.choice in (BACK, CANCEL) and self.conv.mode not in _CONFIRMING:
            self._global("back" if inbound.choice == BACK else "cancel")
            return
        if text is not None:
            self._offer_japanese(text)
        if self._away_from_form():
            self._offer_resume(text)
            return
        self._handle(_Input(choice=inbound.choice, text=text))

    def _offer_japanese(self, text: str) -> None:
        """A member who chose English and writes Japanese sentences is told once, in Japanese,
        how to switch back (the twin of the English hint). Not where Japanese is the value
        asked for: a name, its kana, an address."""
        conv = self.conv
        if conv.lang == "ja" or conv.japanese_offered or not _HIRAGANA.search(text):
            return
        if conv.mode == FLOW and conv.flow:
            step = self._next_step()
            if step is not None and step.kind in ("name", "kana", "address"):
                return
        conv.japanese_offered = True
        self.say(Translator("ja")(N_("日本語で表示するには「日本語」と入力してください。")))

    def _edited(self, text: str) -> None:
        """A message the member changed after sending. Mid-request an edit of an earlier
        answer would be taken as the answer to the question asked now, so it is never used:
        its words are kept in the transcript, the member is asked to send them again, and
        the question they are at is asked again."""
        self.result.inbound_display = self.t("（送信後に編集されたメッセージ）") + (
            f"\n{text}" if text else ""
        )
        self._explain_and_reask(Parsed(error=EDITED_MESSAGE))

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
        if self.inbound.lang and not conv.lang_chosen:
            # The device's language until the member picks one; their pick then stays.
            conv.lang = normalise_language(self.inbound.lang)
            self.t = Translator(conv.lang)
        if argument in self.engine.orgs and argument != conv.org:
            if conv.org and conv.flow and conv.answers:
                if conv.mode not in _ENTERING:  # another question pending (やめますか…)
                    conv.mode = conv.resume_mode if conv.resume_mode in _ENTERING else FLOW
                    conv.offered, conv.pending_text = None, None
                self._confirm_org_switch(argument)
                return
            conv.leave_flow()
            conv.org = argument
        if conv.org is None and len(self.engine.orgs) == 1:
            conv.org = next(iter(self.engine.orgs))
        if conv.started and conv.org and self._half_filled():
            # Each terminal chat sends /start: only a long absence needs 続ける／やり直す.
            if self._away_from_form():
                self._offer_resume(None)
                return
            self.say(self.t("前回の続きから再開します。"))
            self._reask()
            return
        if conv.started and conv.org and conv.mode in (*_ENTERING, *_CONFIRMING, RESUME):
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
                "ご自身の情報の開示（内容をお知らせすること）、訂正、"
                "利用停止（使うのをやめること）などのご請求や、ご質問を受け付けます。"
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
        self._leave_self_service_question()
        if action.startswith("lang"):
            new = {"lang_en": "en", "lang_ja": "ja"}.get(action)
            conv.lang = new or ("en" if conv.lang == "ja" else "ja")
            conv.lang = normalise_language(conv.lang)
            conv.lang_chosen, conv.japanese_offered = True, False
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
        elif action == "status" and conv.mode in (MENU, UNCLEAR, INQUIRY):
            self._show_status(None)
        elif action == "status":
            self.say(self._status_text())
            self._reask()
        elif action == "menu":
            if conv.mode in (CONFIRM_RESTART, CONFIRM_ORG_SWITCH):
                conv.mode, conv.org_switch = conv.resume_mode or FLOW, None
            if conv.mode in (FLOW, SUMMARY, EDIT_PICK) and conv.answers:
                self._confirm_cancel()
            else:
                conv.leave_flow()
                self._show_menu()
        elif action == "cancel":
            self._cancel()
        elif action == "restart":
            if conv.mode == CONFIRM_RESTART:  # 「やり直し」 again: that is a yes
                conv.mode, conv.resume_mode = conv.resume_mode or FLOW, None
                self._restart()
            elif conv.flow and conv.answers:
                # Like 「キャンセル」: every answer would go, so the member says so first.
                if conv.mode in _CONFIRMING:
                    conv.mode, conv.org_switch = conv.resume_mode or FLOW, None
                conv.resume_mode = conv.mode
                conv.mode = CONFIRM_RESTART
                self._reask()
            elif conv.flow:
                self._restart()
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

    def _status_text(self, cases: Sequence[CaseView] | None = None) -> str:
        if not self.cases:
            return self.t("受付済みのお申し出はありません。")
        lines = [self.t("受付済みのお申し出：")]
        # A closed case shows its outcome and close date, an open one its due date; a late
        # case's apology sits on its own line (flows.case_view.list_line).
        lines += [
            case_view.list_line(case, self.t, self.now)
            for case in (self.cases if cases is None else cases)
        ]
        # Staff's words are not repeated here: a line of this list is tied to no case and
        # would outlive the case's purge. They are in each case's own view.
        return "\n".join(lines)

    def _restart(self) -> None:
        conv = self.conv
        conv.answers, conv.history, conv.editing, conv.previous = {}, [], None, None
        conv.resume_mode, conv.paused = None, None
        conv.mode = FLOW
        self.say(self.t("最初から入力し直します。"))
        self._advance()

    def _cancel(self) -> None:
        conv = self.conv
        if conv.mode in (CONFIRM_RESTART, CONFIRM_ORG_SWITCH):
            conv.mode, conv.org_switch = conv.resume_mode or FLOW, None
        if conv.mode == CONFIRM_CANCEL:
            self._really_cancel()
        elif conv.mode in (FLOW, SUMMARY, EDIT_PICK) and conv.answers:
            self._confirm_cancel()
        else:
            # 「ほかにご用件はありますか」 after a receipt is a question, not a procedure.
            asked_anything_else = conv.mode == UNCLEAR and conv.offered == [
                wording.MORE,
                wording.DONE,
            ]
            if conv.mode == MENU or asked_anything_else:
                self.say(self.t("いま手続き中のものはありません。"))
            elif conv.mode in (FLOW, SUMMARY, EDIT_PICK, INQUIRY, UNCLEAR):
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
        if conv.mode in _CONFIRMING:
            conv.mode, conv.org_switch = conv.resume_mode or MENU, None
            self._reask()
        elif conv.editing:
            conv.answers[conv.editing] = conv.previous
            conv.editing, conv.previous = None, None
            # The summary, or the next question if the edit came before the form was complete
            # (an answer reused from the member's earlier request).
            self._advance()
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
        elif mode in (CONFIRM_RESTART, CONFIRM_ORG_SWITCH):
            self._confirm_choice(given)
        elif mode == INQUIRY:
            self._inquiry_choice(given)
        elif mode == UNCLEAR:
            self._unclear_choice(given)
        elif mode == CONFIRM_WITHDRAW:
            self._confirm_withdraw_choice(given)
        elif mode == REUSE:
            self._reuse_choice(given)
        elif mode == REUSE_FIX:
            self._reuse_fix_choice(given)
        elif mode == RESUME:
            self._resume_choice(given)
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
        if mode == CONFIRM_RESTART:
            return _CONFIRM_RESTART_OPTIONS
        if mode == CONFIRM_ORG_SWITCH:
            return _CONFIRM_ORG_SWITCH_OPTIONS
        if mode == INQUIRY:
            return self._inquiry_options()
        if mode == UNCLEAR:
            return self._unclear_options()
        if mode == CONFIRM_WITHDRAW:
            return _CONFIRM_WITHDRAW_OPTIONS
        if mode == REUSE:
            return _REUSE_OPTIONS
        if mode == REUSE_FIX:
            return self._reuse_fix_options()
        if mode == RESUME:
            return _RESUME_OPTIONS
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
        elif mode == CONFIRM_RESTART:
            self.say(
                self.t("入力した内容をすべて消して、最初から入力し直しますか。"),
                _CONFIRM_RESTART_OPTIONS,
            )
        elif mode == CONFIRM_ORG_SWITCH:
            self._ask_org_switch()
        elif mode == INQUIRY:
            self._ask_inquiry_topic()
        elif mode == UNCLEAR:
            self._ask_unclear()
        elif mode == CONFIRM_WITHDRAW:
            self._ask_withdraw(self.conv.withdrawing)
        elif mode == REUSE:
            self._show_reuse_offer()
        elif mode == REUSE_FIX:
            self._ask_reuse_fix()
        elif mode == RESUME:
            self._show_resume_offer()
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
            mention = read_org_names(given.text, list(self.engine.orgs.values()))
            named = mention.named
            reading = self._read(given.text)
            # Other business (a late delivery) is kept too: where it goes depends on the org.
            says_what = reading.intent != "unknown" or bool(_OFF_TOPIC_CONCEPTS & reading.concepts)
            if len(named) == 1:
                # 「コープデリのDMを止めたい」 names the org and may say what they want.
                option = next(o for o in self._org_options() if o.id == named[0])
                request = given.text if says_what else None
            elif says_what or mention.unclear:
                lines = []
                if says_what:
                    # Keep what they asked for; it is answered as soon as we know the org.
                    self.conv.pending_text = given.text
                    if understanding.about_deceased(reading):
                        # Condolence before anything else; it is not said again after.
                        lines.append(self.t(bereavement.CONDOLENCE))
                    lines.append(
                        self.t("ありがとうございます。ご用件は、生協を選んだあとに続けて伺います。")
                    )
                if mention.unclear:
                    # A shared word (「共済」) or another body's name never picks an org: ask.
                    lines += self._unclear_org_lines(mention)
                self.say("\n".join(lines))
                self._ask_org()
                return
        if option is None:
            self.say(self.t("一覧から番号で選んでください。"))
            self._ask_org()
            return
        self.conv.org = option.id
        self.conv.mode = MENU
        self.conv.started = True
        kept = self.conv.pending_text  # said before the org was chosen, answered now
        request = kept or request
        self.conv.pending_text = None
        if request is None:
            self._greet()
            return
        self.say(self.t("{org}の個人情報の窓口です。", org=self.org.short_name.get(self.t.lang)))
        condoled = kept is not None and understanding.about_deceased(self._read(kept))
        self._understand(request, condoled=condoled)

    def _unclear_org_lines(self, mention: OrgMention) -> list[str]:
        """Why the member is asked which org: what the other body is, or that the word is
        shared; never a guess."""
        lines = [body.note.get(self.t.lang) for body in mention.other_bodies]
        if not lines:
            lines.append(
                self.t(
                    "「{word}」というお名前は、いくつかの団体で使われています。",
                    word=mention.shared[0],
                )
            )
        return lines

    def _anything_else(self) -> None:
        """After a receipt or a message passed on: one short question, not the whole menu."""
        self.conv.leave_flow()
        self.conv.mode, self.conv.resume_mode = UNCLEAR, None
        self.conv.pending_text = None
        self.conv.offered = [wording.MORE, wording.DONE]
        self.say(self.t(wording.ANYTHING_ELSE), wording.ANYTHING_ELSE_OPTIONS)

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

    def _understand(self, text: str, *, condoled: bool = False) -> None:
        """Act on a free-text message: follow it when sure, offer choices when not.
        ``condoled``: condolence was already offered for this message (before the org)."""
        reading = self._read(text)
        elsewhere = self.cases.elsewhere(reading.case_number)
        if elsewhere is not None and elsewhere.org_id in self.engine.orgs:
            other = self.engine.orgs[elsewhere.org_id]
            self.say(org_cases.belongs_elsewhere(elsewhere.number, other, self.org, self.t))
            self._confirm_org_switch(other.id)
            return
        if self.conv.lang == "ja" and _looks_english(text):
            # Said once, in English whatever the conversation's language, so it can be read.
            self.say(Translator("en")(N_("英語で表示するには「English」と入力してください。")))
        if understanding.about_deceased(reading):
            # Not personal information under the Act, but never refused: a person takes it.
            opening = bereavement.opening(self.org, self.t)
            self.say("\n".join(opening[1:] if condoled else opening))
            self._start_flow("human", {"about": bereavement.DECEASED, "message": text})
            return
        topic = published.question_about(text)
        if topic is not None and not followups.about_a_case(reading):
            # 「代表者はどなたですか」 is answered even while a case is open: staff need not.
            self._answer_published(topic, text)
            return
        if self._follow_up(reading):
            return
        if topic is not None:
            # 「何のために使っているの？」 is answered from the profile, not made a formal request.
            self._answer_published(topic, text)
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

    def _answer_published(self, topic: published.Topic, text: str) -> None:
        """Answer a question about what the co-op publishes, then offer the formal request
        (where there is one) and a person, for those whom the published answer does not help."""
        self.say(published.answer(topic.id, self.org, self.t))
        if topic.formal:
            prompt = self.t(published.FORMAL_OFFER, title=self.t(FLOWS[topic.formal].title))
            offered = [topic.formal, FORWARD, MENU_CHOICE]
        else:
            prompt, offered = self.t(published.MORE_HELP), [FORWARD, MENU_CHOICE]
        self._offer(text, prompt, offered)

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
        if _bare_reply(reading.text):  # 「はい」「キャンセル」 answer the desk, not staff
            return False
        days = self.org.retention.followup_days
        back = followups.refers_back(reading)
        named = reading.intent if reading.intent in _REQUEST_IDS else None
        # 「開示をお願いしましたが、できませんでしたというお返事でした」 is about that case.
        about_earlier = (
            back
            and named is not None
            and followups.has_case_of_type(self.cases, self.now, days, named)
        )
        if reading.sure and reading.intent in _NEW_REQUEST and not about_earlier:
            return False
        found: followups.FollowUp | tuple[CaseView, ...] | None
        if back and not reading.case_number:
            found = followups.referred_to(self.cases, self.now, days, named)
        else:
            found = followups.target(self.cases, self.now, days, reading.case_number)
        if isinstance(found, tuple):
            self._ask_which_case(reading.text, found)
            return True
        if found is None:
            return self._closed_long_ago(reading)
        number, complaint = found.case.number, followups.is_complaint(reading)
        if complaint or found.closed:
            self.result.case_messages.append(CaseMessage(number, reading.text, complaint))
        if complaint:
            self.say(
                self.t(
                    "ご不便とご心配をおかけして申し訳ございません。"
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
        if found.others:
            self.say(
                self.t(
                    "ほかにも受付中のお申し出があります（{numbers}）。"
                    "別の件についてでしたら、その受付番号を添えてお送りください。",
                    numbers="、".join(found.others),
                )
            )
        if followups.asks_about_timing(reading):
            # Their words already reached staff: the case view follows, and its offers
            # (取下げ, 担当者からの連絡) act on the case without relaying the words twice.
            self.say(self.t("いまの状況です。"))
            self._show_case(found.case, None)
            return True
        self.conv.mode = MENU
        return True

    def _ask_which_case(self, text: str, cases: Sequence[CaseView]) -> None:
        """Several cases fit a follow-up equally: the member says which, never a guess."""
        lines = [self.t("どのお申し出についてのご連絡ですか。")]
        lines += [f"・{case_view.heading(case, self.t)}" for case in cases]
        self._offer(
            text, "\n".join(lines), [*(f"case:{c.number}" for c in cases), FORWARD, MENU_CHOICE]
        )

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
            self._show_status(text, reading.case_number)
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
        self.say(self.t("申し訳ございません。ご用件をうまく読み取れませんでした。"))
        self._offer(
            text,
            self.t(
                "メニューから選ぶか、このままの内容で担当者にお伝えすることもできます。"
                "どちらにしますか。"
            ),
            [FORWARD, *(f"case:{n}" for n in open_cases), MENU_CHOICE],
        )

    def _off_topic(self, text: str) -> None:
        """Business that is not about personal data goes where the org's profile says (a
        late delivery to the member's own co-op, never to a federation that delivers nothing),
        with a number only where the profile gives one for it."""
        org, lang = self.org, self.t.lang
        concepts = self._read(text).concepts
        rules = [
            org.other_business[topic]
            for topic in ("delivery", "money")
            if topic in concepts and topic in org.other_business
        ]
        lines = [self.t("この窓口では、個人情報についてのお申し出とご質問を受け付けています。")]
        lines += list(dict.fromkeys(rule.where.get(lang) for rule in rules))
        if not rules:
            lines.append(self.t("個人情報のこと以外のご用件は、ご利用の生協におたずねください。"))
        if any(rule.with_contact for rule in rules):
            lines.append(inquiry.contact_text(org, self.t))
        self.say("\n".join(lines))
        self._offer(
            text,
            self.t("個人情報のことでしたら、担当者にお伝えすることもできます。"),
            [FORWARD, MENU_CHOICE],
        )

    def _cancel_from_menu(self, text: str) -> None:
        """「申請を取り下げたい」: which case, then a confirmation, then 取下げ."""
        open_cases = [c for c in self.cases if case_view.is_open(c)]
        if not open_cases:
            if self.cases:
                self.say(
                    self.t(
                        "受付済みのお申し出は、すべて手続きが終わっています。"
                        "終わったお申し出は取り下げできません。"
                    )
                )
            else:
                self.say(self.t("いま手続き中のものはありません。"))
            self._show_menu()
            return
        if len(open_cases) == 1:
            self._ask_withdraw(open_cases[0].number, text)
            return
        self._offer(
            text,
            self.t("取り下げるお申し出を選んでください。"),
            [*(WITHDRAW + c.number for c in reversed(open_cases[-_CASES_SHOWN:])), MENU_CHOICE],
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
        closing = wording.anything_else_option(option_id)
        if closing is not None:
            return closing
        if option_id == FORWARD:
            return Option(FORWARD, N_("担当者と話す"), ("担当者", "伝える", "はい"))
        if option_id == MENU_CHOICE:
            return Option(MENU_CHOICE, N_("メニューから選ぶ"), ("メニュー", "いいえ"))
        if option_id == CONTINUE:
            return Option(CONTINUE, N_("いまの手続きを続ける"), ("続ける", "いいえ", "no"))
        if option_id == TAKE_AS_ANSWER:
            return Option(TAKE_AS_ANSWER, N_("この内容で入力する"), ("入力する",))
        if option_id.startswith(SWITCH):
            title = self.t(FLOWS[option_id.removeprefix(SWITCH)].title)
            return Option(option_id, self.t("「{title}」に切り替える", title=title), ("はい",))
        if option_id.startswith("case:"):
            number = option_id.removeprefix("case:")
            return Option(option_id, self.t("受付番号{number}の件として伝える", number=number))
        if option_id.startswith(VIEW):
            case = self._case(option_id.removeprefix(VIEW))
            label = case_view.heading(case, self.t) if case else option_id
            return Option(option_id, label)
        if option_id.startswith(WITHDRAW):
            case = self._case(option_id.removeprefix(WITHDRAW))
            several = sum(o.startswith(WITHDRAW) for o in self.conv.offered or []) > 1
            if case is not None and several:
                # Picking one of several: the case is named on its button.
                label = self.t("{case}を取り下げる", case=case_view.heading(case, self.t))
                return Option(option_id, label)
            return Option(option_id, N_("このお申し出を取り下げる"), ("取り下げる", "取下げ"))
        if option_id.startswith(CALL_ME):
            return Option(option_id, N_("担当者からの連絡を希望する"), ("連絡", "担当者"))
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
        elif option.id == TAKE_AS_ANSWER:
            self.conv.mode, self.conv.resume_mode = FLOW, None
            step = self._next_step()
            if step is not None and pending:
                self._take(step, parsing.parse_free_text(pending))
            else:
                self._reask()
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
            self._anything_else()
        elif option.id in (MENU_CHOICE, wording.MORE):
            self.conv.leave_flow()
            self._show_menu()
        elif option.id == wording.DONE:
            self.conv.mode = MENU
            self.say(self.t(wording.GOODBYE))
        elif option.id.startswith(VIEW):
            self._show_case_number(option.id.removeprefix(VIEW), pending)
        elif option.id.startswith(WITHDRAW):
            self._ask_withdraw(option.id.removeprefix(WITHDRAW), pending)
        elif option.id.startswith(CALL_ME):
            number = option.id.removeprefix(CALL_ME)
            self.result.case_messages.append(
                CaseMessage(case_number=number, text=pending or CALL_ME_NOTE)
            )
            self.say(
                self.t(
                    "受付番号{number}の担当者に、ご連絡するよう伝えました。"
                    "お待たせして申し訳ございません。",
                    number=number,
                )
            )
            self._anything_else()
        else:
            self._start_option(option.id, pending)

    def _retry_as_answer(self, pending: str) -> None:
        """After 「続ける」, what the member typed is tried as the answer, so it never vanishes:
        stored if the step's parser takes it, otherwise its problem is explained."""
        step = self._next_step()
        if not pending or step is None or step.kind in ("choice", "multi"):
            self._reask()
            return
        if self._asked_at(step, pending) is not None:
            self._reask()  # a question is never the answer; it was answered when typed
            return
        parsed = self._parse(step, _Input(choice=None, text=pending))
        if parsed.ok:
            self._take(step, parsed)
        else:
            self._explain_and_reask(parsed)

    def _start_option(self, option_id: str, text: str | None = None) -> None:
        if option_id == STATUS_ID:
            self._show_status(text)
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
        topic = published.topic_in(text)
        topics = _options_mentioned(text, inquiry.TOPICS) if topic is None else []
        if topic is not None or len(topics) == 1:
            self.say(published.answer(topic.id if topic else topics[0].id, self.org, self.t))
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
            topic = published.question_about(given.text)
            if topic is not None:
                self._answer_published(topic, given.text)
                return
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
            self.say(published.answer(option.id, self.org, self.t))
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
            wording.item_line(
                self.t, self.t(step.label), step.display(self.conv.answers[step.id], ctx)
            )
            for step in given
        ]
        notices = notice_lines(self.flow.notices, ctx)
        for step in given:
            # A notice the skipped step would have said before asking is not skipped with it.
            before = [line for line in (step.info(ctx) if step.info else []) if line in notices]
            after = step.after(ctx) if step.after else []
            lines += [line for line in before + after if line not in lines]
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
            # 「わかりません」 picks 「わからない」 where shown; 「なし」 alone is no guess.
            words = _DONT_KNOW + _SKIP_WORDS if "わからない" in step.skip_label else _SKIP_WORDS
            options.append(Option(SKIP, step.skip_label, words))
        options += [_BACK_OPTION, _CANCEL_OPTION]
        return tuple(options)

    def _advance(self) -> None:
        """Ask the next unanswered question, or show the summary when all are answered."""
        step = self._next_step()
        if step is None:
            self.conv.editing = None
            if self.flow.confirms(self.ctx()):
                self._show_summary()
            else:
                self._submit()
            return
        if self._offer_reuse(step):
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
        if typed_not_chosen:
            # 「2」 where 「2. やめる」 is shown means やめる: no step's own value is a lone
            # number that small (phones and member numbers are longer), see _resolve.
            typed = _resolve(given, self._step_options(step), self.t)
            if typed is not None and typed.id in (BACK, CANCEL):
                self._global("back" if typed.id == BACK else "cancel")
                return
        unresolved = typed_not_chosen and _resolve(given, self._step_options(step), self.t) is None
        if unresolved and given.text and self._agent_at_requester(step, given.text):
            return
        # A question or a plea for help is never the answer, at any step (issue 16, point 2).
        asked = self._asked_at(step, given.text) if unresolved and given.text else None
        if asked is not None and asked.kind != "question":
            self._answer_at_step(step, asked, given.text or "")
            return
        parsed = self._parse(step, given)
        # A value the step's own parser accepts is the answer (「電話は03-…です」, an
        # address with 訂正 in it); only refused text may start something else.
        takes_value = step.kind not in ("choice", "multi")
        # A question never cancels (「今日中に終わりますか」 is not 「終わりにする」).
        asks_to_stop = asked is not None and self._read(given.text or "").intent == "cancel"
        if (
            unresolved
            and not asks_to_stop
            and self._interrupts(
                step, given.text or "", taken=takes_value and parsed.ok and asked is None
            )
        ):
            return
        if asked is not None and given.text:
            self.say(self.t(parsing.ERR_QUESTION))
            self.conv.resume_mode = FLOW
            # Where the member's own words are the answer, a request put as a question
            # (「住所を直してもらえますか」) is stored only when they say so.
            own_words = [TAKE_AS_ANSWER] if step.kind == "text" or step.free_text else []
            self._offer(
                given.text,
                self.t("このご質問を担当者にお伝えしますか。"),
                [FORWARD, *own_words, CONTINUE],
            )
            return
        if not parsed.ok:
            self._explain_and_reask(parsed)
            return
        self._take(step, parsed)

    def _agent_at_requester(self, step: Step, text: str) -> bool:
        """「母の代わりです」 at 「どなたからのお申し出ですか」 is read as in a first message
        (``understanding.prefill``): an agent, with the 続柄 filled in when the words give it."""
        if step.id != "requester":
            return False
        reading = self._read(text)
        if not (reading.agent or reading.deceased) or self._asked_at(step, text) is not None:
            return False  # 「代理人でもいいですか」 is a question, not the answer
        read = prefill(self.flow, reading)
        if "requester" not in read:
            return False
        ctx = self.ctx()
        chosen = step.display(read["requester"], ctx)
        lines = [self.t("「{choice}」として伺います。", choice=chosen)]
        for later in self.flow.steps:
            if later.id in ("legal_kind", "agent_relation") and later.id in read:
                self.conv.answers.setdefault(later.id, read[later.id])
                if later.id == "agent_relation":
                    relation = later.display(read[later.id], ctx)
                    lines.append(self.t("ご本人との続柄：{relation}", relation=relation))
        self.say("\n".join(lines))
        self._take(step, Parsed(value=read["requester"]))
        return True

    def _asked_at(self, step: Step, text: str) -> asking.Asked | None:
        """What ``text`` asks instead of answering ``step``, if it asks anything."""
        return asking.read_at_step(
            text,
            takes_sentences=step.kind == "text" or step.free_text,
            takes_questions=step.takes_questions,
        )

    def _answer_at_step(self, step: Step, asked: asking.Asked, text: str) -> None:
        """Answer what was asked at ``step`` (nothing is stored), then ask the step again."""
        if asked.kind == "person":
            if self.conv.flow in ("human", "inquiry"):
                self.say(self.t("このお申し出は、入力が終わりしだい担当者にお渡しします。"))
                self._reask()
            else:
                self._offer_switch(text, "human")
            return
        if asked.topic is not None:
            self.say(published.answer(asked.topic.id, self.org, self.t))
            formal = asked.topic.formal
            if formal and formal != self.conv.flow:
                self.say(
                    self.t(
                        "正式な「{title}」のお申し出は、この手続きのあとで"
                        "「メニュー」と入力してお選びいただけます。",
                        title=self.t(FLOWS[formal].title),
                    )
                )
        else:
            self.say(self._step_help(step))
        self._reask()

    def _step_help(self, step: Step) -> str:
        """How to answer ``step`` when the member asks or does not know."""
        lines = []
        if step.kind == "text" or step.free_text:
            lines.append(
                self.t(
                    "「{label}」について、ご自身の言葉で短く入力してください。"
                    "うまく書けないときは「担当者と話したい」と入力してください。担当者がご案内します。",
                    label=self.t(step.label),
                )
            )
        elif step.kind in ("choice", "multi"):
            lines.append(
                self.t(
                    "近いものを番号で選んでください。お分かりにならなければ"
                    "「担当者と話したい」と入力してください。担当者がご案内します。"
                )
            )
        elif not step.optional:
            lines.append(self.t(parsing.ERR_UNKNOWN))
        if step.optional:
            lines.append(
                self.t(
                    "お分かりにならなければ「{skip}」を選んでください。そのまま先に進めます。",
                    skip=self.t(step.skip_label),
                )
            )
        return "\n".join(lines)

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
            read = step.reader(given.text) if step.reader and given.text else None
            if read is not None:
                return Parsed(value=read)
            # 「紙でおくってほしいです」: an option's alias in a sentence, if only one is named.
            mentioned = _options_mentioned(
                given.text or "", [o for o in options if o.id[:1] != "_"]
            )
            if len(mentioned) == 1:
                return Parsed(value=mentioned[0].id)
            if step.free_text and given.text:
                return parsing.parse_own_words(given.text)
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
        # Bullets, not numbers: the numbers belong to the choices below (送信する・修正する).
        ja = self.t.lang == "ja"
        item, note = ("・", "※") if ja else ("- ", "- ")
        lines += [
            f"{item}{label}{'：' if ja else ': '}{value}"
            for label, value in self._summary_lines(self.t)
        ]
        notices = notice_lines(self.flow.notices, self.ctx())
        if notices:
            self._drop_said_this_turn(notices)
            lines.append(self.t("送信の前に、次の点をご確認ください。"))
            lines += [f"{note}{line}" for line in notices]
        lines.append(
            self.t(
                "よろしければ「送信する」を選んでください。直したいところがあれば「修正する」を選んでください。"
            )
        )
        self.say("\n".join(lines), _SUMMARY_OPTIONS)

    def _drop_said_this_turn(self, notices: Sequence[str]) -> None:
        """A notice a step said in this same turn, right before the summary, is said once:
        on the summary, which always lists it."""
        kept = []
        for reply in self.result.replies:
            lines = [line for line in reply.text.split("\n") if line not in notices]
            if lines or reply.choices:
                kept.append(replace(reply, text="\n".join(lines)))
        self.result.replies[:] = kept

    def _summary_choice(self, given: _Input) -> None:
        option = _resolve(given, _SUMMARY_OPTIONS, self.t)
        named = self._item_named(given.text) if option is None and given.text else None
        topic = (
            published.question_about(given.text)
            if option is None and named is None and given.text
            else None
        )
        if option is None and named is None and topic is None and given.text:
            # 「修正したいです」 asks to edit; sending is never read from a sentence.
            mentioned = _options_mentioned(given.text, _SUMMARY_OPTIONS)
            if [o.id for o in mentioned] == [EDIT]:
                option = mentioned[0]
        if named is not None:
            self._edit(named.id)  # 「生年月日を直したい」: straight to that item
        elif topic is not None:
            # 「手数料はかかりますか」 before sending: answered, and nothing is sent.
            self.say(published.answer(topic.id, self.org, self.t))
            self._show_summary()
        elif option is None:
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
        self._edit(option.id)

    def _edit(self, step_id: str) -> None:
        conv = self.conv
        conv.editing = step_id
        conv.previous = conv.answers.pop(step_id)
        self._advance()

    def _item_named(self, text: str) -> Step | None:
        """The summary item a sentence names (the longest label in it), if exactly one."""
        typed = normalise_for_matching(text)
        named = [
            (len(label), step)
            for step in self._summary_steps()
            if (label := normalise_for_matching(self.t(step.label))) and label in typed
        ]
        if not named:
            return None
        longest = max(length for length, _ in named)
        found = [step for length, step in named if length == longest]
        return found[0] if len(found) == 1 else None

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

    def _confirm_org_switch(self, org_id: str) -> None:
        """/start with another org mid-request: the answers would go, so ask first."""
        conv = self.conv
        conv.org_switch = org_id
        conv.resume_mode = conv.mode
        conv.mode = CONFIRM_ORG_SWITCH
        self._ask_org_switch()

    def _ask_org_switch(self) -> None:
        target = self.engine.orgs.get(self.conv.org_switch or "")
        if target is None:  # a stored state from before the profile was removed
            self.conv.mode, self.conv.org_switch = self.conv.resume_mode or FLOW, None
            self._reask()
            return
        if self.conv.flow is None:  # no form to lose: the member named the other co-op's case
            self.say(org_cases.switch_question(target, self.t), _CONFIRM_ORG_SWITCH_OPTIONS)
            return
        self.say(
            self.t(
                "いま入力中の「{title}」（{org}）は、まだ送信していません。"
                "{target}に切り替えると、入力した内容は消えます。切り替えますか。",
                title=self.t(self.flow.title),
                org=self.org.short_name.get(self.t.lang),
                target=target.short_name.get(self.t.lang),
            ),
            _CONFIRM_ORG_SWITCH_OPTIONS,
        )

    def _confirm_choice(self, given: _Input) -> None:
        """The answer to 「最初から入力し直しますか」 or 「切り替えますか」."""
        conv = self.conv
        options = (
            _CONFIRM_RESTART_OPTIONS
            if conv.mode == CONFIRM_RESTART
            else (_CONFIRM_ORG_SWITCH_OPTIONS)
        )
        option = _resolve(given, options, self.t)
        if option is None:
            self._reask()
            return
        restarting, target = conv.mode == CONFIRM_RESTART, conv.org_switch
        conv.mode, conv.org_switch = conv.resume_mode or FLOW, None
        conv.resume_mode = None
        if option.id == NO and conv.mode == RESUME:  # 「やり直す」 at the resume prompt, then no
            self._resume_choice(_Input(choice=CONTINUE, text=None))
        elif option.id == NO:
            self.say(self.t("続けます。"))
            self._reask()
        elif restarting:
            self._restart()
        elif target in self.engine.orgs:
            conv.leave_flow()
            conv.org = target
            self._greet()

    # ------------------------------------------------------------------ member self-service

    def _leave_self_service_question(self) -> None:
        """A global word (「戻る」「キャンセル」「状況」) typed at a self-service question acts on
        what the member was doing before it: the form they were filling, or the menu."""
        conv = self.conv
        if conv.mode == CONFIRM_WITHDRAW:
            conv.mode, conv.withdrawing = MENU, None
            self.say(self.t("取り下げはしていません。"))
        elif conv.mode in (REUSE, REUSE_FIX):
            if conv.mode == REUSE and conv.reuse_offered:
                conv.reuse_offered.pop()  # not answered: offered again when the step is
            conv.mode, conv.reuse = FLOW, None
        elif conv.mode == RESUME:
            conv.mode, conv.resume_mode, conv.pending_text = conv.resume_mode or FLOW, None, None

    def _case(self, number: str | None) -> CaseView | None:
        """The member's own case with this number, if they have one."""
        return next((c for c in self.cases if c.number == number), None)

    def _show_status(self, text: str | None, number: str | None = None) -> None:
        """「状況」: one case is shown whole; several are listed to pick one from."""
        named = self._case(number.upper()) if number else None
        if named is not None:
            self._show_case(named, text)
            return
        if not self.cases:
            self.say(self.t("受付済みのお申し出はありません。"))
            self._show_menu()
            return
        if len(self.cases) == 1:
            self._show_case(self.cases[0], text)
            return
        # Listed in the order of the numbered choices below: newest first.
        self.say(self._status_text(list(reversed(self.cases))))
        newest = list(reversed(self.cases[-_CASES_SHOWN:]))
        self._offer(
            text,
            self.t("くわしくご覧になるお申し出を選んでください。"),
            [*(VIEW + c.number for c in newest), MENU_CHOICE],
        )

    def _show_case_number(self, number: str, text: str | None) -> None:
        case = self._case(number)
        if case is None:
            self._show_menu()
            return
        self._show_case(case, text)

    def _show_case(self, case: CaseView, text: str | None) -> None:
        """The case as its member may see it, tied to the case; what they can do with it."""
        self.result.replies.append(
            Reply(
                text=case_view.detail_text(case, self.org, self.t, self.now),
                case_number=case.number,
            )
        )
        options: list[str] = []
        if case_view.is_open(case):
            options.append(WITHDRAW + case.number)
        if case_view.is_overdue(case, self.now):
            options.append(CALL_ME + case.number)
        self._offer(text, self.t("次から選んでください。"), [*options, MENU_CHOICE])

    def _ask_withdraw(self, number: str | None, text: str | None = None) -> None:
        """Show which case would be withdrawn and ask to confirm; a closed one cannot be."""
        case = self._case(number)
        if case is None:
            self.conv.mode, self.conv.withdrawing = MENU, None
            self._show_menu()
            return
        if not case_view.is_open(case):
            self.say(
                self.t(
                    "{case}は、すでに手続きが終わっているため、取り下げできません。",
                    case=case_view.heading(case, self.t),
                )
            )
            self._show_menu()
            return
        self.conv.mode = CONFIRM_WITHDRAW
        self.conv.withdrawing = case.number
        if text is not None:
            self.conv.pending_text = text
        self.result.replies.append(
            Reply(
                text="\n".join(
                    [
                        case_view.heading(case, self.t),
                        self.t(
                            "このお申し出を取り下げますか。"
                            "取り下げると、この件の手続きはここで終わります。"
                        ),
                    ]
                ),
                choices=tuple(Choice(o.id, self.t(o.label)) for o in _CONFIRM_WITHDRAW_OPTIONS),
                case_number=case.number,
            )
        )

    def _confirm_withdraw_choice(self, given: _Input) -> None:
        option = _resolve(given, _CONFIRM_WITHDRAW_OPTIONS, self.t)
        conv = self.conv
        number = conv.withdrawing
        if option is None or number is None:
            self.say(self.t("「はい」か「いいえ」でお答えください。"))
            self._reask()
            return
        words, conv.pending_text, conv.withdrawing = conv.pending_text, None, None
        if option.id == NO:
            self.say(self.t("取り下げはしていません。お申し出の手続きは、このまま続きます。"))
            self._anything_else()
            return
        self.result.withdrawals.append(Withdrawal(case_number=number, text=words))
        self.result.replies.append(
            Reply(
                text=self.t(
                    "受付番号 {number} のお申し出を取り下げました。担当者にもお伝えしました。",
                    number=number,
                ),
                case_number=number,
            )
        )
        self._anything_else()

    def _offer_reuse(self, step: Step) -> bool:
        """At the first identity step (or the postal address) of a second request, offer the
        answers given in the chat's earlier one; ``True`` if the offer is now on the table."""
        conv = self.conv
        if step.id not in reuse.GROUPS or step.id in conv.reuse_offered or conv.editing:
            return False
        ctx = self.ctx()
        group = set(reuse.GROUPS[step.id])
        wanted = [
            s.id
            for s in self.flow.steps
            if s.id in group and s.id not in conv.answers and s.applies(ctx)
        ]
        offer = reuse.offer_for(step.id, wanted, conv.answers, self.cases, self.org.id)
        conv.reuse_offered.append(step.id)
        if offer is None:
            return False
        conv.reuse = {"case": offer.case_number, "answers": offer.answers}
        conv.mode = REUSE
        self._show_reuse_offer()
        return True

    def _reuse_lines(self) -> list[str]:
        offered = (self.conv.reuse or {}).get("answers", {})
        ctx = Context(org=self.org, answers=offered, now=self.now, t=self.t)
        return [
            wording.item_line(self.t, self.t(step.label), step.display(offered[step.id], ctx))
            for step in self.flow.steps
            if step.id in offered
        ]

    def _show_reuse_offer(self) -> None:
        number = (self.conv.reuse or {}).get("case", "")
        lines = [
            self.t(
                "前回のお申し出（受付番号 {number}）で、次のように入力されています。"
                "今回も同じ内容を使いますか。",
                number=number,
            ),
            *self._reuse_lines(),
        ]
        self.say("\n".join(lines), _REUSE_OPTIONS)

    def _reuse_choice(self, given: _Input) -> None:
        option = _resolve(given, _REUSE_OPTIONS, self.t)
        conv = self.conv
        if option is None:
            self.say(self.t("「はい」「修正する」「使わない」から選んでください。"))
            self._show_reuse_offer()
            return
        offered = dict((conv.reuse or {}).get("answers", {}))
        conv.reuse = None
        conv.mode = FLOW
        if option.id == NO:
            self.say(self.t("前回の内容は使わずに、あらためて伺います。"))
            self._advance()
            return
        for key, value in offered.items():
            conv.answers[key] = value
            if key not in conv.history:
                conv.history.append(key)
        if option.id == YES:
            self.say(self.t("前回の内容を使います。最後の確認画面でも直せます。"))
            self._advance()
            return
        conv.reuse = {"fix": list(offered)}
        conv.mode = REUSE_FIX
        self._ask_reuse_fix()

    def _reuse_fix_options(self) -> tuple[Option, ...]:
        fixable = set((self.conv.reuse or {}).get("fix", []))
        return (
            *(Option(s.id, s.label) for s in self.flow.steps if s.id in fixable),
            Option(CONTINUE, N_("直さずに進む"), ("進む", "このまま", "continue")),
        )

    def _ask_reuse_fix(self) -> None:
        self.say(
            self.t("直したい項目を選んでください。ほかの項目は、最後の確認画面でも直せます。"),
            self._reuse_fix_options(),
        )

    def _reuse_fix_choice(self, given: _Input) -> None:
        option = _resolve(given, self._reuse_fix_options(), self.t)
        conv = self.conv
        if option is None:
            self.say(self.t("直したい項目を番号で選んでください。"))
            self._ask_reuse_fix()
            return
        conv.reuse, conv.mode = None, FLOW
        if option.id != CONTINUE:
            conv.editing = option.id
            conv.previous = conv.answers.pop(option.id, None)
        self._advance()

    def _half_filled(self) -> bool:
        """A form is held and the member is not already being asked whether to resume it."""
        return self.conv.mode != RESUME and holds_a_form(self.conv)

    def _away_from_form(self) -> bool:
        """The member comes back to a half-filled form after a long while."""
        conv = self.conv
        if not self._half_filled() or not conv.last_turn_at:
            return False
        return self.now - datetime.fromisoformat(conv.last_turn_at) >= RESUME_AFTER

    def _offer_resume(self, text: str | None) -> None:
        conv = self.conv
        if conv.paused is None:  # not already asked (やり直しますか from the resume prompt)
            conv.paused = [conv.mode, conv.resume_mode, None]
        conv.paused[2] = text
        conv.resume_mode = None
        conv.mode = RESUME
        self._show_resume_offer()

    def _paused_question(self) -> str:
        """Which question comes next once the member goes on."""
        mode = self.conv.paused[0] if self.conv.paused else FLOW
        if mode == FLOW:
            step = self._next_step()
            if step is not None:
                return self.t(step.label)
        return self.t(_PAUSED_QUESTIONS.get(mode or FLOW, N_("入力内容の確認")))

    def _show_resume_offer(self) -> None:
        lines = [
            self.t(
                "入力の途中のお申し出があります：{title}",
                title=self.t(self.flow.title),
            ),
            self.t("入力済みの内容："),
        ]
        lines += [
            wording.item_line(self.t, label, value) for label, value in self._summary_lines(self.t)
        ]
        lines.append(self.t("次は「{question}」です。", question=self._paused_question()))
        lines.append(self.t("続きから入力しますか。最初からやり直すこともできます。"))
        self.say("\n".join(lines), _RESUME_OPTIONS)

    def _resume_choice(self, given: _Input) -> None:
        option = _resolve(given, _RESUME_OPTIONS, self.t)
        conv = self.conv
        if option is not None and option.id == RESTART:
            # Every answer would go: confirmed like 「やり直し」; いいえ comes back here.
            conv.resume_mode, conv.mode = RESUME, CONFIRM_RESTART
            self._reask()
            return
        paused, conv.paused = conv.paused or [FLOW, None, None], None
        conv.mode, conv.resume_mode, pending = paused[0] or FLOW, paused[1], paused[2]
        self.say(self.t("続きから入力します。"))
        if option is None and given.text:
            # Neither word: an answer or a question for the pending question (or step).
            self._handle(_Input(choice=None, text=given.text))
        elif pending and conv.mode == FLOW:
            self._retry_as_answer(pending)
        elif conv.mode == UNCLEAR and FORWARD in (conv.offered or []) and conv.pending_text:
            # The question they asked a day ago, and the same offer in its own words.
            self.say(self.t("ご質問：{question}", question=conv.pending_text))
            prompt = self.t("このご質問を担当者にお伝えしますか。")
            self._offer(conv.pending_text, prompt, conv.offered or [])
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
        if bereavement.about_deceased(fields):
            flags.append("deceased")
        self.result.new_case = CaseDraft(
            org_id=org.id,
            queue=org.queue.id,
            request_type=flow.type_id,
            requester=asker.requester_type(fields),
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
        self._anything_else()

    def _receipt(self, flow: RequestFlow, ctx: Context, due: datetime) -> None:
        t, org = self.t, self.org
        lines = [
            t("お申し出を受け付けました。"),
            t("受付番号：{number}", number="{case_number}"),
            asker.contact_line(ctx, org.queue.name.get(t.lang)),
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


def holds_a_form(conv: Conversation) -> bool:
    """Answers are entered and a question of the form is pending: a step, the summary, a
    choice asked inside it (a question for staff, reuse, a confirmation) or the resume
    question. The one rule for "a request being entered", here and in the member's data."""
    if not conv.flow or not conv.answers:
        return False
    if conv.mode == UNCLEAR:
        return conv.resume_mode == FLOW
    return conv.mode in _PAUSABLE or conv.mode == RESUME


_MULTI_ERROR = N_("番号を「1,3」のように区切って入力するか、選択肢の言葉で答えてください。")
_BACK_OPTION = Option(BACK, N_("戻る"), ("back",))
_CANCEL_OPTION = Option(CANCEL, N_("やめる"), ("cancel",))
_SUMMARY_OPTIONS = (
    Option(SUBMIT, N_("送信する"), ("送信", "はい", "ok", "send", "submit", "yes")),
    Option(EDIT, N_("修正する"), ("修正", "直す", "訂正", "edit", "change")),
    Option(CANCEL, N_("やめる"), ("中止", "cancel")),
)
_CONFIRMING = frozenset({CONFIRM_CANCEL, CONFIRM_RESTART, CONFIRM_ORG_SWITCH})
# Modes in which ``answers`` hold a request being entered.
_ENTERING = frozenset({FLOW, SUMMARY, EDIT_PICK})
# Modes that keep a half-filled form and its pending question when the member leaves.
_PAUSABLE = frozenset(
    {*_ENTERING, REUSE, REUSE_FIX, CONFIRM_CANCEL, CONFIRM_RESTART, CONFIRM_ORG_SWITCH}
)
# The pending question named in the resume prompt, by mode (a step is named by its label).
# What selects an optional step's 「わからない・なし」 (or 「なし」) option.
_SKIP_WORDS = ("わからない", "なし", "skip", "none")
# 「わからない」 as members type it, where that option is shown.
_DONT_KNOW = ("分からない", "わかりません", "分かりません", "わからないです", "分からないです")
_PAUSED_QUESTIONS = {
    SUMMARY: N_("入力内容の確認"),
    EDIT_PICK: N_("直す項目の選択"),
    UNCLEAR: N_("ご質問を担当者にお伝えするかどうか"),
    REUSE: N_("前回と同じ内容を使うかどうか"),
    REUSE_FIX: N_("変更する項目の選択"),
    CONFIRM_CANCEL: N_("この手続きをやめるかどうか"),
    CONFIRM_RESTART: N_("最初から入力し直すかどうか"),
    CONFIRM_ORG_SWITCH: N_("窓口を切り替えるかどうか"),
}
_CONFIRM_RESTART_OPTIONS = (
    Option(YES, N_("はい、最初から入力し直します"), ("はい", "yes", "やり直す", "やり直し")),
    Option(NO, N_("いいえ、続けます"), ("いいえ", "no", "続ける", "続けます")),
)
_CONFIRM_ORG_SWITCH_OPTIONS = (
    Option(YES, N_("はい、切り替えます"), ("はい", "yes", "切り替える")),
    Option(NO, N_("いいえ、続けます"), ("いいえ", "no", "続ける", "続けます")),
)
_CONFIRM_WITHDRAW_OPTIONS = (
    Option(YES, N_("はい、取り下げます"), ("はい", "yes", "取り下げる", "取り下げます")),
    Option(NO, N_("いいえ、取り下げません"), ("いいえ", "no", "取り下げない")),
)
_REUSE_OPTIONS = (
    Option(YES, N_("はい"), ("使う", "使います", "お願いします", "同じで", "それで", "yes", "ok")),
    Option(EDIT, N_("修正する"), ("修正", "直す", "訂正", "edit")),
    Option(NO, N_("使わない"), ("いいえ", "使いません", "no")),
)
_RESUME_OPTIONS = (
    Option(CONTINUE, N_("続ける"), ("続けます", "続きから", "はい", "continue")),
    Option(RESTART, N_("やり直す"), ("やり直します", "最初から", "restart")),
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


def _bare_reply(text: str) -> bool:
    """A lone yes/no or global word (「はい」「キャンセル」): meant for the desk's own question,
    never words for a case's staff."""
    word = normalise_for_matching(text).rstrip("。.!！?？、,〜ー")
    return parsing.is_yes_or_no(word) or word in _GLOBAL_LOOKUP


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
