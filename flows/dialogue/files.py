"""A file the member sends: taken where the org allows it, explained where it does not.

Either way the question at hand is asked again, so nothing the member entered is lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows import (
    attachments,
)
from flows.messages import (
    AcceptedFile,
    ReceivedFile,
)
from flows.status import CLOSED_STATUSES

if TYPE_CHECKING:
    from flows.turn import Turn


def take_file(turn: Turn, file: ReceivedFile) -> None:
    """Take a file where the org allows it; otherwise say how documents reach the desk.

    Either way the question the member was answering is asked again, with nothing lost.
    """
    name = attachments.safe_name(file.name)
    if name:
        label = name
    elif file.kind == "photo":
        label = turn.t("写真")
    else:
        label = turn.t("ファイル")
    turn.result.inbound_display = turn.t("（ファイル: {name}）", name=label) + (
        f"\n{file.caption}" if file.caption else ""
    )
    rule = turn.org.attachments if turn.conv.org else None
    if rule is None or not rule.allowed:
        if turn.conv.org is None and any(o.attachments.allowed for o in turn.engine.orgs.values()):
            turn.say(turn.t("ファイルは、窓口を選んでから送ってください。"))
        elif file.kind in ("photo", "document"):
            turn.say(
                turn.t(
                    "このチャットでは、写真や書類のファイルはお受けしていません。"
                    "委任状などの書類の送り方は、お申し出のあとに担当者からご案内します。"
                )
            )
        else:
            turn.say(turn.t("このチャットでは、文字でのご入力とボタンだけをお受けしています。"))
        turn.reask()
        return
    if file.kind not in ("photo", "document"):
        turn.say(
            turn.t(
                "このチャットでお受けできるのは、文字、ボタン、{types}のファイルです。",
                types=attachments.accepted_types(rule, turn.t),
            )
        )
        turn.reask()
        return
    verdict = attachments.check(file, rule, turn.t)
    if verdict.mime is None or file.data is None:
        turn.say(verdict.error or "")
        turn.reask()
        return
    target = case_for_file(turn)
    turn.result.files.append(
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
        turn.say(
            turn.t(
                "「{name}」（{size}）を受け取り、受付番号 {number} のお申し出に添えました。"
                "担当者が確認します。",
                name=label,
                size=size,
                number=target,
            )
        )
    elif turn.conv.flow is not None:
        turn.say(
            turn.t(
                "「{name}」（{size}）を受け取りました。このお申し出と一緒に担当者へお渡しします。",
                name=label,
                size=size,
            )
        )
    else:
        turn.say(
            turn.t(
                "「{name}」（{size}）を受け取りました。"
                "このあとのお申し出と一緒に担当者へお渡しします。",
                name=label,
                size=size,
            )
        )
    turn.reask()


def case_for_file(turn: Turn) -> str | None:
    """The open case a file belongs to, or ``None`` to hold it for the request in hand."""
    if turn.conv.flow is not None:
        return None
    open_cases = [c for c in turn.cases if c.status not in CLOSED_STATUSES]
    return open_cases[-1].number if open_cases else None
