"""/statistik's pictures (issue 14): cases by category as horizontal bars, and a daily timeline of cases by status
as stacked bars. Rendered by matplotlib headless (Agg), called off the event loop; its bundled DejaVu Sans shows
Indonesian text. Pure: figures in, PNG out (the `*_figure` functions give the figure, for tests to read)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import matplotlib

matplotlib.use("Agg")  # headless: no display, before pyplot is imported
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.kernel.drawing import figure_png

MAX_BARS = 20
# One colour per status, in bot/supervision/case_status.py CaseStatus order: waiting warm, handled cool, closed grey.
STATUS_COLOURS = {"received": "#d62728", "claimed": "#ff7f0e", "registered": "#1f77b4", "forwarded": "#9467bd",
                  "rejected": "#7f7f7f", "duplicate": "#bcbd22", "done": "#2ca02c"}
BAR = "#1f7a4d"


def category_figure(title: str, rows: Sequence[tuple[str, int]], xlabel: str) -> Figure:
    """`rows`: (category's name, cases), most first; drawn top to bottom."""
    rows = list(rows)[:MAX_BARS]
    names = [r[0] for r in rows][::-1]
    counts = [r[1] for r in rows][::-1]
    positions = list(range(len(rows)))
    figure, axes = plt.subplots(figsize=(8, max(2.5, 0.4 * len(rows) + 1.2)), dpi=100)
    axes.barh(positions, counts, color=BAR)
    axes.set_yticks(positions, names)
    for y, count in enumerate(counts):
        axes.text(count, y, f" {count}", va="center", fontsize=8)
    axes.set_title(title, fontsize=11)
    axes.set_xlabel(xlabel)
    axes.set_xlim(0, max(counts or [1]) * 1.15 + 1)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure


def timeline_figure(title: str, days: Sequence[tuple[date, dict[str, int]]], statuses: Sequence[tuple[str, str]],
                    ylabel: str) -> Figure:
    """`days`: (local day, status -> cases submitted that day, by their status now); `statuses`: (status, its
    name in the group's language), bottom to top of each bar."""
    figure, axes = plt.subplots(figsize=(8, 4), dpi=100)
    positions = list(range(len(days)))
    bottom = [0] * len(days)
    for status, name in statuses:
        heights = [counts.get(status, 0) for _, counts in days]
        if not any(heights):
            continue
        axes.bar(positions, heights, bottom=bottom, color=STATUS_COLOURS.get(status, "#333333"), label=name, width=0.8)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    step = max(1, len(days) // 10)  # at most about ten dates under the axis
    axes.set_xticks(positions[::step], [f"{d:%d/%m}" for d, _ in days][::step], fontsize=8)
    axes.set_title(title, fontsize=11)
    axes.set_ylabel(ylabel)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # whole cases
    if axes.get_legend_handles_labels()[0]:
        axes.legend(fontsize=8, loc="upper left")
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure


def png(figure: Figure) -> bytes:
    """The figure as PNG, and closed."""
    return figure_png(figure)
