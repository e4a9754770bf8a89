"""Organisation profiles: what each co-op's privacy policy says, as validated data.

The dialogue engine answers members' questions ("where do I send this?", "is there a fee?")
only from these profiles, never from free-form model output, so every fact is kept in a TOML
file under ``flows/orgs/`` that can be checked line by line against the published policy.
Member-facing text is always a Japanese/English pair (:class:`LocalText`).

Validation here encodes the legal guard rails that must hold whatever a profile file says:
fees only for the request types APPI Art. 38 allows, and never a fee amount in the bot's words.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

REQUEST_TYPES: tuple[str, ...] = (
    "inquiry",
    "purpose_notice",
    "disclosure",
    "third_party_record",
    "correction",
    "suspension",
    "third_party_stop",
    "consent_withdrawal",
)
"""Request type ids understood by the dialogue engine (see the APPI checklist)."""
# A hand-off to a person is not a statutory request type but still a case with a deadline.
CASE_TYPES: tuple[str, ...] = (*REQUEST_TYPES, "human")

FEE_ELIGIBLE_TYPES: frozenset[str] = frozenset(
    {"purpose_notice", "disclosure", "third_party_record"}
)
"""The only request types for which APPI Art. 38 lets a business charge a fee."""

DisclosureMethod = Literal["email", "postal", "in_person", "chat"]
ReplyMethod = Literal["chat", "postal", "email"]
OtherBusinessTopic = Literal["delivery", "money"]

# A sum of money in either language: "1,000円", "１０００ 円", "千円", "500 yen", "¥300".
_MONEY_RE = re.compile(r"[\d〇一二三四五六七八九十百千万]\s*円|\d\s*(?:yen|JPY)\b|[¥￥]\s*\d", re.I)
_SLUG_RE = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class ProfileError(ValueError):
    """A profile file is missing, not valid TOML, or does not match the schema."""


class _Model(BaseModel):
    """Shared config: profiles are static data, so reject unknown keys and forbid mutation.

    Unknown keys are almost always typos in a TOML file; frozen models matter because
    :func:`load_profiles` hands the same cached objects to every caller.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_request_type(request_type: str) -> str:
    """Fail loudly on an unknown id so a typo cannot silently mean "no fee" or a default."""
    if request_type not in CASE_TYPES:
        raise ValueError(f"unknown request type {request_type!r}; expected one of {CASE_TYPES}")
    return request_type


class LocalText(_Model):
    """A member-facing text in Japanese (the source wording) and English."""

    ja: str
    en: str

    @field_validator("ja", "en")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        """An empty translation would show the member nothing."""
        if not value.strip():
            raise ValueError("text must not be empty")
        return value

    def get(self, lang: str) -> str:
        """Return the English text for ``en`` (also ``en-US`` etc.), Japanese otherwise."""
        return self.en if lang.lower().replace("_", "-").split("-")[0] == "en" else self.ja


class Phone(_Model):
    """A phone number with what it is for, as the policy labels it.

    Hours belong to one number: the seeds give hours for one line only, and hours shown
    beside another number would be a promise nobody made.
    """

    number: str
    label: LocalText
    hours: LocalText | None = None


class Contact(_Model):
    """Where members send requests; fields the policy does not give stay ``None`` or empty."""

    desk: LocalText
    postal_code: str | None = Field(default=None, pattern=r"^\d{3}-\d{4}$")
    address: LocalText | None = None
    phones: list[Phone] = Field(default_factory=list)
    in_person: list[LocalText] = Field(default_factory=list)


class Queue(_Model):
    """The staff queue that receives handed-over requests."""

    id: str = Field(pattern=_SLUG_RE)
    name: LocalText


