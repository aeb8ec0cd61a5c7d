"""Drawing with matplotlib: one lock for pyplot, which keeps its figures in a registry of its own that is not safe
to use from two threads at once (every chart and map is drawn, off the event loop in a thread, while holding it),
and a figure made into PNG."""

from __future__ import annotations

import io
import threading

import matplotlib

matplotlib.use("Agg")  # headless: no display, before pyplot is imported
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

PYPLOT = threading.Lock()


def figure_png(figure: Figure) -> bytes:
    """A figure as PNG, and closed (pyplot forgets it)."""
    try:
        out = io.BytesIO()
        figure.savefig(out, format="png")
        return out.getvalue()
    finally:
        plt.close(figure)
