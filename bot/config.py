"""Settings from the environment / ``.env``, and the TOML deployment file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from flows.profiles import AttachmentRule, OrgProfile, load_profiles


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
    telegram_bot_token: str | None = Field(default=None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_url: str | None = Field(default=None, validation_alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: str | None = Field(
        default=None, validation_alias="TELEGRAM_WEBHOOK_SECRET"
    )
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org", validation_alias="TELEGRAM_API_BASE_URL"
    )
    # Seconds before a Bot API call counts as failed (and the outbox retries it).
    telegram_timeout: float = Field(default=15.0, gt=0, validation_alias="TELEGRAM_TIMEOUT")


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


class Deployment(BaseModel):
    """Which orgs one installation serves, in the order members see them."""

    model_config = ConfigDict(extra="allow")

    orgs: list[str] = Field(default_factory=lambda: ["seikatsuclub-kyosai", "coopdeli"])
    deadlines: dict[str, DeadlineOverride] = {}
    attachments: dict[str, AttachmentOverride] = {}

    @classmethod
    def load(cls, path: Path) -> Deployment:
        if not path.exists():
            return cls()
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
        return cls.model_validate(data)

    def profiles(self) -> dict[str, OrgProfile]:
        """The served org profiles, with this deployment's deadline overrides applied."""
        available = load_profiles()
        unknown = [org for org in self.orgs if org not in available]
        if unknown:
            raise ValueError(f"Unknown org id(s) in deployment: {', '.join(unknown)}")
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
            served[org_id] = profile
        return served