class FeeRule(_Model):
    """Whether a fee may be charged, and what the bot may say about it (never a sum).

    ``not_published`` is a policy that says nothing about fees: the desk must not call the
    request free, only say that the point is not published and staff will explain.
    """

    kind: Literal["not_published", "actual_cost_may_apply"]
    applies_to: list[str] = Field(default_factory=list)
    note: LocalText

    @field_validator("applies_to")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        """Every id must be a real request type."""
        for request_type in value:
            _check_request_type(request_type)
        return value

    @model_validator(mode="after")
    def _kind_matches_types(self) -> Self:
        """A silent policy listing types, or a fee rule listing none, is a contradiction."""
        if self.kind == "not_published" and self.applies_to:
            raise ValueError("fees.kind 'not_published' must not list applies_to")
        if self.kind != "not_published" and not self.applies_to:
            raise ValueError(f"fees.kind {self.kind!r} needs at least one applies_to type")
        return self

    def applies(self, request_type: str) -> bool:
        """Whether a fee may be charged for this request type."""
        return self.kind != "not_published" and _check_request_type(request_type) in self.applies_to


class AgentRule(_Model):
    """What the policy says about requests made through an agent (代理人).

    The documents an agent needs are the co-op's rule, so they are told in the policy's own
    words where it has any, and as "not published; staff will explain" where it is silent:
    typical documents under the law are never presented as the co-op's rule.
    """

    mentioned_in_policy: bool
    # The document the policy itself names, in its words; None where the policy names none.
    power_of_attorney: LocalText | None = None
    note: LocalText
    appointed_documents: LocalText  # told to an appointed agent (任意代理人)
    legal_documents: LocalText  # told to a legal representative (親権者・成年後見人)

    @model_validator(mode="after")
    def _named_only_if_mentioned(self) -> Self:
        """A document cannot be the policy's rule if the policy does not mention agents."""
        if self.power_of_attorney is not None and not self.mentioned_in_policy:
            raise ValueError("agents.power_of_attorney needs agents.mentioned_in_policy = true")
        return self


class OtherBusiness(_Model):
    """Where a member is sent with business that is not about personal data (a late
    delivery, a payment): only to a body the seed names, never with an invented number."""

    where: LocalText
    # Show the org's published contact too: only where that contact handles such business.
    with_contact: bool = False


class OtherBody(_Model):
    """A body whose name contains one of this org's names but is another organisation
    (生活クラブ生協 beside 生活クラブ共済連, コープ共済連 beside コープデリ): its name never picks
    this org, and the member is told what it is before being asked which org they mean."""

    names: list[str] = Field(min_length=1)
    note: LocalText
    # The documents a legal representative (親権者, 成年後見人) needs, where the policy names
    # them; neither seed does, so the desk says staff will explain.
    legal_documents: LocalText | None = None


class JointUse(_Model):
    """共同利用: sharing that is not third-party provision, so it leaves no provision record."""

    scope: LocalText
    partners: list[LocalText] = Field(default_factory=list)
    note: LocalText


ATTACHMENT_TYPES: dict[str, LocalText] = {
    "image/jpeg": LocalText(ja="写真（JPEG）", en="photo (JPEG)"),
    "image/png": LocalText(ja="画像（PNG）", en="image (PNG)"),
    "application/pdf": LocalText(ja="PDF", en="PDF"),
}
"""File types a profile may accept, with how the member hears them named."""


class AttachmentRule(_Model):
    """Whether members may send files (a 委任状, evidence for a correction) and which ones.

    Off by default: neither seed policy says how files reach the desk, so a deployment turns
    this on only when the co-op has agreed to receive them here.
    """

    allowed: bool = False
    types: tuple[str, ...] = ("image/jpeg", "image/png", "application/pdf")
    max_mb: int = Field(default=10, ge=1, le=20)  # the Bot API downloads at most 20 MB

    @field_validator("types")
    @classmethod
    def _known_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        """Only types the bot can recognise from the bytes themselves."""
        unknown = sorted(set(value) - set(ATTACHMENT_TYPES))
        if unknown or not value:
            raise ValueError(f"attachment types must be among {sorted(ATTACHMENT_TYPES)}")
        return value

    @property
    def max_bytes(self) -> int:
        return self.max_mb * 1024 * 1024


