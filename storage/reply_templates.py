"""Reply templates for one case: which fit it, and one filled from the case's own facts.

The Slack reply form and ``madoguchi staff reply --template`` both come here, so a template
reads the same on either surface; sending stays the case service's ``reply`` (or its draft
and confirmation in Slack). Nothing is written: a filled template is only a starting text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import col, select

from flows import cases as rules
from flows.i18n import Translator
from flows.profiles import LocalText, OrgProfile
from flows.reply_templates import (
    CaseFacts,
    Extension,
    MissingValue,
    ReplyTemplate,
    fill,
    leftover_placeholders,
    suited,
)
from storage.db import Database
from storage.models import Case, CaseEvent


class ReplyTemplates:
    """The templates of every served org, applied to cases in the database."""

    def __init__(
        self,
        db: Database,
        orgs: Mapping[str, OrgProfile],
        templates: Mapping[str, Mapping[str, ReplyTemplate]],
        queue_names: Mapping[str, str],
    ) -> None:
        self.db = db
        self.orgs = dict(orgs)
        self.templates = {org: dict(by_id) for org, by_id in templates.items()}
        self.queue_names = dict(queue_names)

    def for_case(self, number: str) -> tuple[Case, list[ReplyTemplate]]:
        """The case and the templates of its org that suit its type, in file order."""
        case, _ = self._facts(number)
        return case, suited(self.templates.get(case.org_id, {}), case.request_type)

    def filled(self, number: str, template_id: str) -> str:
        """The template filled for this case, in the member's language; a template that does
        not exist or fit, or needs a fact the case lacks, is refused saying which."""
        case, facts = self._facts(number)
        own = self.templates.get(case.org_id, {})
        template = own.get(template_id.strip())
        if template is None or not template.suits(case.request_type):
            fitting = "、".join(t.id for t in suited(own, case.request_type))
            raise rules.CaseActionError(
                f"No template {template_id!r} fits {case.number}; templates: {fitting}",
                f"定型文「{template_id}」はこの案件（{case.number}）には使えません。"
                f"使える定型文：{fitting}",
            )
        try:
            return fill(template, facts, self.orgs[case.org_id])
        except MissingValue as missing:
            raise rules.CaseActionError(
                missing.message(Translator("en")), missing.message(Translator("ja"))
            ) from missing

    def _facts(self, number: str) -> tuple[Case, CaseFacts]:
        with self.db.transaction() as session:
            wanted = rules.case_number(number)
            case = session.exec(select(Case).where(Case.number == wanted)).first()
            if case is None:
                raise rules.CaseActionError(
                    f"No case numbered {number}.", f"{number} は見つかりませんでした。"
                )
            extended = session.exec(
                select(CaseEvent)
                .where(CaseEvent.case_id == case.id, CaseEvent.kind == "extended")
                .order_by(col(CaseEvent.id).desc())
            ).first()
        return case, CaseFacts(
            number=case.number,
            request_type=case.request_type,
            lang=case.lang,
            received_at=case.received_at,
            due_at=case.due_at,
            queue_name=self._queue(case),
            extension=_extension(extended),
        )

    def _queue(self, case: Case) -> LocalText:
        """The queue as the profile names it in both languages; a deployment's own queue
        has only its Japanese name."""
        org = self.orgs.get(case.org_id)
        if org is not None and org.queue.id == case.queue:
            return org.queue.name
        name = self.queue_names.get(case.queue, case.queue)
        return LocalText(ja=name, en=name)


def _extension(event: CaseEvent | None) -> Extension | None:
    if event is None:
        return None
    reason = str(event.data.get("reason") or "").strip()
    new_due = datetime.fromisoformat(str(event.data["to"]))
    return Extension(new_due=new_due, reason=reason)


def check_no_placeholders(text: str) -> None:
    """Refuse a reply that still holds a template's placeholder (``{due}`` left in while
    editing): the member would read the code, not the date."""
    left = leftover_placeholders(text)
    if left:
        shown = "、".join("{" + name + "}" for name in dict.fromkeys(left))
        raise rules.CaseActionError(
            f"The text still has placeholders {shown}; replace them with the real words.",
            f"文面に差し込み欄 {shown} が残っています。実際の内容に書き換えてください。",
        )
