"""Settings from the environment / ``.env``, and the TOML deployment file."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from flows.profiles import AttachmentRule, OfficeDays, OrgProfile, Retention, load_profiles
from flows.reply_templates import TemplateError, load_templates

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Problem(str):
    """A start-up problem as the one line ``serve`` prints, "what is wrong: what to do", with
    its two halves kept apart for ``madoguchi doctor``'s own layout (``Fix: …``)."""

    detail: str
    fix: str

    def __new__(cls, detail: str, fix: str = "") -> Problem:
        line = super().__new__(cls, f"{detail}: {fix}" if fix else detail)
        line.detail, line.fix = detail, fix
        return line


class Passing(Problem):
    """A start-up problem that may pass by itself: a server not reachable yet (the network at
    boot, PostgreSQL still starting, a platform's outage), a port an old process still holds.
    ``serve`` exits with ``EXIT_TRY_AGAIN`` for these alone, so systemd starts it again."""


# EX_TEMPFAIL (sysexits.h): "try again later", as opposed to 2, a setting that must be changed.
EXIT_TRY_AGAIN = 75


class ConfigurationError(Exception):
    """Settings that cannot work; each problem is one line that says what to set."""

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.variables: list[str] = []  # the environment variables found wrong, if known
        super().__init__("\n".join(self.problems))

    @property
    def passing(self) -> bool:
        """Every problem may pass by itself (:class:`Passing`): worth starting again later."""
        return bool(self.problems) and all(isinstance(p, Passing) for p in self.problems)