class AnswerRule(_Model):
    """How staff's answer files (a 開示's PDF, CSV, images) reach the member: the largest
    file staff may attach, and how many days a download link works. Deployment data, not a
    policy fact: neither seed publishes them, so the defaults are the desk's."""

    max_mb: int = Field(default=20, ge=1, le=50)  # Telegram's sendDocument takes 50 MB
    link_days: int = Field(default=7, ge=1, le=30)

    @property
    def max_bytes(self) -> int:
        return self.max_mb * 1024 * 1024


class Retention(_Model):
    """How long the desk keeps what it holds, in days after a case closes.

    Both policies promise that personal data no longer used is disposed of promptly but name
    no period, so the periods are org data: ``storage.retention`` purges by them. The request
    register (the case, its dates and outcome) is the proof a request was answered, so it is
    kept longest; transcripts and files cannot outlive it.
    """

    transcripts_days: int = Field(default=365, ge=1, strict=True)
    attachments_days: int = Field(default=90, ge=1, strict=True)
    register_days: int = Field(default=1825, ge=1, strict=True)
    # Chat never part of a case, and a half-entered request, once the chat is idle this long.
    idle_chat_days: int = Field(default=90, ge=1, strict=True)
    # A member's message about a closed case reaches it (marked 会員から連絡あり) this long
    # after the close; later they are told it is closed and offered a new request.
    followup_days: int = Field(default=90, ge=0, strict=True)

    @model_validator(mode="after")
    def _register_outlives_the_rest(self) -> Self:
        """Removing the case at the register stage removes its transcript and files too, so
        a longer transcript or file period would be a promise the desk could not keep."""
        for name in ("transcripts_days", "attachments_days", "followup_days"):
            if getattr(self, name) > self.register_days:
                raise ValueError(f"retention.{name} must not exceed retention.register_days")
        return self


class Deadlines(_Model):
    """Internal answer targets in days from arrival (the law only says 遅滞なく)."""

    default_days: int = Field(default=14, ge=1)
    extension_max_days: int = Field(default=14, ge=0)
    per_type: dict[str, int] = Field(default_factory=dict)

    @field_validator("per_type")
    @classmethod
    def _valid_per_type(cls, value: dict[str, int]) -> dict[str, int]:
        """Keys must be request types and targets positive."""
        for request_type, days in value.items():
            _check_request_type(request_type)
            if days < 1:
                raise ValueError(f"per_type[{request_type!r}] must be at least 1 day")
        return value

    def days_for(self, request_type: str) -> int:
        """The target for this request type, falling back to the default."""
        return self.per_type.get(_check_request_type(request_type), self.default_days)


