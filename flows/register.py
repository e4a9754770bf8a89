"""What of a request's answers the request register keeps once its transcript has gone.

The register (APPI checklist: type, scope, requester type, chosen answer method, outcome,
dates) needs the member's choices, not their words. A choice is stored as an option id, a
code such as ``specific`` or ``postal``; everything else (names, フリガナ, birth dates,
phones, member numbers, addresses, e-mail, and the member's own words, including those typed
into a choice that accepts free text) is personal or free text and goes at the transcripts
stage (``storage.retention``). Deny by default: a step kind added later is not kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flows.registry import FLOWS
from flows.steps import Step

_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")
CODED_KINDS = frozenset({"choice", "multi"})


def _is_code(step: Step, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    if callable(step.options):
        # Options that depend on the org (e.g. the disclosure methods it offers): only a
        # choice without free text has them, so what was stored is one of their ids.
        return not step.free_text and _CODE.fullmatch(value) is not None
    return value in {option.id for option in step.options}


def register_fields(request_type: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The coded answers of ``fields``: choices as option ids, nothing the member typed."""
    flow = FLOWS.get(request_type)
    if flow is None:
        return {}
    steps = {step.id: step for step in flow.steps}
    kept: dict[str, Any] = {}
    for key, value in fields.items():
        step = steps.get(key)
        if step is None or step.kind not in CODED_KINDS:
            continue
        if isinstance(value, list):
            codes = [item for item in value if _is_code(step, item)]
            if codes:
                kept[key] = codes
        elif _is_code(step, value):
            kept[key] = value
    return kept
