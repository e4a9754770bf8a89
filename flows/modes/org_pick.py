"""Picking the co-op: by button, number or name; a word two orgs share never picks one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows import bereavement, understanding
from flows.dialogue import free_text, navigation
from flows.dialogue.choosing import (
    Given,
    resolve,
)
from flows.dialogue.names import (
    MENU,
    PICK_ORG,
)
from flows.dialogue.words import (
    OFF_TOPIC_CONCEPTS,
)
from flows.modes import (
    menu,
)
from flows.modes.base import Mode
from flows.org_names import OrgMention, read_org_names
from flows.steps import Option

if TYPE_CHECKING:
    from flows.turn import Turn


def org_options(turn: Turn) -> tuple[Option, ...]:
    """Every org of the deployment, by its short name in the member's language; either
    language's name (and the full name) picks it."""
    lang = turn.t.lang
    return tuple(
        Option(
            org.id,
            org.short_name.get(lang),
            (org.short_name.ja, org.short_name.en, org.name.ja, org.name.get(lang), org.id),
        )
        for org in turn.engine.orgs.values()
    )


def ask_org(turn: Turn) -> None:
    """Ask which co-op the member means."""
    turn.say(turn.t("ご利用の生協を選んでください。"), org_options(turn))


def pick_org(turn: Turn, given: Given) -> None:
    """Take the org by button, number or its name in a sentence; what else they said is kept."""
    option = resolve(given, org_options(turn), turn.t)
    request: str | None = None
    if option is None and given.text:
        mention = read_org_names(given.text, list(turn.engine.orgs.values()))
        named = mention.named
        reading = turn.read(given.text)
        # Other business (a late delivery) is kept too: where it goes depends on the org.
        says_what = reading.intent != "unknown" or bool(OFF_TOPIC_CONCEPTS & reading.concepts)
        if len(named) == 1:
            # 「コープデリのDMを止めたい」 names the org and may say what they want.
            option = next(o for o in org_options(turn) if o.id == named[0])
            request = given.text if says_what else None
        elif says_what or mention.unclear:
            lines = []
            if says_what:
                # Keep what they asked for; it is answered as soon as we know the org.
                turn.conv.pending_text = given.text
                if understanding.about_deceased(reading):
                    # Condolence before anything else; it is not said again after.
                    lines.append(turn.t(bereavement.CONDOLENCE))
                lines.append(
                    turn.t("ありがとうございます。ご用件は、生協を選んだあとに続けて伺います。")
                )
            if mention.unclear:
                # A shared word (「共済」) or another body's name never picks an org: ask.
                lines += unclear_org_lines(turn, mention)
            turn.say("\n".join(lines))
            ask_org(turn)
            return
    if option is None:
        turn.say(turn.t("一覧から番号で選んでください。"))
        ask_org(turn)
        return
    turn.conv.org = option.id
    turn.conv.mode = MENU
    turn.conv.started = True
    kept = turn.conv.pending_text  # said before the org was chosen, answered now
    request = kept or request
    turn.conv.pending_text = None
    if request is None:
        navigation.greet(turn)
        return
    turn.say(turn.t("{org}の個人情報の窓口です。", org=turn.org.short_name.get(turn.t.lang)))
    condoled = kept is not None and understanding.about_deceased(turn.read(kept))
    free_text.understand(turn, request, condoled=condoled)


def unclear_org_lines(turn: Turn, mention: OrgMention) -> list[str]:
    """Why the member is asked which org: what the other body is, or that the word is
    shared; never a guess."""
    lines = [body.note.get(turn.t.lang) for body in mention.other_bodies]
    if not lines:
        lines.append(
            turn.t(
                "「{word}」という言葉は、いくつかの団体の名前に使われています。",
                word=mention.shared[0],
            )
        )
    return lines


class PickOrg(Mode):
    """Which co-op's desk the member wants; a shared word never picks one."""

    def options(self, turn: Turn) -> tuple[Option, ...]:
        return org_options(turn)

    def ask(self, turn: Turn) -> None:
        if turn.conv.org is not None:  # a stored state that already knows its org
            menu.show_menu(turn)
            return
        turn.conv.mode = PICK_ORG
        ask_org(turn)

    def take(self, turn: Turn, given: Given) -> None:
        pick_org(turn, given)
