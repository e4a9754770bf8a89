"""Issue 19's "Done when" for the answer, end to end: a Telegram member files a 開示 to be
answered by e-mail; staff share the PDF in the case's Slack thread and send it; the link
arrives through a real SMTP server (aiosmtpd), the code in the member's chat; a browser-like
client opens the link with the code and gets the very PDF, audited; staff close it 回答済.
The real ``madoguchi serve`` process, slack-bolt, the fake Slack and the fake Telegram."""

from __future__ import annotations

import email.header
import hashlib
import json
import re
import threading
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.bot.served import Member
from tests.bot.test_answer_email import Mailbox, body, smtp_server
from tests.bot.test_slack_end_to_end import CHANNELS, STAFF, _block_text, desk_running
from tests.fakes.slack_api import FakeSlackApi, radio_buttons
from tests.fakes.telegram_api import FakeBotApi
from tests.storage.test_answer_delivery import CODE, LINK, PDF
from tests.storage.test_turns import DISCLOSURE_UP_TO_PHONE, REST_OF_DISCLOSURE

ORG = "coopdeli"
CHAT = 9_119


class WatchedMailbox(Mailbox):
    """A mailbox that tells a waiting test when a message has arrived (no polling)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        self.arrived.set()
        return reply

    def one_message(self, timeout: float = 30) -> tuple[str, list[str], Message]:
        assert self.arrived.wait(timeout), "no e-mail reached the SMTP server"
        [message] = self.messages
        return message


@pytest.fixture
def smtp() -> Iterator[tuple[WatchedMailbox, int]]:
    mailbox = WatchedMailbox()
    with smtp_server(mailbox) as port:
        yield mailbox, port


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def code_in_chat(fake: FakeBotApi) -> str:
    """The six-digit code, once the bot has sent it to the member's chat."""

    def said(api: FakeBotApi) -> str:
        return "\n".join(str(m.get("text", "")) for m in api.sent_messages(CHAT))

    fake.wait_for(lambda api: CODE.search(said(api)) is not None, timeout=30)
    found = CODE.search(said(fake))
    assert found
    return found.group(1)


def test_a_disclosure_answered_with_a_pdf_in_slack_is_downloaded_by_the_member_with_the_code(
    tmp_path: Path, smtp: tuple[WatchedMailbox, int]
) -> None:
    mailbox, smtp_port = smtp
    with (
        FakeBotApi() as fake,
        FakeSlackApi() as slack,
        desk_running(
            fake,
            slack,
            tmp_path,
            ANSWER_LINK_BASE_URL="https://desk.example",
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(smtp_port),
            SMTP_STARTTLS="false",
            SMTP_FROM="kojin@coopdeli.example",
        ) as desk,
    ):
        # 1. The member files a 開示 in Telegram, to be answered by e-mail.
        member = Member(fake, desk.served, CHAT)
        member.command("start", ORG)
        for line in DISCLOSURE_UP_TO_PHONE + REST_OF_DISCLOSURE:
            member.says(line)
        [(number,)] = desk.served.query('SELECT number FROM "case"')
        channel, staff = CHANNELS[ORG], STAFF[ORG]
        card = desk.card(channel, number)
        desk.click(staff, "case_claim", channel, card.ts)
        desk.card_shows(channel, card.ts, f"<@{staff}>")
        desk.click(staff, "case_verify", channel, card.ts)
        desk.submit(staff, "case_verify", {"method": {"value": radio_buttons("phone_callback")}})
        desk.card_shows(channel, card.ts, "登録電話へ折返し")

        # 3. Identity checked, staff share the PDF in the thread, press 会員へ送付, confirm.
        shared = slack.share_file(staff, "開示書.pdf", PDF, "application/pdf")
        desk.sender.file_share(staff, channel, shared, thread_ts=card.ts)
        desk.wait_thread(channel, card.ts, "回答ファイルを添付しました：開示書.pdf")
        [offer] = [m for m in slack.thread(channel, card.ts) if "回答ファイル" in m.text]
        desk.click(staff, "case_send_answer", channel, offer.ts)
        desk.submit(staff, "case_send_answer", {})
        slack.wait_for(lambda api: any("送付しました" in e.text for e in api.ephemerals(staff)))

        # 2. The link reaches the member's address through the SMTP server: no code, no file.
        sender, recipients, message = mailbox.one_message()
        assert (sender, recipients) == ("kojin@coopdeli.example", ["hanako@example.jp"])
        subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
        assert number in subject
        assert not message.is_multipart()  # the file never travels in the e-mail
        text = body(message)
        link = LINK.search(text)
        assert link, text
        assert not CODE.search(text)
        assert PDF.decode() not in text

        # 4. The code comes to the member's Telegram chat, and the link does not.
        code = code_in_chat(fake)
        chat = "\n".join(str(m.get("text", "")) for m in fake.sent_messages(CHAT))
        assert link.group(0) not in chat and code not in text

        # 5. The member opens the link the way a browser does: the page, its cookie and CSRF
        # field, then the code. A wrong code first gets the polite refusal.
        path = f"/answer/{link.group(1)}"
        with httpx.Client(base_url=f"http://127.0.0.1:{desk.served.port}", timeout=10) as browser:
            page = browser.get(path)
            assert page.status_code == 200 and "確認コード" in page.text
            csrf = csrf_of(page)
            wrong = "000000" if code != "000000" else "111111"
            refused = browser.post(path, data={"code": wrong, "n": "1", "csrf": csrf})
            assert refused.status_code == 403
            assert "確認コードが違います。あと4回" in refused.text
            assert refused.content != PDF
            got = browser.post(path, data={"code": code, "n": "1", "csrf": csrf})
        assert got.status_code == 200, got.text
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["content-disposition"].startswith("attachment;")
        digest = hashlib.sha256(got.content).hexdigest()
        assert got.content == PDF and digest == hashlib.sha256(PDF).hexdigest()
        [(case_number, detail)] = desk.served.query(
            "SELECT case_number, detail FROM auditentry WHERE action = 'answer_downloaded'"
        )
        detail = detail if isinstance(detail, dict) else json.loads(detail)
        assert (case_number, detail["sha256"]) == (number, digest)
        wrongs = desk.served.query(
            "SELECT COUNT(*) FROM auditentry WHERE action = 'answer_wrong_code'"
        )
        assert wrongs == [(1,)]

        # 6. Staff close the case 回答済.
        desk.click(staff, "case_close", channel, card.ts)
        done = desk.submit(staff, "case_close", {"outcome": {"value": radio_buttons("answered")}})
        assert not (done.json() or {}).get("errors"), done.json()
        closed = desk.card_shows(channel, card.ts, "回答済")
        buttons = [
            e["action_id"]
            for b in closed.blocks
            if b.get("type") == "actions"
            for e in b["elements"]
        ]
        assert buttons == ["case_reopen"]
        [(status, outcome)] = desk.served.query(
            f"SELECT status, outcome FROM \"case\" WHERE number = '{number}'"
        )
        assert outcome == "answered", (status, outcome)
        assert "回答済" in _block_text(closed.blocks)
