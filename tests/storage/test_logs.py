"""Logs carry ids, never what members told us."""

from __future__ import annotations

from structlog.testing import capture_logs

from storage.staff import StaffActor
from tests.conftest import Desk
from tests.storage.test_turns import DISCLOSURE_UP_TO_PHONE, REST_OF_DISCLOSURE


def test_a_whole_request_logs_no_name_phone_or_message_text(desk: Desk) -> None:
    with capture_logs() as logs:
        member = desk.member(org="seikatsuclub-kyosai")
        for line in DISCLOSURE_UP_TO_PHONE + REST_OF_DISCLOSURE:
            member.says(line)
        [case] = desk.app.cases.list_unaudited()
        desk.app.cases.reply(case.number, StaffActor.trusted("sato"), "開示の書類をお送りしました")
    assert any(entry.get("case") == case.number for entry in logs)  # ids are there
    dumped = repr(logs)
    for secret in ("山田", "ヤマダ", "5285", "hanako@", "1975", "開示の書類"):
        assert secret not in dumped
