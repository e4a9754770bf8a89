"""``madoguchi purge``: remove what the retention periods say is due, or show it first.

``madoguchi serve`` runs the same purge once a day (``bot.purge_job``); this command is for a
look before the first run (``--dry-run``), for an installation without ``serve``, and for the
history of what was removed (``--history``), which is what a supervisor shows an auditor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import typer

from bot.app import App
from bot.audit_cli import aligned, parse_since, terminal_actor
from bot.escaping import for_terminal
from bot.progress import Quiet, progress_bar
from flows.i18n import JST
from flows.profiles import OrgProfile, load_profiles
from storage.models import PurgeRecord
from storage.retention import STAGES, PurgePlan, Removal

STAGE_LABELS = {
    "register": "受付記録（案件そのもの）",
    "transcripts": "会話記録・返信・メモ",
    "attachments": "添付ファイル",
    "idle_chat": "案件にならなかった会話・入力途中の内容",
    "keys": "重複受信防止のキー",
}
TABLE_LABELS = {
    "case": "案件",
    "caseevent": "履歴",
    "transcriptline": "会話の行",
    "outboxmessage": "送信済みメッセージ",
    "attachment": "ファイル",
    "caselookup": "検索用ハッシュ",
    "casecard": "Slackカード",
    "slackscrub": "Slackから消す投稿・ファイル",
    "consentrecord": "同意の記録",
    "processedupdate": "キー",
    "conversation": "会話",
}
# At the transcripts stage the case and its events stay; only their text goes.
TRANSCRIPT_LABELS = {
    "case": "案件の氏名・連絡先・自由記述・要約・返信・理由",
    "caseevent": "履歴の本文",
}
HISTORY_COLUMNS = ("日時（日本時間）", "実行者", "段階", "組織", "受付番号", "件数", "理由")


def counts_text(stage: str, counts: Mapping[str, int]) -> str:
    labels = {**TABLE_LABELS, **(TRANSCRIPT_LABELS if stage == "transcripts" else {})}
    return "、".join(f"{labels.get(t, t)} {n}" for t, n in counts.items() if n)


def org_name(org_id: str | None, profiles: Mapping[str, OrgProfile]) -> str:
    if org_id is None:
        return "組織によらないもの"
    profile = profiles.get(org_id)
    return f"{profile.short_name.ja}（{org_id}）" if profile else org_id


def render_plan(plan: PurgePlan, profiles: Mapping[str, OrgProfile]) -> str:
    """Per org and stage: how many cases (with their numbers) and rows, nothing else."""
    when = plan.at.astimezone(JST).strftime("%Y-%m-%d %H:%M")
    dry = "試行です（何も変更していません）。" if plan.dry_run else ""
    if plan.empty:
        head = f"{dry}{when}（日本時間）の時点で、削除の対象はありません。"
    elif plan.dry_run:
        head = f"{dry}{when}（日本時間）の時点で保存期間を過ぎていて、削除されるもの："
    else:
        head = f"{when}（日本時間）、保存期間を過ぎた次のものを削除しました。"
    lines = [head]
    by_org: dict[str | None, dict[str, list[Removal]]] = {}
    for removal in plan.removals:
        by_org.setdefault(removal.org_id, {}).setdefault(removal.stage, []).append(removal)
    for org_id in sorted(by_org, key=lambda o: (o is None, o or "")):
        lines.append(org_name(org_id, profiles))
        for stage in STAGES:
            removals = by_org[org_id].get(stage)
            if not removals:
                continue
            totals: dict[str, int] = {}
            for removal in removals:
                for table, count in removal.counts.items():
                    totals[table] = totals.get(table, 0) + count
            numbers = [r.case_number for r in removals if r.case_number]
            head = f"  {STAGE_LABELS[stage]}"
            if numbers:
                head += f"：{len(numbers)}件 {', '.join(numbers)}"
            lines.append(head)
            lines.append(f"    {counts_text(stage, totals)}")
    if plan.unknown_orgs:
        lines.append(
            "保存期間が決まっていない組織の案件は、そのままにしています："
            + ", ".join(plan.unknown_orgs)
        )
    return "\n".join(lines)


def history_table(records: list[PurgeRecord]) -> str:
    rows: list[tuple[str, ...]] = [HISTORY_COLUMNS]
    rows += [
        (
            r.at.astimezone(JST).strftime("%Y-%m-%d %H:%M"),
            r.actor,
            r.stage,
            r.org_id or "-",
            r.case_number or "-",
            " ".join(f"{table}={count}" for table, count in r.counts.items() if count) or "-",
            r.reason,
        )
        for r in records
    ]
    return aligned(rows)


def purge(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what would be removed; change nothing")
    ] = False,
    org: Annotated[str | None, typer.Option("--org", help="Only this org, e.g. coopdeli")] = None,
    history: Annotated[
        bool, typer.Option("--history", help="List what earlier purges removed instead")
    ] = False,
    since: Annotated[
        str | None,
        typer.Option("--since", help="With --history: from this day, JST (2026-11-01, R8.11.1)"),
    ] = None,
    quiet: Quiet = False,
) -> None:
    """Remove closed cases' transcripts, files and register entries past their retention
    periods, and idle chats (see README, Retention); each removal is recorded."""
    start = parse_since(since) if since else None
    app = App.build()
    purger = app.purger()
    if history:
        records = purger.history(start)
        typer.echo(for_terminal(history_table(records)) if records else "削除の記録はありません。")
        return
    if org is not None and org not in purger.periods:
        typer.echo(f"madoguchi purge: unknown org {org!r}", err=True)
        raise typer.Exit(2)
    now = app.clock()
    with progress_bar(quiet) as report:
        if dry_run:
            plan = purger.plan(now, org, report)
        else:
            plan = purger.purge(now, terminal_actor(), org, report)
    typer.echo(for_terminal(render_plan(plan, load_profiles())))
