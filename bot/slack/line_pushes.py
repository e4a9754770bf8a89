"""LINE's monthly push quota as Slack staff see it: the month's count on App Home, and the
warning, once a month, in the supervisors' channel.

The LINE channel counts the pushes and records the month's warning (``storage.line_quota``);
this side only reads them, so it works in whichever process posts to Slack. The post is kept
on record like the daily digest (a once-only key, ``CaseService.mark_done``): a restart does
not post it again, and a warning recorded while Slack was unreachable is posted when it is
back. Counts only: nothing about a member.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.app import App
from bot.config import Settings
from bot.escaping import for_slack
from storage import line_quota
from storage.cases import CaseService
from storage.db import Database
from storage.line_quota import PushUsage
from storage.turns import Clock


@dataclass
class LinePushes:
    """The month's LINE pushes against ``monthly_quota`` (``None``: the quota LINE reports,
    which only the LINE channel asks for)."""

    db: Database
    clock: Clock
    cases: CaseService
    monthly_quota: int | None
    warn_share: float
    # The month whose warning is known to be posted: no need to look it up again.
    _posted: str | None = field(default=None, repr=False)

    @classmethod
    def of(cls, settings: Settings, app: App) -> LinePushes | None:
        """``None`` unless LINE is served (its secret and token are set)."""
        if settings.line_channel_secret is None or settings.line_channel_access_token is None:
            return None
        return cls(
            app.db,
            app.clock,
            app.cases,
            settings.line_monthly_quota,
            settings.line_quota_warn_share,
        )

    def usage(self) -> PushUsage:
        return line_quota.push_usage(self.db, self.clock())

    def home_text(self, usage: PushUsage) -> str:
        """App Home's lines: this month's pushes, the quota, and whether the share passed."""
        quota = (
            f" / 上限 {self.monthly_quota:,} 通"
            if self.monthly_quota is not None
            else "（上限は LINE の契約プランのとおり）"
        )
        text = f"*LINE のプッシュ送信（{for_slack(usage.month)}）*\n今月 {usage.pushes:,} 通{quota}"
        if usage.warned:
            text += f"\n:warning: 上限の {self.warn_share:.0%} を超えました。"
        return text

    def warning_text(self, usage: PushUsage) -> str:
        """The supervisors' post: counts only."""
        quota = f"（上限 {self.monthly_quota:,} 通）" if self.monthly_quota is not None else ""
        return (
            f":warning: LINE の今月（{for_slack(usage.month)}）のプッシュ送信が "
            f"{usage.pushes:,} 通になり、月の上限{quota}の {self.warn_share:.0%} を超えました。"
            "上限に達すると、担当者の返信などのお知らせは、会員から次にメッセージが届くまで"
            "送信を待ちます（案件の経過に表示されます）。"
        )

    def to_warn(self) -> PushUsage | None:
        """The month's usage if its warning is recorded and not yet posted to Slack."""
        if self._posted == line_quota.month_of(self.clock()):
            return None
        usage = self.usage()
        if not usage.warned:
            return None
        if self.cases.is_done(_key(usage.month)):
            self._posted = usage.month
            return None
        return usage

    def warned(self, usage: PushUsage) -> None:
        """The month's warning is posted: never again this month, whatever restarts."""
        self.cases.mark_done(_key(usage.month))
        self._posted = usage.month


def _key(month: str) -> str:
    return f"slack:line_quota_warning:{month}"
