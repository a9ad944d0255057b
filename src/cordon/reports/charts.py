"""Charts as self-contained PNGs (matplotlib, no display). Pages embed them as data: URIs so a
report never loads anything from the network."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display on servers
import matplotlib.pyplot as plt  # noqa: E402


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def risk_histogram(scores: Sequence[float], thresholds: Mapping[str, float]) -> str:
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    ax.hist(scores, bins=50, range=(0, 1), color="#5b6b8c")
    if len(scores):  # a log axis over nothing warns, and draws nothing anyway
        ax.set_yscale("log")
    for label, x in thresholds.items():
        ax.axvline(x, color="#b23b3b", linestyle="--", linewidth=1)
        ax.text(x, ax.get_ylim()[1], f" {label}", color="#b23b3b", va="top", fontsize=8)
    ax.set_xlabel("account risk")
    ax.set_ylabel("accounts (log)")
    ax.set_title("Risk across all accounts")
    return _png(fig)


def bar_chart(values: Mapping[str, float], title: str, xlabel: str = "") -> str:
    fig, ax = plt.subplots(figsize=(6.4, 0.5 + 0.4 * max(1, len(values))))
    labels = list(values)
    ax.barh(labels, [values[k] for k in labels], color="#3b7a57")
    ax.invert_yaxis()
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    return _png(fig)


def proactive_share(
    monthly: Mapping[str, float], reference: tuple[float, float], reference_label: str
) -> str:
    """The share of cases found by cordon's own detection, per month, against a reference
    band (Twitter's 74-95% for terrorism in 2016-17) drawn as two lines."""
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    months = list(monthly)
    ax.bar(months, [100 * monthly[m] for m in months], color="#3b7a57", label="found by cordon")
    low, high = (100 * x for x in reference)
    ax.axhspan(low, high, color="#b23b3b", alpha=0.08)
    for y in (low, high):
        ax.axhline(y, color="#b23b3b", linestyle="--", linewidth=1)
    ax.text(1.0, high, f" {reference_label}: {low:.0f}-{high:.0f}%", transform=ax.get_yaxis_transform(),
            color="#b23b3b", va="bottom", ha="right", fontsize=8)
    ax.set_ylim(0, 105)
    ax.set_ylabel("% of cases opened")
    ax.set_title("Found proactively, by month")
    ax.tick_params(axis="x", labelrotation=45 if len(months) > 6 else 0)
    return _png(fig)


def time_to_action(rows: Mapping[str, tuple[float, float]]) -> str:
    """Median and 90th-percentile hours to action, one pair of bars per row (overall, then
    each queue)."""
    fig, ax = plt.subplots(figsize=(6.4, 0.7 + 0.5 * max(1, len(rows))))
    labels = list(rows)
    y = range(len(labels))
    p90 = [rows[k][1] for k in labels]
    median = [rows[k][0] for k in labels]
    ax.barh([i + 0.2 for i in y], p90, height=0.4, color="#c9a227", label="90th percentile")
    ax.barh([i - 0.2 for i in y], median, height=0.4, color="#3b7a57", label="median")
    ax.set_yticks(list(y), labels)
    ax.invert_yaxis()
    ax.set_xlabel("hours from first detection or report to action")
    ax.set_title("Time to action")
    ax.legend(fontsize=8, loc="lower right")
    return _png(fig)
