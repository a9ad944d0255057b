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
