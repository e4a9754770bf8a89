"""A month's figures as supervisors read them: plain text, a printable page with bar charts
(inline SVG: no JavaScript, nothing fetched), and lines for Slack's App Home."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.escaping import for_slack
from bot.register_export import page
from flows.i18n import N_, Translator
from flows.register_stats import Count, MonthFigures

JA = Translator("ja")
TITLE = N_("{year}年{month}月の受付状況（組合：{org}）")
ALL_ORGS = N_("すべて")
REFUSALS = N_("対応不可・一部対応の理由")
NO_VALUE = "—"
BAR_HEIGHT = 18
CHART_WIDTH = 480
LABEL_WIDTH = 200


def title(figures: MonthFigures) -> str:
    month = figures.month
    return JA(TITLE, year=month.year, month=month.month, org=figures.org or JA(ALL_ORGS))


def share_text(figures: MonthFigures) -> str:
    share = figures.share_within_target
    if share is None:
        return NO_VALUE
    return JA(
        N_("{share}（{within}件／{closed}件）"),
        share=f"{share:.1%}",
        within=figures.within_target,
        closed=figures.closed,
    )


def median_text(figures: MonthFigures) -> str:
    if figures.median_days is None:
        return NO_VALUE
    return JA(N_("{days}日"), days=f"{figures.median_days:g}")


def summary_lines(figures: MonthFigures) -> list[tuple[str, str]]:
    """The headline figures as (label, value), in the order every view shows them."""
    return [
        (JA(N_("受付件数")), str(figures.arrived)),
        (JA(N_("この月の受付分のうち期限内に完了した割合（集計時点）")), share_text(figures)),
        (JA(N_("所要日数の中央値")), median_text(figures)),
        (
            JA(N_("延長")),
            JA(
                N_("{cases}件（延長{times}回）"),
                cases=figures.extended_cases,
                times=figures.extensions,
            ),
        ),
        (JA(N_("月末時点で未完了（受付月を問わず）")), str(figures.open_at_end)),
        (JA(N_("月末時点で期限超過（受付月を問わず）")), str(figures.overdue_at_end)),
    ]


def breakdowns(figures: MonthFigures) -> list[tuple[str, list[Count]]]:
    return [
        (JA(N_("種類別")), figures.by_type),
        (JA(N_("組合別")), figures.by_org),
        (JA(N_("受付経路別")), figures.by_route),
    ]


def refusal_lines(figures: MonthFigures) -> list[str]:
    return [f"{r.outcome}　{r.reason or NO_VALUE}：{r.count}" for r in figures.refusals]


def to_text(figures: MonthFigures) -> str:
    lines = [title(figures)]
    lines += [f"{label}：{value}" for label, value in summary_lines(figures)]
    for label, counts in breakdowns(figures):
        lines.append(f"\n{label}")
        lines += [f"  {name}：{count}" for name, count in counts] or [f"  {NO_VALUE}"]
    lines.append(f"\n{JA(REFUSALS)}")
    lines += [f"  {line}" for line in refusal_lines(figures)] or [f"  {NO_VALUE}"]
    return "\n".join(lines) + "\n"


def bar_chart(label: str, counts: Sequence[Count]) -> str:
    """Horizontal bars as inline SVG: each bar's length is its share of the largest count."""
    if not counts:
        return ""
    top = max(count for _, count in counts) or 1
    height = BAR_HEIGHT * len(counts) + 4
    room = CHART_WIDTH - LABEL_WIDTH - 40
    bars = []
    for index, (name, count) in enumerate(counts):
        y = index * BAR_HEIGHT + 2
        width = round(room * count / top)
        bars.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">{escape(name)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 2}" width="{width}" height="{BAR_HEIGHT - 4}"'
            ' fill="#4a78b0"/>'
            f'<text x="{LABEL_WIDTH + width + 4}" y="{y + 13}">{count}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label)}"'
        f' width="{CHART_WIDTH}" height="{height}" font-size="12">{"".join(bars)}</svg>'
    )


STATS_CSS = """
@page { size: A4 portrait; margin: 12mm; }
body { font-family: sans-serif; font-size: 10pt; margin: 0; }
h1 { font-size: 14pt; } h2 { font-size: 11pt; margin: 10pt 0 4pt; }
table { border-collapse: collapse; }
th, td { border: 1px solid #555; padding: 2pt 6pt; text-align: left; }
"""


def _table(rows: Sequence[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def to_html(figures: MonthFigures) -> bytes:
    parts = [_table(summary_lines(figures))]
    for label, counts in breakdowns(figures):
        parts.append(f"<h2>{escape(label)}</h2>")
        parts.append(bar_chart(label, counts) or f"<p>{NO_VALUE}</p>")
        parts.append(_table([(name, str(count)) for name, count in counts]))
    parts.append(f"<h2>{escape(JA(REFUSALS))}</h2>")
    refusals = [(f"{r.outcome}　{r.reason or NO_VALUE}", str(r.count)) for r in figures.refusals]
    parts.append(_table(refusals) if refusals else f"<p>{NO_VALUE}</p>")
    return page(title(figures), [], "".join(parts), STATS_CSS).encode("utf-8")


def slack_text(figures: MonthFigures) -> str:
    """The figures in Slack mrkdwn for App Home, escaped where they land."""
    lines = [f"*{for_slack(title(figures))}*"]
    lines += [f"{for_slack(label)}：{for_slack(value)}" for label, value in summary_lines(figures)]
    for label, counts in breakdowns(figures):
        shown = "、".join(f"{name} {count}" for name, count in counts) or NO_VALUE
        lines.append(f"{for_slack(label)}：{for_slack(shown)}")
    return "\n".join(lines)
