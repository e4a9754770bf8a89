"""Reply templates (定型文): staff start a reply from words the co-op agreed, filled from the case.

Templates are data (``flows/templates/default.toml``, then ``<org-id>.toml`` beside it, then
the same two files in a deployment's own folder), so a co-op adds or rewords one without code.
A placeholder is filled only from the case and the org profile; a fact the case or the profile
does not hold is never guessed: the template is refused with the placeholder named, so no
member reads an empty gap, a literal ``{due}`` or a promise nobody made.

Pure: the Slack modal and ``madoguchi staff reply --template`` both call :func:`fill`.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from flows.i18n import N_, Translator
from flows.profiles import CASE_TYPES, LocalText, OrgProfile
from flows.published import identity_documents
from flows.registry import FLOWS

ALL_TYPES = "*"
"""A template's ``types`` entry meaning every case type."""

DEFAULT_FILE = "default.toml"


class TemplateError(ValueError):
    """A template file that cannot be used: unreadable, or a template that breaks a rule."""


class MissingValue(ValueError):
    """A placeholder the case or the org profile holds no value for: the template cannot be
    sent as it is. ``ja`` says which, for staff (English in ``str()``)."""

    def __init__(self, template_id: str, names: Sequence[str]) -> None:
        self.template_id = template_id
        self.names = tuple(names)
        super().__init__(
            f"Template {template_id!r} needs {', '.join(names)}, which this case does not have."
        )

    def message(self, t: Translator) -> str:
        """What staff read, in their language, naming each missing value as they know it."""
        labels = "".join(f"「{t(PLACEHOLDERS[name].label)}」" for name in self.names)
        if t.lang != "ja":
            labels = ", ".join(t(PLACEHOLDERS[name].label) for name in self.names)
        return t(
            "この案件には{labels}の記録がないため、定型文「{template}」は使えません。"
            "別の定型文を選ぶか、文面をご自分で書いてください。",
            labels=labels,
            template=self.template_id,
        )


@dataclass(frozen=True)
class Extension:
    """The case's latest extension: the member is told the new date and why."""

    new_due: datetime
    reason: str


@dataclass(frozen=True)
class CaseFacts:
    """What a template may say about one case; read by the desk from the case and its events."""

    number: str
    request_type: str
    lang: str
    received_at: datetime
    due_at: datetime
    queue_name: LocalText
    extension: Extension | None = None


@dataclass(frozen=True)
class Placeholder:
    """One name a template may use: how staff call it, and where its value comes from
    (``None`` where the case or the profile holds none)."""

    label: str
    value: Callable[[CaseFacts, OrgProfile, Translator], str | None]


def _contact(org: OrgProfile, t: Translator) -> str:
    """The org's published contact, only the parts the policy gives (コープデリ: its offices)."""
    contact = org.contact
    parts = [contact.desk.get(t.lang)]
    if contact.address is not None:
        postal = f"〒{contact.postal_code} " if contact.postal_code else ""
        parts.append(postal + contact.address.get(t.lang))
    parts += [_phone_line(org, index, t) for index in range(len(contact.phones))]
    return "\n".join(parts)


def _phone_line(org: OrgProfile, index: int, t: Translator) -> str:
    phone = org.contact.phones[index]
    about = phone.label.get(t.lang)
    if phone.hours is not None:
        about = t("{label}、{hours}", label=about, hours=phone.hours.get(t.lang))
    return t("電話 {number}（{about}）", number=phone.number, about=about)


def _phone(org: OrgProfile, t: Translator) -> str | None:
    return _phone_line(org, 0, t) if org.contact.phones else None


def _address(org: OrgProfile, t: Translator) -> str | None:
    if org.contact.address is None:
        return None
    postal = f"〒{org.contact.postal_code} " if org.contact.postal_code else ""
    return postal + org.contact.address.get(t.lang)


PLACEHOLDERS: dict[str, Placeholder] = {
    "number": Placeholder(N_("受付番号"), lambda case, org, t: case.number),
    "request_type": Placeholder(
        N_("請求の種類"), lambda case, org, t: t(FLOWS[case.request_type].title)
    ),
    "received": Placeholder(N_("受付日"), lambda case, org, t: t.date(case.received_at)),
    "due": Placeholder(N_("回答期限"), lambda case, org, t: t.date(case.due_at)),
    "new_due": Placeholder(
        N_("延長後の回答期限"),
        lambda case, org, t: t.date(case.extension.new_due) if case.extension else None,
    ),
    "extension_reason": Placeholder(
        N_("延長の理由"), lambda case, org, t: case.extension.reason if case.extension else None
    ),
    "org": Placeholder(N_("組合名"), lambda case, org, t: org.short_name.get(t.lang)),
    "org_name": Placeholder(N_("組合の正式名称"), lambda case, org, t: org.name.get(t.lang)),
    "queue": Placeholder(N_("窓口名"), lambda case, org, t: case.queue_name.get(t.lang)),
    "contact": Placeholder(N_("組合の連絡先"), lambda case, org, t: _contact(org, t)),
    "contact_phone": Placeholder(N_("組合の電話番号"), lambda case, org, t: _phone(org, t)),
    "contact_address": Placeholder(N_("組合の住所"), lambda case, org, t: _address(org, t)),
    "identity_documents": Placeholder(
        N_("本人確認の書類"), lambda case, org, t: identity_documents(org, t)
    ),
    "agent_documents": Placeholder(
        N_("代理人の書類"), lambda case, org, t: org.agents.appointed_documents.get(t.lang)
    ),
}
"""Every name a template may use; a template with any other name is refused when loaded."""