class Settings(BaseSettings):
    """Runtime settings; every one has a default that works on a fresh clone."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/madoguchi.sqlite3", validation_alias="DATABASE_URL"
    )
    deployment_file: Path = Field(
        default=Path("madoguchi.toml"), validation_alias="MADOGUCHI_DEPLOYMENT"
    )
    log_level: str = Field(default="WARNING", validation_alias="MADOGUCHI_LOG_LEVEL")
    # Master keys for personal data at rest, `k02:BASE64,k01:BASE64` (the first encrypts, the
    # others only decrypt); unset = stored in clear. `madoguchi keys new` makes one.
    data_keys: SecretStr | None = Field(default=None, validation_alias="MADOGUCHI_DATA_KEYS")
    telegram_bot_token: str | None = Field(default=None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_url: str | None = Field(default=None, validation_alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: str | None = Field(
        default=None, validation_alias="TELEGRAM_WEBHOOK_SECRET"
    )
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org", validation_alias="TELEGRAM_API_BASE_URL"
    )
    slack_bot_token: str | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias="SLACK_API_URL")
    # Seconds between checks for cases whose Slack card or thread is behind (other processes,
    # such as `madoguchi staff`, change cases too).
    slack_sync_interval: float = Field(default=1.0, gt=0, validation_alias="SLACK_SYNC_INTERVAL")
    # Seconds before a Bot API call counts as failed (and the outbox retries it).
    telegram_timeout: float = Field(default=15.0, gt=0, validation_alias="TELEGRAM_TIMEOUT")
    # Messages per second this process may send to Telegram (its limit is about 30/s per bot):
    # with several `madoguchi serve` processes on one bot, give each its share, e.g. 15 for 2.
    telegram_send_rate: float = Field(default=30.0, gt=0, validation_alias="TELEGRAM_SEND_RATE")
    # The hour (JST) of the daily retention purge in `madoguchi serve` (see `madoguchi purge`).
    purge_hour: int = Field(default=3, ge=0, le=23, validation_alias="PURGE_HOUR")
    # Members on LINE (both set, or neither): the Messaging API channel's secret (it signs the
    # webhooks) and its long-lived channel access token.
    line_channel_secret: SecretStr | None = Field(
        default=None, validation_alias="LINE_CHANNEL_SECRET"
    )
    line_channel_access_token: SecretStr | None = Field(
        default=None, validation_alias="LINE_CHANNEL_ACCESS_TOKEN"
    )
    # Where the Messaging API is (another server: the tests' fake), and its content API
    # (members' files, rich menu images), which LINE serves from a host of its own.
    line_api_base_url: str = Field(
        default="https://api.line.me", validation_alias="LINE_API_BASE_URL"
    )
    line_data_api_base_url: str = Field(
        default="https://api-data.line.me", validation_alias="LINE_DATA_API_BASE_URL"
    )
    # Seconds before a Messaging API call counts as failed (and the outbox retries it).
    line_timeout: float = Field(default=15.0, gt=0, validation_alias="LINE_TIMEOUT")
    # Reply and push calls a second from this process (each carries up to five messages):
    # its share of LINE's per-channel rate (about 2,000 requests a second).
    line_send_rate: float = Field(default=100.0, gt=0, validation_alias="LINE_SEND_RATE")
    # Push messages the plan allows a month; unset: asked of LINE (GET /v2/bot/message/quota).
    line_monthly_quota: int | None = Field(
        default=None, ge=0, validation_alias="LINE_MONTHLY_QUOTA"
    )
    # The share of that quota whose passing is warned about, once a month.
    webchat_enabled: bool = Field(default=False, validation_alias="WEBCHAT_ENABLED")
    # Flood limits, counted per client address (behind a proxy that hides members' addresses,
    # raise them) and per session.
    webchat_sessions_per_hour: int = Field(
        default=30, gt=0, validation_alias="WEBCHAT_SESSIONS_PER_HOUR"
    )
    webchat_requests_per_minute: int = Field(
        default=600, gt=0, validation_alias="WEBCHAT_REQUESTS_PER_MINUTE"
    )
    webchat_messages_per_minute: int = Field(
        default=30, gt=0, validation_alias="WEBCHAT_MESSAGES_PER_MINUTE"
    )
    # Space- or comma-separated origins allowed to embed the page (adds to [webchat]).
    webchat_allowed_origins: str = Field(default="", validation_alias="WEBCHAT_ALLOWED_ORIGINS")
    line_quota_warn_share: float = Field(
        default=0.8, gt=0, le=1, validation_alias="LINE_QUOTA_WARN_SHARE"
    )
    # Where members open an answer's download link: this serve app's public address.
    answer_link_base_url: str | None = Field(default=None, validation_alias="ANSWER_LINK_BASE_URL")
    # The co-op's SMTP server, through which answer links go by e-mail (unset: no e-mail).
    smtp_host: str | None = Field(default=None, validation_alias="SMTP_HOST")
    smtp_port: int = Field(default=587, gt=0, lt=65536, validation_alias="SMTP_PORT")
    smtp_starttls: bool = Field(default=True, validation_alias="SMTP_STARTTLS")
    smtp_user: str | None = Field(default=None, validation_alias="SMTP_USER")
    smtp_password: SecretStr | None = Field(default=None, validation_alias="SMTP_PASSWORD")
    smtp_from: str | None = Field(default=None, validation_alias="SMTP_FROM")
    # /metrics for a bearer token (Prometheus's `authorization` credentials); unset: only
    # direct requests from this machine are answered.
    metrics_token: SecretStr | None = Field(default=None, validation_alias="METRICS_TOKEN")

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.strip().upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return value.strip().upper()

    @field_validator("line_api_base_url", "line_data_api_base_url")
    @classmethod
    def _api_root(cls, value: str) -> str:
        """The server's root: the SDK adds each method's path (``/v2/bot/…``) to it."""
        return value.strip().rstrip("/")

    @field_validator("telegram_api_base_url")
    @classmethod
    def _bot_api_root(cls, value: str) -> str:
        """The Bot API server's root, also when given in python-telegram-bot's own form
        (``http://127.0.0.1:8081/bot``): madoguchi adds ``/bot<token>`` itself."""
        return value.strip().rstrip("/").removesuffix("/bot")


def load_settings() -> Settings:
    """The settings, or :class:`ConfigurationError` with one line per wrong variable (its
    value is not repeated: it may be a secret)."""
    try:
        return Settings()
    except ValidationError as error:
        refusal = ConfigurationError(
            [
                f"{'.'.join(str(part) for part in issue['loc'])}: {issue['msg']}"
                for issue in error.errors()
            ]
        )
        refusal.variables = [str(issue["loc"][0]) for issue in error.errors() if issue["loc"]]
        raise refusal from None


def settings_despite(variables: Sequence[str]) -> Settings | None:
    """The settings with each of ``variables`` (wrong ones) at its default, so that
    ``madoguchi doctor`` can still check everything else; ``None`` if even that fails."""
    defaults = {
        str(field.validation_alias): field.get_default(call_default_factory=True)
        for field in Settings.model_fields.values()
        if field.validation_alias in variables
    }
    try:
        return Settings(**defaults)
    except ValidationError:
        return None


def load_deployment(settings: Settings) -> tuple[Deployment, dict[str, OrgProfile]]:
    """The deployment file and its served org profiles, or :class:`ConfigurationError` with
    one line per mistake. A ``MADOGUCHI_DEPLOYMENT`` that names no file is a mistake; only
    the default file may be absent (the built-in defaults apply)."""
    path = settings.deployment_file
    where = str(path)
    if "deployment_file" in settings.model_fields_set and not path.is_file():
        raise ConfigurationError(f"MADOGUCHI_DEPLOYMENT: {where} is not a file.")
    try:
        deployment = Deployment.load(path)
        orgs = deployment.profiles()
        deployment.retention_periods()
        load_templates(orgs, deployment.reply_templates.dir)  # a broken template stops the start
    except ValidationError as error:
        raise ConfigurationError(
            [
                f"{where}: {'.'.join(str(p) for p in issue['loc']) or '(top)'}: {issue['msg']}"
                for issue in error.errors()
            ]
        ) from None
    except TemplateError as error:
        raise ConfigurationError(f"[reply_templates] {error}") from None
    except (ValueError, tomllib.TOMLDecodeError, OSError) as error:
        raise ConfigurationError(f"{where}: {error}") from None
    return deployment, orgs


class DeadlineOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")
    default_days: int | None = None
    per_type: dict[str, int] = {}


class AttachmentOverride(BaseModel):
    """A deployment's choice about files from members, e.g. ``[attachments.coopdeli]``."""

    model_config = ConfigDict(extra="forbid")
    allowed: bool | None = None
    types: list[str] | None = None
    max_mb: int | None = None


class RetentionOverride(BaseModel):
    """A deployment's retention periods for one org, e.g. ``[retention.coopdeli]``: what the
    co-op agreed with the operator, when it differs from the profile's defaults."""

    model_config = ConfigDict(extra="forbid", strict=True)  # "30" or 30.5 is a typo, not 30
    transcripts_days: int | None = None
    attachments_days: int | None = None
    register_days: int | None = None
    idle_chat_days: int | None = None
    followup_days: int | None = None


class OfficeDaysOverride(BaseModel):
    """A deployment's closed days for one org, e.g. ``[office_days.coopdeli]``: the co-op's
    real calendar where it differs from the profile's assumption (お盆, a different 年末年始).
    A key given replaces the profile's value whole, so a closed period can also be removed."""

    model_config = ConfigDict(extra="forbid")
    closed_weekdays: list[str] | None = None
    public_holidays_closed: bool | None = None
    closed_periods: list[dict[str, str]] | None = None


def _office_days(org_id: str, office: OfficeDays, override: OfficeDaysOverride) -> OfficeDays:
    """The profile's closed days with the deployment's override applied, checked as a whole
    (a period of 40 days is refused as in a profile); a mistake names the table it is in."""
    try:
        return OfficeDays.model_validate(
            {**office.model_dump(), **override.model_dump(exclude_none=True)}
        )
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in issue['loc']) or '(top)'}: {issue['msg']}"
            for issue in error.errors()
        )
        raise ValueError(f"[office_days.{org_id}] {problems}") from None