_MONTH_DAY_RE = r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday names as profiles spell them, in ``date.weekday()`` order."""


class ClosedPeriod(_Model):
    """Days the office closes every year, month-day to month-day (both included); a period
    may run over the new year, as 年末年始 does."""

    start: str = Field(pattern=_MONTH_DAY_RE)
    end: str = Field(pattern=_MONTH_DAY_RE)

    @model_validator(mode="after")
    def _real_days(self) -> Self:
        """「02-30」 matches the pattern but is no day (02-29 is, in a leap year)."""
        self.days()
        return self

    def days(self) -> int:
        """How many days the period lasts (in a leap year)."""
        start = date(2000, *map(int, self.start.split("-")))
        end = date(2000, *map(int, self.end.split("-")))
        return (end - start).days % 366 + 1

    def includes(self, day: date) -> bool:
        key = f"{day.month:02d}-{day.day:02d}"
        if self.start <= self.end:
            return self.start <= key <= self.end
        return key >= self.start or key <= self.end


class OfficeDays(_Model):
    """On which days the office is closed, so a date promised to a member never falls on one
    (``flows.office_calendar``). Neither seed publishes its closed days: the defaults (土日,
    祝日, 年末年始 12月29日〜1月3日) are the desk's assumption, for each co-op to check."""

    closed_weekdays: tuple[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], ...] = (
        "sat",
        "sun",
    )
    # Japan's public holidays and 振替休日 as the Cabinet Office fixes them (jpholiday).
    public_holidays_closed: bool = True
    closed_periods: tuple[ClosedPeriod, ...] = (ClosedPeriod(start="12-29", end="01-03"),)

    @field_validator("closed_weekdays")
    @classmethod
    def _some_weekday_open(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        """An office closed every weekday could never be promised a date."""
        if set(WEEKDAYS) <= set(value):
            raise ValueError("office_days.closed_weekdays must leave at least one day open")
        return value

    @field_validator("closed_periods")
    @classmethod
    def _short_periods(cls, value: tuple[ClosedPeriod, ...]) -> tuple[ClosedPeriod, ...]:
        """A yearly closure is a holiday season, not most of the year: a longer one is a typo
        (12-29 to 01-03 written the other way round would close the office all year)."""
        for period in value:
            if period.days() > 31:
                raise ValueError(
                    f"office_days.closed_periods {period.start}..{period.end} lasts "
                    f"{period.days()} days; at most 31"
                )
        return value

    def weekday_closed(self, day: date) -> bool:
        return WEEKDAYS[day.weekday()] in self.closed_weekdays


_CLOCK_RE = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class OfficeHours(_Model):
    """When staff read messages, as the co-op publishes it (生活クラブ共済連: 平日9:00〜17:00),
    kept with its published wording so the member is told the hours in the co-op's words.
    Only on open days (``office_days``); ``weekdays`` also leaves out an open weekend day."""

    days: Literal["weekdays", "open_days"] = "weekdays"
    open: str = Field(pattern=_CLOCK_RE)
    close: str = Field(pattern=_CLOCK_RE)
    ja: str = Field(min_length=1)
    en: str = Field(min_length=1)

    @model_validator(mode="after")
    def _opens_before_it_closes(self) -> Self:
        if self.open >= self.close:
            raise ValueError(f"hours: open {self.open} must be before close {self.close}")
        return self

    def wording(self, lang: str) -> str:
        return LocalText(ja=self.ja, en=self.en).get(lang)


class OrgProfile(_Model):
    """Everything the bot may state about one co-op, taken from its privacy policy."""

    id: str = Field(pattern=_SLUG_RE)
    name: LocalText
    short_name: LocalText
    # Other names members use for the org, so a first message that names it needs no
    # separate question. Only names no other body shares: a shared word goes in shared_names.
    aliases: list[str] = Field(default_factory=list)
    # Words that may mean this org but also another body (「共済」「生活クラブ」「コープ」):
    # with several orgs served, they never pick an org; the member is asked.
    shared_names: list[str] = Field(default_factory=list)
    other_bodies: list[OtherBody] = Field(default_factory=list)
    case_prefix: str = Field(pattern=r"^[A-Z]{2,4}$")
    policy_date: date
    representative_info: LocalText
    # Who issued the policy, as it is signed (生活クラブ共済連: its 理事会); None if unsigned.
    policy_issuer: LocalText | None = None
    queue: Queue
    contact: Contact
    rights: list[LocalText] = Field(min_length=1)
    rights_note: LocalText
    purposes: list[LocalText] = Field(min_length=1)
    data_kinds: list[LocalText] = Field(default_factory=list)
    third_party_exceptions: list[LocalText] = Field(default_factory=list)
    not_third_party: list[LocalText] = Field(default_factory=list)
    # The lists above in plain words, from the same section of the policy, said before the
    # pointer to the policy's own wording (a member asking "who gets my data" is not read a
    # legal list). None: the lists are read out as they are.
    third_party_plain: LocalText | None = None
    # The member notices that keep coming after ads are stopped, named as the org would: an
    # example only where it suits the org's members (コープデリ's 総代会), else neutral words.
    statutory_notices: LocalText = LocalText(
        ja="法律や定款にもとづいてお送りするお知らせ",
        en="notices we send you as the law or our articles of association require",
    )
    joint_use: JointUse
    security_measures: list[LocalText] = Field(default_factory=list)
    fees: FeeRule
    agents: AgentRule
    deadlines: Deadlines = Field(default_factory=Deadlines)
    office_days: OfficeDays = Field(default_factory=OfficeDays)
    # Published hours; None where the policy gives none (コープデリ): then only a closed day
    # is "out of hours", and no hours are ever named to the member.
    hours: OfficeHours | None = None
    disclosure_methods: list[DisclosureMethod] = Field(min_length=1)
    # How the answer to any other request may reach the member; only what the org offers.
    reply_methods: list[ReplyMethod] = Field(min_length=1)
    # Where business that is not about personal data goes, per topic the desk recognises.
    other_business: dict[OtherBusinessTopic, OtherBusiness] = Field(default_factory=dict)
    attachments: AttachmentRule = Field(default_factory=AttachmentRule)
    answers: AnswerRule = Field(default_factory=AnswerRule)
    retention: Retention = Field(default_factory=Retention)
    # What the policy says about a deceased person's data; neither seed says anything, so the
    # desk says it is not published and that staff will explain.
    deceased_note: LocalText | None = None
    # Where members find their 組合員番号・共済契約番号, if the co-op publishes it; neither seed
    # does, so the desk says it is not published and that staff will explain.
    member_number_note: LocalText | None = None
    # The documents the co-op asks for to confirm a requester is the person (a reply template
    # names them); neither seed names any, so staff are shown that it is not published.
    identity_documents: LocalText | None = None

    @model_validator(mode="after")
    def _lawful_fees(self) -> Self:
        """Reject fees APPI Art. 38 does not allow, and any sum in the bot's fee wording.

        No seed policy publishes an amount, so a number next to 円 could only be invented.
        """
        not_allowed = sorted(set(self.fees.applies_to) - FEE_ELIGIBLE_TYPES)
        if not_allowed:
            raise ValueError(
                f"fees.applies_to {not_allowed} not allowed: APPI Art. 38 permits fees only for "
                f"{sorted(FEE_ELIGIBLE_TYPES)}"
            )
        for lang in ("ja", "en"):
            if _MONEY_RE.search(self.fees.note.get(lang)):
                raise ValueError(f"fees.note ({lang}) must not state an amount of money")
        return self

    @model_validator(mode="after")
    def _counter_only_where_there_is_one(self) -> Self:
        """A pick-up at a counter can be offered only where the profile has a counter."""
        if "in_person" in self.disclosure_methods and not self.contact.in_person:
            raise ValueError("disclosure_methods 'in_person' needs contact.in_person places")
        return self


def profiles_dir() -> Path:
    """The packaged ``flows/orgs`` folder holding one TOML file per organisation."""
    return Path(__file__).resolve().parent / "orgs"


def load_profile(path: Path) -> OrgProfile:
    """Read and validate one profile; any failure raises :class:`ProfileError` naming the file."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ProfileError(f"cannot read org profile {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"org profile {path} is not valid TOML: {exc}") from exc
    try:
        return OrgProfile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(f"org profile {path} does not match the schema:\n{exc}") from exc


def _load_dir(directory: Path) -> dict[str, OrgProfile]:
    """Load every ``*.toml`` in ``directory``; file name and id must agree so both are findable."""
    if not directory.is_dir():
        raise ProfileError(f"org profile directory {directory} does not exist")
    profiles: dict[str, OrgProfile] = {}
    for path in sorted(directory.glob("*.toml")):
        profile = load_profile(path)
        if profile.id != path.stem:
            raise ProfileError(f"org profile {path} declares id {profile.id!r}; rename one of them")
        profiles[profile.id] = profile
    return profiles


@lru_cache(maxsize=1)
def _default_profiles() -> dict[str, OrgProfile]:
    """The packaged profiles never change at run time, so read them once."""
    return _load_dir(profiles_dir())


def load_profiles(directory: Path | None = None) -> dict[str, OrgProfile]:
    """All profiles keyed by id; the packaged folder is cached, other folders are read fresh.

    A new dict is returned each time so callers cannot alter the cache (the profiles
    themselves are frozen).
    """
    if directory is None:
        return dict(_default_profiles())
    return _load_dir(directory)
