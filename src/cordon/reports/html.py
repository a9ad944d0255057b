"""The HTML transparency report. All text goes through Jinja2's autoescaping: names and
reasons in it can come from hostile accounts. Charts are embedded as data: URIs and the page's
Content-Security-Policy forbids everything else, so the report loads nothing from anywhere."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from cordon.reports import charts
from cordon.reports.figures import TWITTER_PROACTIVE_RANGE, TWITTER_PROACTIVE_SOURCE
from cordon.reports.transparency import TransparencyReport

_env = Environment(loader=PackageLoader("cordon.reports", "templates"), autoescape=select_autoescape(default=True))
_env.filters["figure"] = lambda v, spec="%.2f": "–" if v is None else spec % v
_env.filters["percent"] = lambda v: "–" if v is None else f"{100 * v:.1f}%"

# A spreadsheet runs a cell that starts with one of these as a formula: queue names, policy
# clauses and requesting bodies are text people typed.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _figures(report: TransparencyReport, thresholds: Mapping[str, float]) -> list[tuple[str, str]]:
    log = report.log
    figures = [("Risk across all accounts", charts.risk_histogram(report.risk_scores, thresholds))]
    if any(log.actions.values()):
        figures.append(("Actions by type", charts.bar_chart(log.actions, "Actions by type", "actions")))
    if log.actions_by_clause:
        figures.append(("Actions by violation (policy clause)",
                        charts.bar_chart(log.actions_by_clause, "Actions by violation", "actions")))
    monthly = log.proactive.monthly_shares()
    if monthly:
        figures.append(("Share of cases found by cordon's own detection, per month",
                        charts.proactive_share(monthly, TWITTER_PROACTIVE_RANGE, "Twitter 2016-17")))
    if log.time_to_action.count:
        rows = {"all": (log.time_to_action.median, log.time_to_action.p90)}
        rows |= {q: (d.median, d.p90) for q, d in sorted(log.time_to_action_by_queue.items())}
        figures.append(("Hours from first detection or report to action", charts.time_to_action(rows)))
    if log.cases_by_queue:
        figures.append(("Cases by queue", charts.bar_chart(log.cases_by_queue, "Cases by queue", "cases")))
    return figures


def render_html(
    report: TransparencyReport,
    *,
    title: str = "cordon transparency report",
    thresholds: Mapping[str, float] | None = None,
    extra_sections: Sequence[tuple[str, Sequence[tuple[str, object]]]] = (),
) -> str:
    return _env.get_template("report.html").render(
        title=title, report=report, log=report.log, figures=_figures(report, thresholds or {}),
        extra_sections=extra_sections, reference=TWITTER_PROACTIVE_RANGE,
        reference_source=TWITTER_PROACTIVE_SOURCE,
    )


def write_csv(report: TransparencyReport, csv_path: Path) -> None:
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = csv_path.with_name(csv_path.name + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["section", "metric", "value"])
        writer.writerows(tuple(_cell(v) for v in row) for row in report.rows())
    tmp.replace(csv_path)


def write_report(report: TransparencyReport, html_path: Path, csv_path: Path | None = None, **kwargs) -> None:
    html_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = html_path.with_name(html_path.name + ".tmp")
    tmp.write_text(render_html(report, **kwargs), "utf-8")
    tmp.replace(html_path)  # readers never see half a report
    if csv_path is not None:
        write_csv(report, csv_path)


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
