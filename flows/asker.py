"""Who is asking, as the register, the receipt and staff name them.

The person asking is not always the person the data is about: an agent acts for a principal,
a family member asks about someone who has died. The case's requester type says which, and
every place that names the requester tells the two apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.bereavement import DECEASED, about_deceased
from flows.i18n import N_, Translator
from flows.relations import LABELS as RELATION_LABELS
from flows.steps import LEGAL_KIND_OPTIONS, REQUESTER_OPTIONS, Context

AGENTS = frozenset({"legal_agent", "appointed_agent"})
_STAFF_LABELS: dict[str, str] = {
    DECEASED: N_("亡くなった方のご家族など（故人についてのお申し出）"),
}
"""Register labels that differ from the member's choice (「亡くなったご家族について」 names the
topic, the register names who asked)."""


def requester_type(fields: Mapping[str, Any]) -> str:
    """The case's requester type: ``deceased`` whenever the request is about a person who has
    died (whoever the asker is), else the member's choice; ``self`` for a named request
    without that choice, ``unknown`` for an anonymous one."""
    if about_deceased(fields):
        return DECEASED
    if "requester" in fields:
        return str(fields["requester"])
    return "self" if "name" in fields else "unknown"


def describe_requester(requester: str, fields: Mapping[str, Any], t: Translator) -> str:
    """The requester type for staff and the register, with the agent's kind or the asker's
    続柄 when known (codes only, so it reads the same once the register alone is left)."""
    label = _STAFF_LABELS.get(requester) or next(
        (option.label for option in REQUESTER_OPTIONS if option.id == requester), None
    )
    if label is None:
        return requester
    text = t(label)
    kind = next((o.label for o in LEGAL_KIND_OPTIONS if o.id == fields.get("legal_kind")), None)
    if requester == "legal_agent" and kind:
        text += "　" + t("種類：{kind}", kind=t(kind))
    relation_key = "asker_relation" if requester == DECEASED else "agent_relation"
    relation = RELATION_LABELS.get(str(fields.get(relation_key)))
    if requester in AGENTS | {DECEASED} and relation:
        text += "　" + t("続柄：{relation}", relation=t(relation))
    return text


def contact_line(ctx: Context, queue: str, *, question: bool = False) -> str:
    """How staff will reach the asker, for the receipt: the asker themselves when they are not
    the person the data is about, never 「ご本人」 at a registered phone; ``question``: a
    question or a wish to talk, which promises no identity check."""
    t, answers = ctx.t, ctx.answers
    if about_deceased(answers):
        return t(
            "担当（{queue}）が内容を確認し、お申し出の{name}さまに、"
            "お知らせいただいた電話番号へご連絡します。",
            queue=queue,
            name=answers.get("asker_name", ""),
        )
    if answers.get("requester") in AGENTS:
        return t(
            "担当（{queue}）が内容を確認し、代理人の{name}さまにご連絡して、"
            "必要な書類を確認してから手続きを進めます。",
            queue=queue,
            name=answers.get("agent_name", ""),
        )
    if question:
        # A question or a wish to talk discloses nothing: no identity check is made for it.
        return t("担当（{queue}）が内容を確認し、ご連絡します。", queue=queue)
    return t(
        "担当（{queue}）が内容を確認し、ご本人確認をしてから手続きを進めます。"
        "確認の方法は、担当者からご案内します。",
        queue=queue,
    )


def send_to(fields: Mapping[str, Any], t: Translator) -> list[str]:
    """Where a letter or a call for this request goes, for the staff member who posts or
    phones it: the asker (an agent, a deceased person's family member) or the person, with
    the address and numbers the request gave. Only what was entered; nothing is looked up."""
    if about_deceased(fields):
        name, phone = fields.get("asker_name"), fields.get("asker_phone")
    elif fields.get("requester") in AGENTS:
        name, phone = fields.get("agent_name"), fields.get("agent_phone")
    else:
        name, phone = fields.get("name"), fields.get("phone")
    lines = [t("宛先：{name}さま", name=name)] if name else []
    postal = f"〒{fields['postal_code']}" if fields.get("postal_code") else None
    address = " ".join(str(part) for part in (postal, fields.get("address")) if part)
    if address:
        lines.append(t("住所：{address}", address=address))
    if phone:
        lines.append(t("電話：{phone}", phone=phone))
    if fields.get("email"):
        lines.append(t("メール：{email}", email=fields["email"]))
    return lines
