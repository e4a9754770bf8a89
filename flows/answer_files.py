"""The answer itself (a 開示's PDF, CSV or images): which files staff may attach, how a paper
send is named, and what the member is told when it goes out.

Pure rules and wording; ``storage.answers`` stores and sends. The file's type comes from its
bytes (``filetype`` reads the signature; a CSV is text with a ``.csv`` name), never from the
name alone, so a renamed executable is not sent to a member as a PDF.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

import filetype

from flows.cases import CaseActionError
from flows.i18n import N_, Translator
from flows.profiles import AnswerRule

# Request types whose answer is data the member receives (APPI Art. 32, 33, 33(5)).
ANSWERED_WITH_FILES = frozenset({"disclosure", "third_party_record", "purpose_notice"})
# Those that may not close 回答済 until the answer has gone out (sent or posted).
DELIVERY_REQUIRED = frozenset({"disclosure", "third_party_record"})

PDF, CSV, JPEG, PNG = "application/pdf", "text/csv", "image/jpeg", "image/png"
ALLOWED_TYPES = (PDF, CSV, JPEG, PNG)
_SIGNED = frozenset({PDF, JPEG, PNG})
_CSV_ENCODINGS = ("utf-8-sig", "cp932")  # Excel in Japan writes Shift_JIS (cp932)
MAX_NAME_LENGTH = 120
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')

# How a paper answer went out (CaseService.record_paper_send), by code, with the label staff
# type and see.
PAPER_METHODS: dict[str, str] = {
    "simple_registered": N_("簡易書留"),
    "restricted_delivery": N_("本人限定受取郵便"),
    "ordinary_mail": N_("普通郵便"),
    "handed_over": N_("窓口手渡し"),
}


@dataclass(frozen=True)
class CheckedFile:
    """A file staff attached, accepted: its safe name and the type its bytes announce."""

    name: str
    mime: str


def safe_name(name: str, mime: str) -> str:
    """A name fit for a download (no path, no control characters), with the type's suffix."""
    cleaned = _UNSAFE_NAME.sub("_", unicodedata.normalize("NFC", name)).strip(" ._")
    suffix = {PDF: ".pdf", CSV: ".csv", JPEG: ".jpg", PNG: ".png"}[mime]
    stem = cleaned[: MAX_NAME_LENGTH - len(suffix)] or "answer"
    if stem.lower().endswith(suffix) or (mime == JPEG and stem.lower().endswith(".jpeg")):
        return stem
    return stem + suffix


def _is_csv(name: str, data: bytes) -> bool:
    if not name.lower().endswith(".csv") or b"\x00" in data:
        return False
    for encoding in _CSV_ENCODINGS:
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def check_file(name: str, data: bytes, rule: AnswerRule) -> CheckedFile:
    """Accept the file or refuse it with what to do instead (empty, too big, wrong type)."""
    shown = name or "(無名)"
    if not data:
        raise CaseActionError(
            f"{shown} is empty.",
            f"{shown} は空のファイルです。中身のあるファイルを添付してください。",
        )
    if len(data) > rule.max_bytes:
        raise CaseActionError(
            f"{shown} is larger than {rule.max_mb} MB.",
            f"{shown} は{rule.max_mb}MBを超えています。"
            f"{rule.max_mb}MBまでのファイルにしてください。",
        )
    kind = filetype.guess(data)
    mime = kind.mime if kind is not None else None
    if mime not in _SIGNED:
        mime = CSV if kind is None and _is_csv(name, data) else None
    if mime is None:
        raise CaseActionError(
            f"{shown} is not a PDF, CSV, JPEG or PNG file.",
            f"{shown} は送れない種類のファイルです。PDF・CSV・JPEG・PNGのいずれかにしてください。",
        )
    return CheckedFile(safe_name(name, mime), mime)


def paper_method(typed: str) -> str:
    """The paper method's code from what staff typed (its label or its code)."""
    wanted = unicodedata.normalize("NFKC", typed).strip()
    for code, label in PAPER_METHODS.items():
        if wanted in (code, unicodedata.normalize("NFKC", label)):
            return code
    names = "・".join(PAPER_METHODS.values())
    raise CaseActionError(
        f"Unknown paper method {typed!r}.",
        f"送付方法「{typed}」はありません。{names}から選んでください。",
    )


def size_label(size: int) -> str:
    """A file's size as staff and members read it (KB below one MB)."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))}KB"
    return f"{size / (1024 * 1024):.1f}MB"


# ---------------------------------------------------------------- what the member is told


def document_caption(t: Translator, number: str) -> str:
    """The caption of a file sent into the member's chat (Telegram)."""
    return t("受付番号 {number} のご回答のファイルです。", number=number)


def documents_sent_notice(t: Translator, number: str, count: int) -> str:
    return t(
        "受付番号 {number} のご回答を、このチャットにファイル（{count}件）でお送りしました。",
        number=number,
        count=count,
    )


def link_notice(t: Translator, number: str, url: str, code: str, expires: datetime) -> str:
    """The link and its code in the member's chat (LINE, the web chat, the terminal)."""
    return t(
        "受付番号 {number} のご回答をご用意しました。次のリンクを開き、確認コード {code} を"
        "入力してダウンロードしてください。\n{url}\nリンクは{expires}まで使えます。"
        "確認コードはほかの方に知らせないでください。",
        number=number,
        url=url,
        code=code,
        expires=t.date(expires),
    )


def code_notice(t: Translator, number: str, code: str, expires: datetime) -> str:
    """The code in the member's chat when the link went by e-mail."""
    return t(
        "受付番号 {number} のご回答のダウンロード用リンクを、ご登録のメールアドレスに"
        "お送りしました。リンクを開いたら、確認コード {code} を入力してください。"
        "リンクは{expires}まで使えます。確認コードはほかの方に知らせないでください。",
        number=number,
        code=code,
        expires=t.date(expires),
    )


def email_subject(t: Translator, org_name: str, number: str) -> str:
    return t(
        "【{org}】ご回答のダウンロードのご案内（受付番号 {number}）", org=org_name, number=number
    )


def email_body(t: Translator, org_name: str, number: str, url: str, expires: datetime) -> str:
    """The e-mail: the link only. The file never travels in it, and neither does the code."""
    return t(
        "{org}の個人情報の窓口です。\n\n受付番号 {number} のご回答をご用意しました。"
        "次のリンクを開き、別にお知らせした確認コードを入力してダウンロードしてください。\n\n"
        "{url}\n\nリンクは{expires}まで使えます。期限が過ぎた場合は、窓口にご連絡ください。"
        "もう一度お送りします。\nお心当たりのない場合は、このメールを破棄してください。",
        org=org_name,
        number=number,
        url=url,
        expires=t.date(expires),
    )


def posted_notice(t: Translator, number: str, method: str, sent_on: date) -> str:
    """The member with a chat hears that the paper answer is on its way."""
    return t(
        "受付番号 {number} のご回答を、{date}に{method}でお送りしました。届くまでお待ちください。",
        number=number,
        date=t.date(sent_on),
        method=method,
    )
