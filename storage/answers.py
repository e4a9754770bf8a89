"""Staff's answer files and their deliveries: stored encrypted, sent once, downloaded by link.

``CaseService`` calls these inside its own transaction (one per staff action, with its
idempotency key); the download page calls :func:`open_link` and :func:`download`, each one
transaction that counts a wrong code or audits the download with the file's SHA-256.

A link is a random token in the URL and a short code shown to the member another way (their
chat, or the paper notice): a leaked e-mail alone opens nothing. Only keyed hashes of both are
stored, and ``MAX_WRONG_CODES`` wrong codes lock the link until staff send it again.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from flows import answer_files as rules
from flows.cases import CaseActionError
from flows.i18n import JST, Translator
from flows.profiles import AnswerRule
from storage.audit import Actor, AuditLog
from storage.db import Database
from storage.models import (
    PRIORITY_NOTICE,
    AnswerDelivery,
    AnswerFile,
    Case,
    CaseEvent,
    Conversation,
    EmailMessage,
    OutboxMessage,
)

Tell = Callable[[Session, Case, str, str], None]  # CaseService._tell_member
_TRACKING = re.compile(r"[0-9A-Za-z-]{1,30}")

MAX_WRONG_CODES = 5
CODE_DIGITS = 6
# The member's ``method`` choices that are answered on paper (CaseService.record_paper_send).
PAPER = frozenset({"postal", "in_person"})
DOWNLOAD_ACTOR = Actor("member:link", "link")


@dataclass(frozen=True)
class AnswerSettings:
    """Per deployment: where download links point, and each org's file and link rule."""

    link_base_url: str | None = None  # e.g. https://desk.example.coop (the serve app)
    rules: Mapping[str, AnswerRule] = field(default_factory=dict)
    org_names: Mapping[str, str] = field(default_factory=dict)  # the e-mail's sender, in Japanese

    def rule(self, org_id: str) -> AnswerRule:
        return self.rules.get(org_id, AnswerRule())

    def link(self, token: str) -> str:
        assert self.link_base_url
        return f"{self.link_base_url.rstrip('/')}/answer/{token}"


@dataclass(frozen=True)
class FileShown:
    """A file as staff see it before sending: never its bytes."""

    name: str
    mime: str
    size: int
    sha256: str


@dataclass(frozen=True)
class AnswerPreview:
    """What the member will get: the files, how, where to, and until when a link works."""

    number: str
    method: str  # the member's choice: chat | email | postal | in_person
    channel: str  # where it goes: telegram | line | web | terminal | email | paper
    destination: str  # the chat, or the e-mail address
    files: list[FileShown]
    link_expires: datetime | None  # None: no link (a Telegram document, paper)

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)


@dataclass(frozen=True)
class SentAnswer:
    """The result of sending. ``code`` is set only when staff must write it on the paper
    notice (an e-mail to a member with no chat); elsewhere the member's chat shows it."""

    preview: AnswerPreview
    code: str | None = None


def digest(secret: str, salt: str = "") -> str:
    """A token's or code's stored form: HMAC-SHA256 under the token, hex."""
    return hmac.new(salt.encode(), secret.encode(), hashlib.sha256).hexdigest()


