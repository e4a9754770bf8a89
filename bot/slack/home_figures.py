"""This month's and last month's figures on a supervisor's App Home.

Read through the same audited read as ``madoguchi stats`` (``storage.register``): each time a
supervisor opens the tab, two ``view_stats`` entries say who looked at which months. Only
supervisors see them; staff's App Home is unchanged.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.app import App
from bot.register_reads import read_month_figures
from bot.register_stats_view import slack_text
from bot.slack.blocks import Block, chunk, section
from flows.i18n import JST
from storage.staff import StaffActor


def months_around(now: datetime) -> tuple[date, date]:
    """The first days of this month and of the one before it, in Japan."""
    this = now.astimezone(JST).date().replace(day=1)
    last = date(this.year - 1, 12, 1) if this.month == 1 else this.replace(month=this.month - 1)
    return this, last


def figures_blocks(app: App, actor: StaffActor, now: datetime) -> list[Block]:
    """A divider, then each month's figures as mrkdwn sections (this month first)."""
    blocks: list[Block] = [{"type": "divider"}, section("*受付状況（責任者向け）*")]
    for month in months_around(now):
        text = slack_text(read_month_figures(app, actor, month))
        blocks += [section(piece) for piece in chunk(text)]
    return blocks
