"""Every kind of case event, with the label each staff surface and export shows for it.

One table, so a new kind (a reminder, an intake, an answer sent) is named the same way in
``staff show``, the Slack thread, the case export and the register; a kind missing here is a
test failure, never a raw code in front of staff.
"""

from __future__ import annotations

from flows.i18n import N_

# Catalog messages (Japanese source): exports read them in Japanese, ``staff show`` in the
# staff language.
EVENT_LABELS: dict[str, str] = {
    "created": N_("受付"),
    "attachment": N_("添付ファイル受信"),
    "member_message": N_("会員からの連絡"),
    "member_unreachable": N_("会員に届かない"),
    "delivery_waiting": N_("会員への送信待ち"),
    "claimed": N_("担当決定"),
    "identity_verified": N_("本人確認"),
    "replied": N_("回答送信"),
    "note": N_("内部メモ"),
    "extended": N_("期限延長"),
    "paused": N_("一時停止"),
    "resumed": N_("再開"),
    "transferred": N_("転送"),
    "closed": N_("完了"),
    "withdrawn": N_("取下げ"),
    "member_linked": N_("ご本人の会話として結び付け"),
    "member_unlinked": N_("会話の結び付けを解除"),
    "reopened": N_("案件の再開"),
    "complaint": N_("苦情"),
    "reminder": N_("期限前の通知"),
    "escalated": N_("期限超過の通知"),
    "notice_sent": N_("郵送・電話などで連絡済み"),
    "answer_sent": N_("回答ファイル送付"),
    "answer_downloaded": N_("回答ファイルのダウンロード"),
    "answer_posted": N_("回答書面の送付"),
    "answer_email_failed": N_("回答メールが届かない"),
}

# The kinds that told the member something (an answer, an extension, the outcome, a notice sent
# by post or phone): the register lists each as a notice to the member, with date and method.
# Kinds another surface adds are read from here, never matched at the register.
MEMBER_NOTICE_KINDS: frozenset[str] = frozenset(
    {"replied", "extended", "closed", "answer_sent", "answer_posted", "notice_sent"}
)
# Of those, the ones that reach a member with no chat: what staff record as posted or phoned
# (the desk's own notices to such a member wait as tasks), and an answer's link by e-mail.
PAPER_NOTICE_KINDS: frozenset[str] = frozenset({"notice_sent", "answer_posted", "answer_sent"})


def event_label(kind: str) -> str:
    """The kind's catalog message (Japanese source); an unknown kind is shown as it is."""
    return EVENT_LABELS.get(kind, kind)