class SlackQueue(BaseModel):
    """One queue's Slack channel and who may act on its cases."""

    model_config = ConfigDict(extra="forbid")
    channel: str
    staff: list[str] = []  # Slack user ids
    staff_groups: list[str] = []  # user group ids (members looked up with usergroups.users.list)


class SlackDeployment(BaseModel):
    """``[slack]`` in the deployment file: channels, staff, supervisors and deadline nudges."""

    model_config = ConfigDict(extra="forbid")
    queues: dict[str, SlackQueue] = {}
    supervisors_channel: str | None = None
    supervisors: list[str] = []
    supervisor_groups: list[str] = []
    reminder_days: int = Field(default=2, ge=0)  # thread reminder this many days before due
    digest_hour: int = Field(default=9, ge=0, le=23)  # the morning list, JST
    morning_digest: bool = True


class StaffDeployment(BaseModel):
    """``[staff]``: who may work cases from the terminal (``MADOGUCHI_STAFF``), by name.

    ``supervisors`` may act on every queue and read transcripts, searches and exports;
    ``queues`` lists each queue's staff by name. See :func:`bot.staff.identity.terminal_staff`
    for what a name not listed may do."""

    model_config = ConfigDict(extra="forbid")
    supervisors: list[str] = []
    queues: dict[str, list[str]] = {}


class ExtraQueue(BaseModel):
    """``[queues.<id>]``: a further staff queue of one co-op (its profile names its first).
    A case may be transferred between the queues of its own co-op only."""

    model_config = ConfigDict(extra="forbid")
    org: str
    name: str  # as staff say it, e.g. 相談室


