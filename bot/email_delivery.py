"""Answer links by e-mail, through the co-op's own SMTP server (aiosmtplib, in the serve loop).

The rows are written with the staff action (``storage.email_outbox``), so an e-mail is never
lost to a crash or an SMTP server that is down: it is tried again with back-off. A message
the server refuses for good (5xx for the address) is not retried; staff see it on the case.
What is stored of a failure is the SMTP code only: the server's words may hold the address.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import aiosmtplib
import structlog

from bot.config import Settings
from bot.dispatch import backoff
from storage.email_outbox import EmailOutbox, Mail

log = structlog.get_logger(__name__)
IDLE_SECONDS = 5.0  # how often the worker looks for e-mails another process queued


@dataclass(frozen=True)
class SmtpServer:
    """The co-op's SMTP server, per deployment (``SMTP_*``); ``repr`` hides the password."""

    host: str
    port: int
    starttls: bool
    sender: str
    user: str | None = None
    password: str | None = None

    def __repr__(self) -> str:
        return f"SmtpServer({self.host!r}, {self.port}, starttls={self.starttls})"

    @classmethod
    def of(cls, settings: Settings) -> SmtpServer | None:
        """The server the settings name; None without ``SMTP_HOST`` and ``SMTP_FROM``."""
        if not settings.smtp_host or not settings.smtp_from:
            return None
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_starttls,
            settings.smtp_from,
            settings.smtp_user,
            password,
        )


class EmailWorker:
    """Sends due e-mails; ``run`` keeps doing so until ``stop``."""

    def __init__(self, outbox: EmailOutbox, server: SmtpServer, *, timeout: float = 30.0) -> None:
        self.outbox = outbox
        self.server = server
        self.timeout = timeout
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def send_due(self) -> int:
        """Send what is due now; returns how many the server accepted."""
        mails = await asyncio.to_thread(self.outbox.claim_due)
        accepted = 0
        for mail in mails:
            if await self._send(mail):
                accepted += 1
        return accepted

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.send_due()
            except Exception:  # the database is away: try again later, never stop serving
                log.exception("email.worker_failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                stopping = asyncio.ensure_future(stop.wait())
                waking = asyncio.ensure_future(self._wake.wait())
                try:
                    await asyncio.wait_for(
                        asyncio.wait({stopping, waking}, return_when=asyncio.FIRST_COMPLETED),
                        IDLE_SECONDS,
                    )
                finally:
                    stopping.cancel()
                    waking.cancel()

    def _message(self, mail: Mail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.server.sender
        message["To"] = mail.recipient
        message["Subject"] = mail.subject
        message["Date"] = format_datetime(self.outbox.clock())
        message["Message-ID"] = make_msgid(domain=self.server.sender.rpartition("@")[2] or None)
        message.set_content(mail.body, charset="utf-8")
        return message

    async def _send(self, mail: Mail) -> bool:
        implicit_tls = self.server.port == 465
        try:
            await aiosmtplib.send(
                self._message(mail),
                hostname=self.server.host,
                port=self.server.port,
                username=self.server.user,
                password=self.server.password,
                use_tls=implicit_tls,
                start_tls=self.server.starttls and not implicit_tls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = sorted({r.code for r in error.recipients})
            await self._failed(mail, f"smtp {codes[0] if codes else 550}", permanent=True)
            return False
        except aiosmtplib.SMTPResponseException as error:
            await self._failed(mail, f"smtp {error.code}", permanent=500 <= error.code < 600)
            return False
        except (aiosmtplib.SMTPException, OSError) as error:
            await self._failed(mail, type(error).__name__, permanent=False)
            return False
        await asyncio.to_thread(self.outbox.sent, mail.id)
        log.info("email.sent", mail=mail.id)
        return True

    async def _failed(self, mail: Mail, error: str, *, permanent: bool) -> None:
        log.warning("email.failed", mail=mail.id, error=error, permanent=permanent)
        if permanent:
            await asyncio.to_thread(self.outbox.refused, mail.id, error)
        else:
            await asyncio.to_thread(
                self.outbox.retry_later, mail.id, error, backoff(mail.attempts + 1)
            )
