"""The HTML transparency report. All text goes through Jinja2's autoescaping: names and
reasons in it can come from hostile accounts."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from cordon.reports import charts
from cordon.reports.transparency import TransparencyReport

_env = Environment(loader=PackageLoader("cordon.reports", "templates"), autoescape=select_autoescape(default=True))


def render_html(
    report: TransparencyReport,
    *,
    title: str = "cordon transparency report",
    thresholds: Mapping[str, float] | None = None,
    extra_sections: Sequence[tuple[str, Sequence[tuple[str, object]]]] = (),
) -> str:
    figures = [("Risk", charts.risk_histogram(report.risk_scores, thresholds or {}))]
    if report.cases_by_queue:
        figures.append(("Cases by queue", charts.bar_chart(report.cases_by_queue, "Cases by queue", "cases")))
    if report.actions:
        figures.append(("Actions", charts.bar_chart(report.actions, "Actions taken", "actions")))
    return _env.get_template("report.html").render(
        title=title, report=report, figures=figures, extra_sections=extra_sections
    )


def write_report(report: TransparencyReport, html_path: Path, csv_path: Path | None = None, **kwargs) -> None:
    html_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = html_path.with_suffix(".tmp")
    tmp.write_text(render_html(report, **kwargs), "utf-8")
    tmp.replace(html_path)  # readers never see half a report
    if csv_path is not None:
        with csv_path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["section", "metric", "value"])
            writer.writerows(report.rows())
