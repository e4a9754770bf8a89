"""Notices that belong to a request, not to a step.

A notice (statutory member notices keep coming, the agent's documents, a possible fee, a
correction is about facts) must reach the member before 送信する whatever path filled the
answers in: buttons, their own words, a first message that pre-filled a step, or an edit from
the summary. Steps may still say a notice at the moment it matters; the confirmation screen
always lists every notice that applies, once, so no path can skip one.

Every fact in a notice comes from the org profile (through :class:`~flows.steps.Context`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flows.steps import Condition, Context, TextHook, agent_documents, requester_is_agent


@dataclass(frozen=True)
class Notice:
    """One required notice: its sentences, and when the request needs it."""

    id: str
    lines: TextHook  # may return [] when the answers make it moot
    when: Condition | None = None

    def applies(self, ctx: Context) -> bool:
        return self.when is None or self.when(ctx)


def _fee_lines(ctx: Context) -> list[str]:
    return [
        ctx.t(
            "この手続きには、実費相当分の手数料をいただく場合があります。金額は担当者からご案内します。"
        )
    ]


def fee_may_apply(request_type: str) -> Notice:
    """The fee notice for a request type the org's profile may charge for (APPI Art. 38)."""
    return Notice(
        "fee",
        _fee_lines,
        when=lambda ctx: (
            ctx.org.fees.kind == "actual_cost_may_apply" and ctx.org.fees.applies(request_type)
        ),
    )


AGENT_DOCUMENTS = Notice("agent_documents", agent_documents, when=requester_is_agent)
"""An agent is told which documents are needed (委任状 from the org profile)."""


def request_notices(request_type: str, *own: Notice, agents: bool = True) -> tuple[Notice, ...]:
    """A request's notices: its own, then the agent's documents and the fee where due."""
    common = (AGENT_DOCUMENTS,) if agents else ()
    return (*own, *common, fee_may_apply(request_type))


def notice_lines(notices: Sequence[Notice], ctx: Context) -> list[str]:
    """Every sentence of every notice that applies to these answers, each once, in order."""
    lines: list[str] = []
    for notice in notices:
        if notice.applies(ctx):
            lines += [line for line in notice.lines(ctx) if line and line not in lines]
    return lines
