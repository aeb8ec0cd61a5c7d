"""Voting day's coverage as a picture (issue 13): per kecamatan (or desa), TPS watched against all TPS, as
horizontal bars; rendered by matplotlib headless (Agg), called off the event loop. Pure: figures in, PNG out."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # headless: no display, before pyplot is imported
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from bot.kernel.drawing import figure_png

MAX_BARS = 40
WATCHED, UNWATCHED, RESULTS = "#1f7a4d", "#d9d9d9", "#f2a900"


def coverage_figure(title: str, rows: Sequence[tuple[str, int, int, int]], labels: tuple[str, str, str]) -> Figure:
    """`rows`: (name, TPS, watched, with results), drawn top to bottom; `labels`: the legend's words (watched,
    not watched, results sent), in the group's language. The caller closes it (plt.close)."""
    rows = list(rows)[:MAX_BARS]
    names = [r[0] for r in rows][::-1]
    totals = [r[1] for r in rows][::-1]
    watched = [r[2] for r in rows][::-1]
    results = [r[3] for r in rows][::-1]
    height = max(2.5, 0.35 * len(rows) + 1.2)
    positions = list(range(len(rows)))  # numbers, not names: two kecamatan of one name stay two bars
    figure, axes = plt.subplots(figsize=(8, height), dpi=100)
    axes.barh(positions, totals, color=UNWATCHED, label=labels[1])
    axes.barh(positions, watched, color=WATCHED, label=labels[0])
    axes.scatter(results, positions, color=RESULTS, marker="D", zorder=3, label=labels[2])
    axes.set_yticks(positions, names)
    for y, (total, seen) in enumerate(zip(totals, watched, strict=True)):
        axes.text(total, y, f" {seen}/{total}", va="center", fontsize=8)
    axes.set_title(title, fontsize=11)
    axes.set_xlabel("TPS")
    axes.set_xlim(0, max(totals or [1]) * 1.15 + 1)
    axes.legend(loc="lower right", fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure


def coverage_png(title: str, rows: Sequence[tuple[str, int, int, int]], labels: tuple[str, str, str]) -> bytes:
    """The chart of `coverage_figure`, as PNG."""
    return figure_png(coverage_figure(title, rows, labels))
