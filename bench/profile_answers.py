"""Where does the CPU of an answer submission go (or, with --lesson, of a lesson page view)? Not part of `make bench`;
a tool for reading its figures.

Runs the real app in-process (httpx's ASGI transport, same thread, one request at a time, no concurrency), submits answers
as a few participants under cProfile, and prints the profiled time split by the package that owns each function
(its own time, not cumulative), plus the top functions. Needs a migrated database:

    .venv/bin/python bench/profile_answers.py --database-url sqlite:////tmp/x.sqlite --submissions 300

With --cpu there is no profile: it prints the process CPU time per request (app and client), for an A/B of two
checkouts in one session (BENCH_REPO_ROOT=/path/to/other/checkout runs that one's code with this script).

Each participant posts each body up to three times, and a repeat within the repeat window is a replay (the earlier
attempt comes back, nothing is graded or inserted): about two of three answers here are replays, so the figures are of
that mix, not of the fresh submissions `make bench` sends (bench/prepare.py).

The client itself (httpx) shows up too; it is listed, not hidden. Wall-clock time waiting on the
database (PostgreSQL's process, SQLite's aiosqlite threads) shows up as select.epoll.poll, under "builtins (C)".
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import os
import pstats
import secrets
import sys
import time
from collections import Counter
from pathlib import Path

# BENCH_REPO_ROOT: measure another checkout's code with this script (an A/B of two branches in one session).
REPO_ROOT = Path(os.environ.get("BENCH_REPO_ROOT") or Path(__file__).resolve().parent.parent).resolve()
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))


def owner(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if str(REPO_ROOT) in filename:
        rel = filename.split(str(REPO_ROOT) + "/", 1)[1]
        return "/".join(rel.split("/")[:2]).removesuffix(".py")
    if filename.startswith(("~", "<")):
        return "builtins (C)"
    return "stdlib:" + Path(filename).stem


async def run(
    database_url: str, submissions: int, profiler: cProfile.Profile, lesson_views: bool = False, answered: int = 1
) -> float:
    import httpx
    from prepare import ENROLMENT

    from coursesite.app import create_app
    from coursesite.course.loader import load_course
    from coursesite.settings import Settings
    from tests.support import correct_response

    settings = Settings(
        database_url=database_url, secret_key="bench-" + secrets.token_urlsafe(24), registrations_per_hour=100_000
    )
    course = load_course(settings.lessons_dir)
    act = course.acts[0]
    bodies = [
        {"question_id": q.id, "response": correct_response(q)} for lesson in act.lessons for q in lesson.questions
    ]
    per_participant = len(bodies) * 3
    app = create_app(settings)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the client's own line per request (the app's config set it)
    # httpx's ASGI transport runs the app in this thread and event loop, so the profile sees the app (litestar's
    # test client would run it in another thread); app.lifespan() starts the PostgreSQL pool as the server does.
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
    ):
        clients = []
        for i in range(-(-submissions // per_participant)):
            client.cookies.clear()
            await client.get("/registrera")
            csrf = client.cookies.get("csrftoken")
            response = await client.post(
                "/api/v1/auth/register",
                json={
                    "email": f"profile-{secrets.token_hex(4)}-{i}@example.se",
                    "password": "Bench-lösenord-x7Q!",
                    "first_name": "Profil",
                    "last_name": "Mätning",
                },
                headers={"x-csrftoken": csrf},
            )
            assert response.status_code == 201, response.text
            csrf = client.cookies.get("csrftoken") or csrf  # the login's response carries the session-bound token
            response = await client.post("/api/v1/enrollments", json=ENROLMENT, headers={"x-csrftoken": csrf})
            assert response.status_code == 201, response.text  # the lessons open on enrolment
            clients.append(({"x-csrftoken": csrf}, dict(client.cookies)))
        if lesson_views:  # --lesson: GET the first lesson as these participants, each with --answered answers in it
            slug = act.lessons[0].slug
            in_lesson = [b for b in bodies if b["question_id"] in {q.id for q in act.lessons[0].questions}]
            for headers, cookies in clients:
                client.cookies.clear()
                client.cookies.update(cookies)
                for body in (in_lesson * 3)[:answered]:  # each question once, then again
                    response = await client.post("/api/v1/answers", json=body, headers=headers)
                    assert response.status_code in (200, 201), response.text
            views = [c for _ in range(submissions) for c in clients][:submissions]
            await client.get(f"/lektion/{slug}")  # the templates compiled before the profile starts
            started = time.perf_counter()
            profiler.enable()
            for _headers, cookies in views:
                client.cookies.clear()
                client.cookies.update(cookies)
                response = await client.get(f"/lektion/{slug}")
                assert response.status_code == 200, response.text
            profiler.disable()
            return time.perf_counter() - started
        slots = [(c, b) for _ in range(3) for b in bodies for c in clients][:submissions]
        started = time.perf_counter()
        profiler.enable()
        for (headers, cookies), body in slots:
            client.cookies.clear()
            client.cookies.update(cookies)
            response = await client.post("/api/v1/answers", json=body, headers=headers)
            assert response.status_code == 201, response.text
        profiler.disable()
        return time.perf_counter() - started


class CpuClock:
    """Stands in for the profiler with --cpu: the process CPU time between enable() and disable(), no profiling."""

    def __init__(self) -> None:
        self.cpu = 0.0

    def enable(self) -> None:
        self.cpu -= time.process_time()

    def disable(self) -> None:
        self.cpu += time.process_time()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--submissions", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--lesson", action="store_true", help="profile lesson page views (issue 14 P2) instead")
    parser.add_argument(
        "--answered", type=int, default=1, help="with --lesson: answers each participant has in the lesson (up to 57)"
    )
    parser.add_argument(
        "--cpu", action="store_true", help="no profile: print the process CPU per request (app and client, one thread)"
    )
    parser.add_argument("--dump", help="also write the raw profile here (pstats format), for reading it further")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.cpu:
        clock = CpuClock()
        wall = asyncio.run(run(args.database_url, args.submissions, clock, args.lesson, args.answered))  # type: ignore[arg-type]
        kind = "lesson" if args.lesson else "answers"
        print(
            f"{kind} cpu_ms_per_request={clock.cpu / args.submissions * 1000:.3f} wall_ms={wall / args.submissions * 1000:.3f}"
        )
        return
    profiler = cProfile.Profile()
    wall = asyncio.run(run(args.database_url, args.submissions, profiler, args.lesson, args.answered))
    stats = pstats.Stats(profiler)
    if args.dump:
        stats.dump_stats(args.dump)
    by_owner: Counter[str] = Counter()
    total = 0.0
    for (filename, _line, _name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        by_owner[owner(filename)] += own
        total += own
    print(
        f"{args.submissions} submissions one at a time: wall {wall:.2f}s = {wall / args.submissions * 1000:.2f} ms each; "
        f"profiled {total:.2f}s = {total / args.submissions * 1000:.2f} ms each (wall time in this thread, waiting included: "
        "epoll's poll under 'builtins (C)' is the wait for the database; profiler overhead included)"
    )
    print("own time by package:")
    for name, own in by_owner.most_common(20):
        print(f"  {own / total * 100:5.1f}%  {own / args.submissions * 1000:6.2f} ms/submission  {name}")
    print()
    stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
