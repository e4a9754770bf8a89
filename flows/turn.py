"""One turn's working state and its entry: edited messages, files, commands, global words.

Everything that depends on the mode the member is at goes through ``flows.modes.MODES``, so
this plumbing is the same for every mode.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flows import org_cases, parsing, published
from flows.dialogue import files, navigation, submit
from flows.dialogue.choosing import Given
from flows.dialogue.conversation import Conversation, holds_a_form
from flows.dialogue.names import BACK, CANCEL, CONFIRMING, MENU, PICK_ORG
from flows.dialogue.words import GLOBAL_LOOKUP, HIRAGANA
from flows.flow import RequestFlow
from flows.i18n import N_, Translator
from flows.intents import Classification, classify
from flows.messages import CaseView, Choice, Inbound, Reply, TurnResult
from flows.modes import MODES, resume
from flows.modes.base import Mode
from flows.parsing import Parsed, normalise_for_matching
from flows.profiles import OrgProfile
from flows.registry import FLOWS
from flows.steps import Context, Option

if TYPE_CHECKING:
    from flows.engine import Engine

EDITED_MESSAGE = N_(
    "送信したあとで編集されたメッセージは、お手続きに使うことができません。"
    "お手数ですが、直した内容を新しいメッセージとして、もう一度お送りください。"
)


class Turn:
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
        # Only the cases of the co-op the chat is with at that moment: one person may be a
        # member of both co-ops the desk serves, and they are separate data controllers.
        self.cases = org_cases.OrgCases(cases, lambda: self.conv.org)
        self.t = Translator(conv.lang)
        self.result = TurnResult(state={})
        self._readings: dict[str, Classification] = {}

    # ------------------------------------------------------------------ state

    @property
    def org(self) -> OrgProfile:
        assert self.conv.org is not None
        return self.engine.orgs[self.conv.org]

    @property
    def flow(self) -> RequestFlow:
        assert self.conv.flow is not None
        return FLOWS[self.conv.flow]

    def published_answer(self, topic_id: str) -> str:
        """A published answer as it applies to the form being filled in, if any: a fee
        question inside a 利用停止 form is answered for that request alone."""
        request_type = FLOWS[self.conv.flow].type_id if self.conv.flow else None
        if topic_id not in self.conv.told:
            self.conv.told.append(topic_id)  # a request's preface need not say it again
        return published.answer(topic_id, self.org, self.t, request_type)

    def ctx(self) -> Context:
        return Context(org=self.org, answers=self.conv.answers, now=self.now, t=self.t)

    def read(self, text: str) -> Classification:
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

    # ------------------------------------------------------------------ the mode table

    def mode(self) -> Mode | None:
        """The handler of the mode the member is at; without an org that is picking one."""
        return MODES[PICK_ORG] if self.conv.org is None else MODES.get(self.conv.mode)

    def current(self) -> Mode:
        """The mode's handler; a stored mode no longer known is treated as the menu."""
        return self.mode() or MODES[MENU]

    def options(self) -> tuple[Option, ...]:
        mode = self.mode()
        return mode.options(self) if mode else ()

    def reask(self) -> None:
        """Ask again whatever the member is expected to answer now."""
        self.current().ask(self)

    def handle(self, given: Given) -> None:
        self.current().take(self, given)

    def leave(self) -> None:
        """Before a global word acts: put back what the question at hand set aside."""
        mode = MODES.get(self.conv.mode)
        if mode is not None:
            mode.leave(self)

    def explain_and_reask(self, problem: Parsed[Any]) -> None:
        self.say(self.t(problem.error or ""))
        self.reask()

    # ------------------------------------------------------------------ entry

    def run(self) -> None:
        self._dispatch()
        if self.result.case_messages and self.result.new_case is None and self.conv.org:
            self._out_of_hours()
        self.conv.last_turn_at = self.now.isoformat()
        self.result.state = self.conv.to_state()

    def _out_of_hours(self) -> None:
        """Words passed to staff out of hours: the line saying when they will be read joins
        the first answer (「…の担当者にお伝えしました」), so the member gets no extra message."""
        lines = submit.out_of_hours(self)
        replies = self.result.replies
        if not lines:
            return
        if not replies:
            self.say(lines[0])
            return
        replies[0] = dataclasses.replace(replies[0], text=f"{replies[0].text}\n{lines[0]}")

    def _dispatch(self) -> None:
        inbound = self.inbound
        if inbound.edited and (holds_a_form(self.conv) or not inbound.text):
            self._edited(inbound.text or "")
            return
        if inbound.attachment:
            files.take_file(self, inbound.attachment)
            return
        if inbound.command:
            self._command(inbound.command, inbound.argument)
            return
        text: str | None = None
        if inbound.text is not None:
            cleaned = parsing.clean_text(inbound.text)
            if not cleaned.ok:
                self.explain_and_reask(cleaned)
                return
            text = cleaned.value
        elif inbound.choice is None:
            self.explain_and_reask(
                Parsed(error=N_("何も入力されていないようです。もう一度入力してください。"))
            )
            return
        self.result.inbound_display = text or self._choice_label(inbound.choice)
        if text is not None:
            action = GLOBAL_LOOKUP.get(normalise_for_matching(text))
            # 「やり直す」 answering 「続ける／やり直す」 is that choice, not the global word.
            offered = self.current().answers_word(self, text)
            if action and not offered:
                navigation.act(self, action)
                return
        if inbound.choice in (BACK, CANCEL) and self.conv.mode not in CONFIRMING:
            navigation.act(self, "back" if inbound.choice == BACK else "cancel")
            return
        if text is not None:
            self._offer_japanese(text)
        if resume.away_from_form(self):
            resume.offer_resume(self, text)
            return
        self.handle(Given(choice=inbound.choice, text=text))

    def _offer_japanese(self, text: str) -> None:
        """A member who chose English and writes Japanese sentences is told once, in Japanese,
        how to switch back (the twin of the English hint). Not where Japanese is the value
        asked for: a name, its kana, an address."""
        conv = self.conv
        if conv.lang == "ja" or conv.japanese_offered or not HIRAGANA.search(text):
            return
        if self.current().takes_japanese(self):
            return
        conv.japanese_offered = True
        self.say(Translator("ja")(N_("日本語で表示するには「日本語」と入力してください。")))

    def _edited(self, text: str) -> None:
        """A message the member changed after sending, while a form is being entered: an
        edit of an earlier answer would be taken as the answer to the question asked now, so
        it is never used: its words are kept in the transcript, the member is asked to send
        them again, and the question they are at is asked again. Outside a form an edit is
        read as a new message (a follow-up reaches the case like any other)."""
        self.result.inbound_display = self.t("（送信後に編集されたメッセージ）") + (
            f"\n{text}" if text else ""
        )
        self.explain_and_reask(Parsed(error=EDITED_MESSAGE))

    def _choice_label(self, choice: str | None) -> str:
        """How a pressed button reads in the transcript."""
        if choice is None:
            return ""
        for option in self.options():
            if option.id == choice:
                return self.t(option.label)
        return choice

    def _command(self, command: str, argument: str | None) -> None:
        self.result.inbound_display = f"/{command}" + (f" {argument}" if argument else "")
        if command == "start":
            navigation.start(self, argument)
        elif command in ("help", "status", "cancel", "back", "menu", "restart"):
            navigation.act(self, command)
        elif command == "lang":
            navigation.act(self, {"en": "lang_en", "ja": "lang_ja"}.get(argument or "", "lang"))
        else:
            self.reask()