def add_file(
    session: Session,
    case: Case,
    actor: str,
    name: str,
    data: bytes,
    rule: AnswerRule,
    now: datetime,
) -> AnswerFile:
    """Check and store one file of the case's pending answer."""
    checked = rules.check_file(name, data, rule)
    assert case.id is not None
    row = AnswerFile(
        case_id=case.id,
        name=checked.name,
        mime=checked.mime,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        added_by=actor,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def pending_files(session: Session, case: Case) -> list[AnswerFile]:
    return list(
        session.exec(
            select(AnswerFile)
            .where(AnswerFile.case_id == case.id, col(AnswerFile.delivery_id).is_(None))
            .order_by(col(AnswerFile.id))
        ).all()
    )


def require_answer_type(case: Case) -> None:
    if case.request_type not in rules.ANSWERED_WITH_FILES:
        raise CaseActionError(
            f"{case.number} is not a request answered with files.",
            f"{case.number} はファイルで回答する種類の請求（開示・第三者提供記録・利用目的の通知）"
            "ではありません。",
        )


def preview(session: Session, case: Case, settings: AnswerSettings, now: datetime) -> AnswerPreview:
    """What sending now would do, or the reason it cannot be sent (refused here, before
    anything is written, so a send fails whole)."""
    require_answer_type(case)
    files = pending_files(session, case)
    if not files:
        raise CaseActionError(
            f"{case.number} has no answer file to send.",
            f"{case.number} に送るファイルがありません。先にファイルを添付してください。",
        )
    method = str(case.fields.get("method") or "chat")
    conversation = session.get(Conversation, case.conversation_id)
    has_chat = case.route == "chat" and conversation is not None
    shown = [FileShown(f.name, f.mime, f.size, f.sha256) for f in files]
    expires = now + timedelta(days=settings.rule(case.org_id).link_days)
    if method in PAPER:
        raise CaseActionError(
            f"{case.number}'s answer goes on paper: record the send instead.",
            f"{case.number} は書面（郵送・窓口）での回答をご希望です。送付したら、送付日と方法を"
            "記録してください（madoguchi staff posted）。",
        )
    if method == "email":
        address = str(case.fields.get("email") or "")
        if not address:
            raise CaseActionError(
                f"{case.number} has no e-mail address.",
                f"{case.number} にはメールアドレスがありません。",
            )
        _require_link_base(settings)
        return AnswerPreview(case.number, method, "email", address, shown, expires)
    if not has_chat:
        raise CaseActionError(
            f"{case.number} has no chat to send the answer to.",
            f"{case.number} は会員さまのチャットがないため、ここからは送れません。",
        )
    assert conversation is not None
    if conversation.channel == "telegram":
        return AnswerPreview(case.number, method, "telegram", "Telegram", shown, None)
    _require_link_base(settings)
    return AnswerPreview(
        case.number, method, conversation.channel, conversation.channel, shown, expires
    )


def _require_link_base(settings: AnswerSettings) -> None:
    if not settings.link_base_url:
        raise CaseActionError(
            "ANSWER_LINK_BASE_URL is not set: download links cannot be made.",
            "ダウンロード用のURL（ANSWER_LINK_BASE_URL）が設定されていないため、リンクを作れません。"
            "管理者に連絡してください。",
        )


@dataclass(frozen=True)
class NewLink:
    token: str
    code: str


def new_delivery(
    session: Session, case: Case, actor: str, shown: AnswerPreview, now: datetime
) -> tuple[AnswerDelivery, NewLink | None]:
    """The delivery row, with a fresh token and code when it is a link; the pending files
    become this delivery's."""
    assert case.id is not None
    link = None
    delivery = AnswerDelivery(
        case_id=case.id,
        method=shown.method,
        channel=shown.channel,
        created_by=actor,
        created_at=now,
        expires_at=shown.link_expires,
    )
    if shown.link_expires is not None:
        token = secrets.token_urlsafe(32)
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        delivery.token_hash = digest(token)
        delivery.code_hash = digest(code, token)
        link = NewLink(token, code)
    session.add(delivery)
    session.flush()
    for row in pending_files(session, case):
        row.delivery_id = delivery.id
        session.add(row)
    return delivery, link


def deliver(
    session: Session,
    case: Case,
    delivery: AnswerDelivery,
    shown: AnswerPreview,
    link: NewLink | None,
    settings: AnswerSettings,
    now: datetime,
    tell: Tell,
) -> SentAnswer:
    """Queue what the member gets, in the staff action's transaction (durable: the outbox and
    the e-mail outbox send it after the commit, retrying as they do)."""
    t = Translator(case.lang)
    actor = delivery.created_by
    if link is None:  # Telegram: each file as a document, then a line saying so
        conversation = session.get(Conversation, case.conversation_id)
        assert conversation is not None and conversation.id is not None
        for row in _files(session, delivery):
            session.add(
                OutboxMessage(
                    conversation_id=conversation.id,
                    channel=conversation.channel,
                    chat_id=conversation.chat_id,
                    text=rules.document_caption(t, case.number),
                    answer_file_id=row.id,
                    priority=PRIORITY_NOTICE,
                    created_at=now,
                )
            )
        tell(session, case, rules.documents_sent_notice(t, case.number, len(shown.files)), actor)
        return SentAnswer(shown)
    assert shown.link_expires is not None
    url = settings.link(link.token)
    if shown.channel != "email":
        tell(
            session,
            case,
            rules.link_notice(t, case.number, url, link.code, shown.link_expires),
            actor,
        )
        return SentAnswer(shown)
    org = settings.org_names.get(case.org_id, case.org_id)
    assert case.id is not None
    session.add(
        EmailMessage(
            case_id=case.id,
            recipient=shown.destination,
            subject=rules.email_subject(t, org, case.number),
            body=rules.email_body(t, org, case.number, url, shown.link_expires),
            created_at=now,
            next_attempt_at=now,
        )
    )
    if case.route == "chat":
        tell(session, case, rules.code_notice(t, case.number, link.code, shown.link_expires), actor)
        return SentAnswer(shown)
    return SentAnswer(shown, code=link.code)


def sent_event(shown: AnswerPreview) -> dict[str, object]:
    """The ``answer_sent`` event: method, channel, each file with its SHA-256, link expiry."""
    return {
        "method": shown.method,
        "channel": shown.channel,
        "files": [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in shown.files],
        "sha256": [f.sha256 for f in shown.files],
        "expires": shown.link_expires.isoformat() if shown.link_expires else None,
    }


def posted_event(
    method: str, sent_on: date, tracking: str | None, now: datetime
) -> dict[str, object]:
    """The ``answer_posted`` event, or a clear refusal (a day to come, a bad tracking number)."""
    if sent_on > now.astimezone(JST).date():
        raise CaseActionError(
            "The send date is in the future.", "送付日が未来の日付です。送った日を入れてください。"
        )
    number = unicodedata.normalize("NFKC", tracking or "").strip() or None
    if number is not None and not _TRACKING.fullmatch(number):
        raise CaseActionError(
            "A tracking number has digits, letters and hyphens only.",
            "追跡番号は数字・英字・ハイフンで30文字までにしてください。",
        )
    return {"method": method, "sent_on": sent_on.isoformat(), "tracking": number}


def posted_notice(t: Translator, number: str, method: str, sent_on: date) -> str:
    return rules.posted_notice(t, number, t(rules.PAPER_METHODS[method]), sent_on)


def has_delivery(session: Session, case: Case) -> bool:
    """Whether the case's answer went out: sent, or a paper send recorded."""
    return (
        session.exec(
            select(CaseEvent.id).where(
                CaseEvent.case_id == case.id,
                col(CaseEvent.kind).in_(["answer_sent", "answer_posted"]),
            )
        ).first()
        is not None
    )


def file_bytes(db: Database, file_id: int) -> AnswerFile | None:
    """An answer file for a channel sending it as a document; None once purged."""
    with db.transaction() as session:
        return session.get(AnswerFile, file_id)


# ---------------------------------------------------------------- the download page


@dataclass(frozen=True)
class LinkState:
    """What the download page shows for a token: ``ok`` with the files' sizes and types, or
    why not (``unknown``, ``expired``, ``locked``)."""

    status: str
    files: Sequence[FileShown] = ()
    expires_at: datetime | None = None
    tries_left: int = MAX_WRONG_CODES
    lang: str = "ja"  # the member's, for the page


def _delivery(session: Session, token: str, *, lock: bool = False) -> AnswerDelivery | None:
    query = select(AnswerDelivery).where(AnswerDelivery.token_hash == digest(token))
    if lock:
        query = query.with_for_update()
    return session.exec(query).first()


def _state(delivery: AnswerDelivery | None, now: datetime) -> str:
    if delivery is None or delivery.expires_at is None:
        return "unknown"
    if delivery.locked_at is not None:
        return "locked"
    if delivery.expires_at <= now:
        return "expired"
    return "ok"


def _files(session: Session, delivery: AnswerDelivery) -> list[AnswerFile]:
    return list(
        session.exec(
            select(AnswerFile)
            .where(AnswerFile.delivery_id == delivery.id)
            .order_by(col(AnswerFile.id))
        ).all()
    )


def open_link(db: Database, token: str, now: datetime) -> LinkState:
    """The page before the code: no personal data (types and sizes only)."""
    with db.transaction() as session:
        delivery = _delivery(session, token)
        status = _state(delivery, now)
        if delivery is None:
            return LinkState(status)
        case = session.get(Case, delivery.case_id)
        lang = case.lang if case is not None else "ja"
        if status != "ok":
            return LinkState(status, lang=lang)
        files = [FileShown("", f.mime, f.size, "") for f in _files(session, delivery)]
        if not files:  # purged by retention
            return LinkState("expired", lang=lang)
        left = MAX_WRONG_CODES - delivery.wrong_codes
        return LinkState(status, files, delivery.expires_at, left, lang)


@dataclass(frozen=True)
class Download:
    """The outcome of a code: ``file`` when right, else the state (``wrong`` with tries left)."""

    status: str
    file: AnswerFile | None = None
    tries_left: int = 0
    lang: str = "ja"


def download(
    db: Database, audit: AuditLog, token: str, code: str, index: int, now: datetime
) -> Download:
    """Check the code and hand over the ``index``-th file (1-based), in one transaction with
    its audit entry; a wrong code is counted and audited, and the last one allowed locks."""
    with db.transaction() as session:
        delivery = _delivery(session, token, lock=True)
        status = _state(delivery, now)
        case = session.get(Case, delivery.case_id) if delivery is not None else None
        lang = case.lang if case is not None else "ja"
        if delivery is None or status != "ok":
            return Download(status, lang=lang)
        assert case is not None and delivery.code_hash is not None
        typed = code.strip()
        if not hmac.compare_digest(digest(typed, token), delivery.code_hash):
            delivery.wrong_codes += 1
            locked = delivery.wrong_codes >= MAX_WRONG_CODES
            if locked:
                delivery.locked_at = now
            session.add(delivery)
            audit.record(
                DOWNLOAD_ACTOR,
                "answer_wrong_code",
                case_number=case.number,
                allowed=False,
                detail={"delivery": delivery.id, "wrong_codes": delivery.wrong_codes},
                session=session,
            )
            if locked:
                return Download("locked", lang=lang)
            left = MAX_WRONG_CODES - delivery.wrong_codes
            return Download("wrong", tries_left=left, lang=lang)
        files = _files(session, delivery)
        if not 1 <= index <= len(files):
            return Download("unknown", lang=lang)
        chosen = files[index - 1]
        delivery.downloads += 1
        session.add(delivery)
        audit.record(
            DOWNLOAD_ACTOR,
            "answer_downloaded",
            case_number=case.number,
            detail={"delivery": delivery.id, "sha256": chosen.sha256, "size": chosen.size},
            session=session,
        )
        session.add(
            CaseEvent(
                case_id=case.id or 0,
                kind="answer_downloaded",
                actor="member",
                data={"sha256": chosen.sha256, "file": chosen.name},
                created_at=now,
            )
        )
        return Download("ok", chosen, lang=lang)
