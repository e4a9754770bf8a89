"""A fixed November of requests for the register and its figures, on a fixed clock.

Every request type, every route, every outcome (and a withdrawal), an extension, a refusal
with its reason, an open request overdue at the month's end, one from October still open and
one from December outside the month. Chat requests are filed through the engine and worked
through the real ``CaseService``; the routes staff enter (post, phone, visit, e-mail) are set
on the case as the intake form does (intake itself is another part of issue 19).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import select

from flows.i18n import JST
from storage.models import Case
from storage.staff import StaffActor
from tests.conftest import Desk
from tests.flows.answers import COMPLAINT
from tests.storage.test_encryption import PDF
from tests.storage.test_member_data import file_request

INQUIRY = ("1", "その他", "家族の分もまとめて頼めますか", "山田 花子")
SCRIPT = "<script>alert(1)</script>"
FORMULA = "=cmd|' /C calc'!A0"
EXTENSION_REASON = f"{SCRIPT}書庫の記録を確認するため"
PARTIAL_REASON = f"{FORMULA} 一部の記録は保存期間を過ぎています"
REFUSAL_REASON = "訂正のお申し出が事実ではなく評価に関するものため"
STAFF = StaffActor.trusted("sato")
SUZUKI = StaffActor.trusted("suzuki")


def at(day: str, hour: int = 10) -> datetime:
    """``2026-11-02`` at ``hour`` o'clock in Japan."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=JST)


@dataclass
class November:
    desk: Desk
    numbers: dict[str, str]  # the test's name for each request → its case number


def _file(
    desk: Desk, chat: str, org: str, request_type: str, *, files: int = 0, **answers: str
) -> str:
    member = desk.member(chat, org=org)
    if request_type == "inquiry":
        for line in INQUIRY:
            member.says(line)
    elif request_type == "human":
        for line in COMPLAINT:
            member.says(line)
    else:
        file_request(member, request_type, dict(answers), send=not files)
    if files:  # sent at the confirmation screen: held, and joined to the case when it is sent
        for _ in range(files):
            member.sends_file(PDF, name="山田花子の委任状.pdf", caption="委任状です")
        assert "受け付けました" in member.says("送信する")
    return desk.app.cases.list_unaudited()[-1].number


def _route(desk: Desk, number: str, route: str) -> None:
    with desk.app.db.transaction() as session:
        case = session.exec(select(Case).where(Case.number == number)).one()
        case.route = route
        session.add(case)


def build_november(desk: Desk) -> November:
    """File and work the fixed set; the clock ends on 2026-12-07 10:00 (JST)."""
    cases, clock, numbers = desk.app.cases, desk.clock, {}

    def on(day: str, hour: int = 10) -> None:
        clock.now = at(day, hour)

    def filed(key: str, day: str, org: str, kind: str, route: str = "chat", **answers: str) -> str:
        on(day)
        files = 1 if key == "agent" else 0
        numbers[key] = _file(desk, key, org, kind, files=files, **answers)
        if route != "chat":
            _route(desk, numbers[key], route)
        return numbers[key]

    # October: never closed, overdue long before November ends.
    filed("october", "2026-10-20", "coopdeli", "disclosure")
    # A: an agent's disclosure with a file, extended, answered in part with a reason.
    a = filed(
        "agent",
        "2026-11-02",
        "coopdeli",
        "disclosure",
        requester="任意代理人",
        agent_relation="長男",
    )
    cases.claim(a, STAFF)
    cases.verify_identity(a, STAFF, "document")
    due = cases.get(a).due_at
    on("2026-11-03")
    cases.extend(a, STAFF, due + timedelta(days=7), EXTENSION_REASON)
    on("2026-11-05", 15)
    cases.reply(a, STAFF, "記録をお送りします。")
    cases.close(a, STAFF, "partial", PARTIAL_REASON)
    # B: a letter to 生活クラブ共済連, answered within the target.
    b = filed("letter", "2026-11-04", "seikatsuclub-kyosai", "purpose_notice", route="post")
    cases.claim(b, SUZUKI)
    cases.verify_identity(b, SUZUKI, "phone_callback")
    on("2026-11-10")
    cases.reply(b, SUZUKI, "利用目的をお知らせします。")
    cases.close(b, SUZUKI, "answered")
    # C: a correction by phone, refused with its reason.
    c = filed("call", "2026-11-06", "coopdeli", "correction", route="phone", evidence="住民票")
    on("2026-11-09")
    cases.close(c, STAFF, "refused", REFUSAL_REASON)
    # D: a suspension at the counter, answered after its due date.
    d = filed("counter", "2026-11-09", "seikatsuclub-kyosai", "suspension", route="visit")
    cases.verify_identity(d, SUZUKI, "in_person")
    # E: a third-party record asked by e-mail, still open (and overdue) at the month's end.
    filed("email", "2026-11-10", "coopdeli", "third_party_record", route="email")
    # F: a stop of third-party provision, withdrawn the next day.
    f = filed("withdrawn", "2026-11-12", "seikatsuclub-kyosai", "third_party_stop")
    on("2026-11-13")
    cases.withdraw(f, SUZUKI, "お電話で取り下げのお申し出")
    # G: a consent withdrawal, answered the next day.
    g = filed("consent", "2026-11-16", "coopdeli", "consent_withdrawal")
    on("2026-11-17")
    cases.close(g, STAFF, "answered")
    # H: a question, replied to and answered the next day.
    h = filed("question", "2026-11-18", "coopdeli", "inquiry")
    on("2026-11-19")
    cases.reply(h, STAFF, "まとめてお申し込みいただけます。")
    cases.close(h, STAFF, "answered")
    # I: a complaint handed to a person, open and not yet due at the month's end.
    filed("complaint", "2026-11-20", "seikatsuclub-kyosai", "human")
    on("2026-11-30", 16)
    cases.reply(d, SUZUKI, "利用を停止しました。")
    cases.close(d, SUZUKI, "answered")
    # December: outside the month.
    filed("december", "2026-12-01", "coopdeli", "purpose_notice")
    on("2026-12-07")
    return November(desk, numbers)