class WebchatDeployment(BaseModel):
    """``[webchat]``: the chat page on the co-op's website (``/chat/<org>``)."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool = False  # ``WEBCHAT_ENABLED=1`` turns it on too (``make run`` does)
    orgs: list[str] | None = None  # pages offered; every served org when unset
    # Sites allowed to show the page in an iframe (CSP frame-ancestors); none: no embedding.
    allowed_origins: list[str] = []
    # A browser's session is forgotten after this many idle days; the org's idle-chat
    # retention when unset.
    session_days: int | None = Field(default=None, ge=1)


class ReplyTemplatesDeployment(BaseModel):
    """``[reply_templates]``: a folder with the co-op's own templates (``default.toml`` for
    every org, ``<org-id>.toml`` for one), added to the packaged ones or replacing them by id."""

    model_config = ConfigDict(extra="forbid")
    dir: Path | None = None  # relative to the deployment file's folder


class Deployment(BaseModel):
    """Which orgs one installation serves, in the order members see them."""

    model_config = ConfigDict(extra="allow")

    orgs: list[str] = Field(default_factory=lambda: ["seikatsuclub-kyosai", "coopdeli"])
    deadlines: dict[str, DeadlineOverride] = {}
    attachments: dict[str, AttachmentOverride] = {}
    retention: dict[str, RetentionOverride] = {}
    office_days: dict[str, OfficeDaysOverride] = {}
    reply_templates: ReplyTemplatesDeployment = Field(default_factory=ReplyTemplatesDeployment)
    slack: SlackDeployment = Field(default_factory=SlackDeployment)
    staff: StaffDeployment | None = None  # no [staff]: the terminal trusts whoever runs it
    queues: dict[str, ExtraQueue] = {}
    webchat: WebchatDeployment = Field(default_factory=WebchatDeployment)

    def queues_by_org(self, orgs: Mapping[str, OrgProfile]) -> dict[str, dict[str, str]]:
        """Each served org's queues (id → name in Japanese): its profile's, then any more
        this deployment gives it. Queues of an org not served are left out."""
        served = {org_id: {org.queue.id: org.queue.name.ja} for org_id, org in orgs.items()}
        for queue, extra in self.queues.items():
            if extra.org in served:
                served[extra.org][queue] = extra.name
        return served

    @classmethod
    def load(cls, path: Path) -> Deployment:
        if not path.exists():
            return cls()
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
        deployment = cls.model_validate(data)
        folder = deployment.reply_templates.dir
        if folder is not None and not folder.is_absolute():
            deployment.reply_templates.dir = path.parent / folder
        return deployment

    def profiles(self) -> dict[str, OrgProfile]:
        """The served org profiles, with this deployment's deadline overrides applied."""
        available = load_profiles()
        unknown = [org for org in self.orgs if org not in available]
        if unknown:
            raise ValueError(f"Unknown org id(s) in deployment: {', '.join(unknown)}")
        strays = sorted(set(self.office_days) - set(available))
        if strays:
            raise ValueError(f"Unknown org id(s) in [office_days]: {', '.join(strays)}")
        served: dict[str, OrgProfile] = {}
        for org_id in self.orgs:
            profile = available[org_id]
            override = self.deadlines.get(org_id)
            if override:
                deadlines = profile.deadlines.model_copy(
                    update={
                        "default_days": override.default_days or profile.deadlines.default_days,
                        "per_type": {**profile.deadlines.per_type, **override.per_type},
                    }
                )
                profile = profile.model_copy(update={"deadlines": deadlines})
            files = self.attachments.get(org_id)
            if files:
                rule = AttachmentRule.model_validate(
                    {**profile.attachments.model_dump(), **files.model_dump(exclude_none=True)}
                )
                profile = profile.model_copy(update={"attachments": rule})
            closed = self.office_days.get(org_id)
            if closed:
                office = _office_days(org_id, profile.office_days, closed)
                profile = profile.model_copy(update={"office_days": office})
            retention = self.retention_for(profile)
            if retention != profile.retention:
                profile = profile.model_copy(update={"retention": retention})
            served[org_id] = profile
        return served

    def retention_for(self, profile: OrgProfile) -> Retention:
        """The profile's retention periods with this deployment's ``[retention.<org>]`` applied,
        validated together (a longer transcript than register period is refused)."""
        override = self.retention.get(profile.id)
        if override is None:
            return profile.retention
        return Retention.model_validate(
            {**profile.retention.model_dump(), **override.model_dump(exclude_none=True)}
        )

    def retention_periods(self) -> dict[str, Retention]:
        """Periods for every known org, served or not: cases of an org this installation no
        longer serves still have to be purged on time."""
        available = load_profiles()
        unknown = sorted(set(self.retention) - set(available))
        if unknown:
            raise ValueError(f"Unknown org id(s) in [retention]: {', '.join(unknown)}")
        return {org_id: self.retention_for(profile) for org_id, profile in available.items()}
