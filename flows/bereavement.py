"""A request about a person who has died: what the desk says first, and how it is told apart.

A deceased person's data is not personal information under the Act, so no rule of the Act
applies and neither seed policy says anything about it: the desk never refuses, never states
a rule, offers condolence once, and hands the request to staff, who explain what they can do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.i18n import N_, Translator
from flows.profiles import OrgProfile

DECEASED = "deceased"
"""The requester type (and the answers' code) of a request about a person who has died."""

CONDOLENCE = N_("このたびは、心よりお悔やみ申し上げます。")


def about_deceased(answers: Mapping[str, Any]) -> bool:
    """Whether the answers so far make the request one about a person who has died."""
    return DECEASED in (answers.get("requester"), answers.get("about"))


def opening(org: OrgProfile, t: Translator) -> list[str]:
    """Condolence, then who takes the request and what the policy says (usually nothing)."""
    note = org.deceased_note
    return [
        t(CONDOLENCE),
        t("亡くなった方の情報についてのご相談は、担当者がお受けします。"),
        note.get(t.lang)
        if note
        else t(
            "亡くなった方の情報の取り扱いについては、{org}のプライバシーポリシーに記載がありません。"
            "どのように対応できるかは、担当者からご説明します。",
            org=org.short_name.get(t.lang),
        ),
    ]
