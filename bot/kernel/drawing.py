"""One lock for matplotlib's pyplot, which keeps its figures in a registry of its own that is not safe to use from
two threads at once: every chart and map is drawn (off the event loop, in a thread) while holding it."""

from __future__ import annotations

import threading

PYPLOT = threading.Lock()
