"""A 開示 answered by e-mail: the link (never the file, never the code) goes through a real
SMTP server on 127.0.0.1 (aiosmtpd), retried while the server is away, and a refusal of
the address is shown to staff on the case."""

from __future__ import annotations

import asyncio
import email
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from bot import email_delivery, server
from bot.config import Settings
from bot.email_delivery import EmailWorker, SmtpServer
from bot.preflight import settings_problems
from bot.wakeups import Wakeups
from storage.email_outbox import EmailOutbox
from storage.models import CaseEvent, EmailMessage
from storage.staff import StaffActor
from tests.conftest import Clock, Desk, Member, build_desk
from tests.storage.test_answer_delivery import CODE, LINK, PDF, disclosure


class Mailbox:
    """An aiosmtpd handler keeping what it accepted; ``refuse`` turns an address away."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(mailbox: Mailbox) -> Iterator[int]:
    """A real SMTP server on 127.0.0.1 delivering into ``mailbox``; its port."""
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()  # type: ignore[no-untyped-call]
    try:
        yield port
    finally:
        controller.stop()  # type: ignore[no-untyped-call]


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        yield mailbox, port


@pytest.fixture
def desk(database_url: str, clock: Clock) -> Iterator[Desk]:
    desk = build_desk(database_url, clock, ANSWER_LINK_BASE_URL="https://desk.example")
    yield desk
    desk.app.db.close()


def worker(desk: Desk, port: int) -> EmailWorker:
    settings = Settings(
        DATABASE_URL="sqlite://",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=port,
        SMTP_STARTTLS=False,
        SMTP_FROM="kojin@coopdeli.example",
    )
    server = SmtpServer.of(settings)
    assert server is not None
    return EmailWorker(EmailOutbox(desk.app.db, desk.clock), server, timeout=5)


def body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


def test_the_link_goes_by_e_mail_through_the_smtp_server_and_the_code_to_the_chat(
    desk: Desk, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    number = disclosure(desk)
    desk.app.cases.attach_answer(number, StaffActor.trusted("sato"), "開示書.pdf", PDF)
    desk.app.cases.send_answer(number, StaffActor.trusted("sato"), key="send")
    desk.app.cases.send_answer(number, StaffActor.trusted("sato"), key="send")  # a double click

    assert asyncio.run(worker(desk, port).send_due()) == 1
    assert asyncio.run(worker(desk, port).send_due()) == 0  # sent once
    [(sender, recipients, message)] = mailbox.messages
    assert (sender, recipients) == ("kojin@coopdeli.example", ["hanako@example.jp"])
    assert number in str(email.header.make_header(email.header.decode_header(message["Subject"])))
    text = body(message)
    link = LINK.search(text)
    assert link and not message.is_multipart()  # the file never travels in the e-mail
    assert PDF.decode() not in text and not CODE.search(text)
    chat = Member(desk, "alice").read()
    code = CODE.search(chat)
    assert code and link.group(0) not in chat  # the code only in the chat, the link only by mail


def test_an_e_mail_waits_while_the_server_is_away_and_goes_when_it_is_back(
    desk: Desk,
) -> None:
    number = disclosure(desk)
    desk.app.cases.attach_answer(number, StaffActor.trusted("sato"), "開示書.pdf", PDF)
    desk.app.cases.send_answer(number, StaffActor.trusted("sato"))
    port = free_port()  # nothing listens there yet
    assert asyncio.run(worker(desk, port).send_due()) == 0
    [waiting] = EmailOutbox(desk.app.db, desk.clock).pending()
    assert waiting.attempts == 1 and waiting.next_attempt_at is not None
    assert "hanako" not in (waiting.last_error or "")
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()  # type: ignore[no-untyped-call]
    try:
        assert asyncio.run(worker(desk, port).send_due()) == 0  # not due yet: backing off
        desk.clock.advance(seconds=3)
        assert asyncio.run(worker(desk, port).send_due()) == 1
    finally:
        controller.stop()  # type: ignore[no-untyped-call]
    assert len(mailbox.messages) == 1


def test_an_address_the_server_refuses_is_not_retried_and_staff_see_it(
    desk: Desk, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    mailbox.refuse.add("hanako@example.jp")
    number = disclosure(desk)
    desk.app.cases.attach_answer(number, StaffActor.trusted("sato"), "開示書.pdf", PDF)
    desk.app.cases.send_answer(number, StaffActor.trusted("sato"))
    assert asyncio.run(worker(desk, port).send_due()) == 0
    with desk.app.db.transaction() as session:
        [mail] = session.exec(select(EmailMessage)).all()
        [event] = session.exec(
            select(CaseEvent).where(CaseEvent.kind == "answer_email_failed")
        ).all()
    assert (mail.status, mail.last_error) == ("failed", "smtp 550")
    assert event.data == {"error": "smtp 550"}
    desk.clock.advance(days=1)
    assert asyncio.run(worker(desk, port).send_due()) == 0
    assert mailbox.messages == []


def test_answer_settings_that_cannot_work_are_named_before_serving() -> None:
    def problems(**values: str) -> str:
        return "\n".join(settings_problems(Settings(DATABASE_URL="sqlite://", **values)))  # type: ignore[arg-type]

    assert "ANSWER_LINK_BASE_URL must be an https" in problems(
        ANSWER_LINK_BASE_URL="http://desk.example"
    )
    assert "ANSWER_LINK_BASE_URL" not in problems(ANSWER_LINK_BASE_URL="https://desk.example")
    assert "SMTP_HOST needs SMTP_FROM" in problems(SMTP_HOST="mail.example")
    assert "SMTP_FROM needs SMTP_HOST" in problems(SMTP_FROM="kojin@coop.example")
    assert "SMTP" not in problems(SMTP_HOST="mail.example", SMTP_FROM="kojin@coop.example")


def test_a_staff_action_wakes_the_e_mail_sender_at_once_not_at_its_next_look(
    desk: Desk, smtp: tuple[Mailbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox, port = smtp
    monkeypatch.setattr(email_delivery, "IDLE_SECONDS", 3600.0)  # its own next look: an hour
    number = disclosure(desk)
    wakeups = Wakeups()
    sender = server.email_worker(desk.app, worker(desk, port).server, wakeups)

    async def scenario() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(sender.run(stop))
        await asyncio.sleep(0)  # it has looked once and found nothing
        sato = StaffActor.trusted("sato")
        await asyncio.to_thread(desk.app.cases.attach_answer, number, sato, "開示書.pdf", PDF)
        await asyncio.to_thread(desk.app.cases.send_answer, number, sato, key="send")
        wakeups.member_outboxes()  # what a staff action in Slack does after its commit
        async with asyncio.timeout(30):
            while not mailbox.messages:
                await asyncio.sleep(0.05)
        stop.set()
        await running

    asyncio.run(scenario())
    [(_sender, recipients, _message)] = mailbox.messages
    assert recipients == ["hanako@example.jp"]
