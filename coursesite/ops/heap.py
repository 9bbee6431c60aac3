"""The cyclic garbage collector set for a long-running worker (issue 14).

With CPython's defaults a young collection runs every 700 allocations, far fewer than one request makes, so the
objects of every request in flight were carried into the older generations, and a full collection ran about once a
second over everything the worker had loaded (the course, the templates, the caches): some 65 ms each, a stall for
every request in flight, and most of the lesson page's p99. After start-up the loaded objects are frozen (never
traversed again; reference counting still frees them), and the young generation is collected every GEN0_THRESHOLD
allocations. Measured under 32 connections on the lesson page for 8 s (docs/performance.md): the collector's time
1.2 s with the defaults, 0.54 s with these; 20,000 and 50,000 gave 0.7 s (young collections grow with it)."""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 5_000  # CPython's default is 700


def settle_after_start() -> None:
    """Call once the worker's app is built, before it serves."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, older, oldest)