def placeholders_in(text: str) -> list[str]:
    """The placeholder names in ``text``, in order (``{{`` and ``}}`` are literal braces)."""
    try:
        return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as error:  # a lone "{" or "}"
        raise TemplateError(f"unbalanced braces: {error}") from None


class ReplyTemplate(BaseModel):
    """One template: its title as staff pick it, the case types it suits, its two texts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9]+(?:_[a-z0-9]+)*$")
    title: LocalText
    types: tuple[str, ...] = Field(min_length=1)
    ja: str = Field(min_length=1)
    en: str = Field(min_length=1)

    @field_validator("types")
    @classmethod
    def _known_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - {*CASE_TYPES, ALL_TYPES})
        if unknown:
            raise ValueError(f"unknown case type(s) {unknown}; expected {CASE_TYPES} or '*'")
        return value

    @field_validator("ja", "en")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        """A misspelt placeholder would reach a member as ``{nubmer}``: refused at start-up."""
        unknown = sorted(set(placeholders_in(value)) - set(PLACEHOLDERS))
        if unknown:
            raise ValueError(f"unknown placeholder(s) {unknown}; known: {sorted(PLACEHOLDERS)}")
        return value

    @field_validator("ja")
    @classmethod
    def _polite(cls, value: str) -> str:
        """Members are ご自身・組合員さま, never 「あなた」, in a co-op's own templates too."""
        if "あなた" in value:
            raise ValueError("「あなた」 is not used for members; write ご自身 or 組合員さま")
        return value

    def suits(self, request_type: str) -> bool:
        return ALL_TYPES in self.types or request_type in self.types

    def text(self, lang: str) -> str:
        return self.en if Translator(lang).lang == "en" else self.ja


def _read(path: Path) -> dict[str, ReplyTemplate]:
    """One file's templates, keyed by id (the TOML table name)."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as error:
        raise TemplateError(f"cannot read reply templates {path}: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise TemplateError(f"reply templates {path} are not valid TOML: {error}") from error
    templates: dict[str, ReplyTemplate] = {}
    for template_id, table in data.items():
        if not isinstance(table, dict):
            raise TemplateError(f"{path}: {template_id} must be a table ([{template_id}])")
        try:
            templates[template_id] = ReplyTemplate.model_validate({"id": template_id, **table})
        except ValidationError as error:
            problem = f"{path}: template {template_id!r} is not valid:\n{error}"
            raise TemplateError(problem) from None
    return templates


def packaged_dir() -> Path:
    """The templates shipped with the desk (``flows/templates``)."""
    return Path(__file__).resolve().parent / "templates"


def load_templates(
    org_ids: Iterable[str], extra_dir: Path | None = None
) -> dict[str, dict[str, ReplyTemplate]]:
    """Each org's templates by id: the packaged defaults, the packaged ``<org>.toml``, then a
    deployment folder's ``default.toml`` and ``<org>.toml``; a later file adds templates or
    replaces one with the same id."""
    if extra_dir is not None and not extra_dir.is_dir():
        raise TemplateError(f"reply template folder {extra_dir} does not exist")
    folders = [packaged_dir(), *([extra_dir] if extra_dir is not None else [])]
    result: dict[str, dict[str, ReplyTemplate]] = {}
    for org_id in org_ids:
        merged: dict[str, ReplyTemplate] = {}
        for folder in folders:
            for path in (folder / DEFAULT_FILE, folder / f"{org_id}.toml"):
                if path.is_file():
                    merged.update(_read(path))
        result[org_id] = merged
    return result


def suited(templates: Mapping[str, ReplyTemplate], request_type: str) -> list[ReplyTemplate]:
    """The templates that fit a case of this type, in file order."""
    return [template for template in templates.values() if template.suits(request_type)]


def fill(template: ReplyTemplate, case: CaseFacts, org: OrgProfile) -> str:
    """The template in the case's language with every placeholder filled from the case and
    the profile; :class:`MissingValue` (naming each) where one has no value."""
    t = Translator(case.lang)
    text = template.text(case.lang)
    values: dict[str, str] = {}
    missing: list[str] = []
    for name in dict.fromkeys(placeholders_in(text)):
        value = PLACEHOLDERS[name].value(case, org, t)
        if value is None or not value.strip():
            missing.append(name)
        else:
            values[name] = value
    if missing:
        raise MissingValue(template.id, missing)
    return text.format(**values).strip()


def leftover_placeholders(text: str) -> list[str]:
    """Placeholders still in a text staff edited (``{due}`` copied from a template): it must
    not reach the member like that."""
    try:
        names = placeholders_in(text)
    except TemplateError:
        return []  # a lone brace is ordinary text in a message
    return [name for name in names if name in PLACEHOLDERS]
