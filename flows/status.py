"""Case statuses and their Japanese names (受付 → 本人確認待ち → 対応中 → outcome)."""

from flows.i18n import N_

STATUS_LABELS: dict[str, str] = {
    "received": N_("受付"),
    "awaiting_identity": N_("本人確認待ち"),
    "in_progress": N_("対応中"),
    "answered": N_("回答済"),
    "partial": N_("一部対応"),
    "refused": N_("対応不可"),
    "withdrawn": N_("取下げ"),
}
OUTCOMES: tuple[str, ...] = ("answered", "partial", "refused")
CLOSED_STATUSES: frozenset[str] = frozenset({*OUTCOMES, "withdrawn"})
OUTCOMES_NEEDING_REASON: frozenset[str] = frozenset({"partial", "refused"})


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)
