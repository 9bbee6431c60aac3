"""Where the CPU of the course benchmark's requests goes, per kind (issue 14 P4). A tool for reading its figures.

    .venv/bin/python -m bench.course.plan --database-url postgresql://…/coursesite_course --out /tmp/plan.json
    .venv/bin/python -m bench.course.profile_mix --database-url postgresql://…/coursesite_course \
        --plan /tmp/plan.json --requests 100

Runs the real app in-process (httpx's ASGI transport: same thread and event loop, one request at a time), drives
each kind of request of bench/course/load.py's mix as the plan's participants under cProfile, and prints per kind
the profiled time split by the package that owns each function (own time, as bench/profile_answers.py does). The
login's Argon2 runs in a worker thread, which cProfile does not see: its wait shows as the event loop's poll.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import pstats
import secrets
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.course.load import EXPECTED, MIX, Driver, no_cookie_jar  # noqa: E402
from bench.profile_answers import owner  # noqa: E402


async def profile(database_url: str, plan: dict, requests: int) -> dict[str, tuple[int, pstats.Stats]]:
    import httpx

    from coursesite.app import create_app
    from coursesite.settings import Settings

    settings = Settings(database_url=database_url, secret_key="bench-" + secrets.token_urlsafe(24))
    app = create_app(settings)
    out = {}
    async with (
        app.lifespan(),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1", cookies=no_cookie_jar()
        ) as client,
    ):
        driver = Driver(client, plan, plan["participants"], seed=14)
        await driver.prepare()
        for _ in range(200):  # warm-up, and every answerer met so far has the CSRF token of a page
            await driver.request("lesson")
        for kind in MIX:
            profiler = cProfile.Profile()
            ok = 0
            profiler.enable()
            for _ in range(requests):
                done, status = await driver.request(kind)
                ok += done == kind and status == EXPECTED.get(kind, 200)
            profiler.disable()
            out[kind] = (ok, pstats.Stats(profiler))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--plan", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=100, help="of each kind")
    parser.add_argument("--top", type=int, default=8, help="packages shown per kind")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the per-request log lines
    results = asyncio.run(profile(args.database_url, json.loads(args.plan.read_text()), args.requests))
    for kind, (ok, stats) in results.items():
        by_owner: Counter[str] = Counter()
        total = 0.0
        for (filename, _line, _name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            by_owner[owner(filename)] += own
            total += own
        parts = ", ".join(f"{name} {own / total * 100:.0f} %" for name, own in by_owner.most_common(args.top))
        print(f"{kind}: {ok}/{args.requests} ok, {total / args.requests * 1000:.1f} ms profiled each: {parts}")
        costly = sorted(
            ((own, f"{Path(filename).name}:{name}") for (filename, _l, name), (_c, _n, own, _cu, _ca) in
             stats.stats.items() if not filename.startswith(("~", "<"))),  # type: ignore[attr-defined]
            reverse=True,
        )[: args.top]  # fmt: skip
        print("    " + ", ".join(f"{where} {own / args.requests * 1000:.2f} ms" for own, where in costly))


if __name__ == "__main__":
    main()
