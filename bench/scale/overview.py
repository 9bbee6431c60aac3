"""The instructors' lesson overview at scale, in-process (issue 14, P5): the exact computation (what a refresh of the
page's snapshot costs: InsightService.lesson_stats) against serving the snapshot (lesson_overview), alternating in one
run, with the load average before each round. Bounded: --rounds rounds, each at most --deadline seconds.

    .venv/bin/python -m bench.scale.overview --database-url postgresql://postgres@127.0.0.1:5432/coursesite_scale
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from coursesite.course.loader import load_course  # noqa: E402
from coursesite.db.engine import build_engine  # noqa: E402
from coursesite.db.tables import bind_tables  # noqa: E402
from coursesite.insight.service import InsightService  # noqa: E402
from coursesite.privacy.audit import AuditLog  # noqa: E402
from coursesite.settings import DatabaseUrl  # noqa: E402


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/coursesite_scale")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--snapshot-views", type=int, default=50, help="snapshot views per round")
    parser.add_argument("--deadline", type=float, default=120, help="seconds for the whole run")
    args = parser.parse_args()
    engine = build_engine(DatabaseUrl.parse(args.database_url))
    bind_tables(engine)
    await engine.start_connection_pool(max_size=10)
    lesson = load_course(REPO / "lessons").lessons()[0]
    service = InsightService(AuditLog())
    exact: list[float] = []
    snapshot: list[float] = []
    loads: list[float] = []
    started = time.monotonic()
    try:
        await service.lesson_overview(lesson)  # the first view computes; warms the connections
        for _ in range(args.rounds):
            if time.monotonic() - started > args.deadline:
                break
            loads.append(float(Path("/proc/loadavg").read_text().split()[0]))
            t = time.perf_counter()
            await service.lesson_stats(lesson)
            exact.append((time.perf_counter() - t) * 1000)
            for _ in range(args.snapshot_views):
                t = time.perf_counter()
                await service.lesson_overview(lesson)
                snapshot.append((time.perf_counter() - t) * 1000)
    finally:
        await engine.close_connection_pool()
    print(f"lesson {lesson.slug}: {len(lesson.questions)} questions; load average {min(loads)}–{max(loads)}")
    for name, values in (("exact computation (a refresh)", exact), ("snapshot view", snapshot)):
        print(
            f"{name}: n={len(values)} median {statistics.median(values):.1f} ms, p95 {pct(values, 95):.1f} ms, "
            f"max {max(values):.1f} ms"
        )


if __name__ == "__main__":
    asyncio.run(main())
