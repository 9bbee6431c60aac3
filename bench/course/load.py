"""An open-loop load generator for the course benchmark (issue 14 P4): requests at a constant arrival rate.

    .venv/bin/python -m bench.course.load --base-url http://127.0.0.1:8792 --plan plan.json --shard 0/2 --duration 20

bench/course/measure.py starts it and tells it each step's rate and start time on standard input.

Open loop, as wrk2 does it: request k of a step is due at start + k/rate whatever the server did with the ones
before, and its latency is measured from that due time, not from when it was sent. A server that falls behind
cannot hide behind fewer requests (coordinated omission): the wait for a free connection, and any lag of this
process's own event loop, count in the latency. The lag (sent − due) is reported on its own too, so that a
generator that could not keep up is seen.

Each process drives its shard of the participants (--shard i/n): the processes' due times interleave, so together
they arrive at the full rate. A participant's first page gives them the CSRF token the page carries (the body's
hx-headers), which their answers send, as a browser's would; an answer is drawn only from those who have seen a
page (before anyone has, the draw becomes a lesson page). The process gets the login form's token, prints "ready"
and waits for the start time (a Unix time on standard input), so that all processes start together.

What a participant does, drawn per request (MIX): log in (POST /logga-in with a password: Argon2), Min kurs, the
lesson they are on, an answer to one of its questions (the lesson form, as htmx posts it: the feedback fragment
comes back), the results page of a lesson they have answered, Mina fakturor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

import uvloop

from bench.course.client import Client

SESSION_COOKIE = "kurssajten_session"
CSRF_COOKIE = "csrftoken"
# Shares of the requests (percent): a participant mostly reads lessons and answers, now and then looks at the
# course page, a result or an invoice, and logs in once per sitting of ~50 steps.
MIX = {"login": 2, "my_course": 13, "lesson": 35, "answer": 30, "results": 15, "invoices": 5}
EXPECTED = {"login": 303}  # everything else: 200
TIMEOUT = 10.0  # a request not answered this long after it was due counts as an error
CSRF_IN_PAGE = re.compile(r'"x-csrftoken": "([^"]+)"')
CSRF_IN_FORM = re.compile(r'name="_csrf_token" value="([^"]+)"')


class Driver:
    def __init__(self, client: Client, plan: dict[str, Any], people: list[dict[str, Any]], seed: int):
        self.client = client
        self.plan = plan
        self.people = people
        self.answering = [p for p in people if p["questions"]]  # unanswered questions in their current lesson
        self.ready: list[dict[str, Any]] = []  # … and the CSRF token from a page they have seen
        self.rng = random.Random(seed)
        self.kinds = list(MIX)
        self.weights = list(MIX.values())
        self.login_csrf = ""

    async def prepare(self) -> None:
        """The login form's CSRF token (a client without a session); the sessions' tokens come with their pages."""
        page = await self.client.get("/logga-in")
        if page.status_code != 200:
            raise SystemExit(f"GET /logga-in answered {page.status_code}, not the login form")
        self.login_csrf = CSRF_IN_FORM.search(page.text).group(1)  # type: ignore[union-attr]
        self.login_cookie = f"{CSRF_COOKIE}={page.cookie(CSRF_COOKIE)}"

    async def get(self, person: dict[str, Any], path: str) -> int:
        """A page as the participant; the first one they get gives them the CSRF token their forms will carry."""
        cookie = person.get("cookie") or f"{SESSION_COOKIE}={person['token']}"
        response = await self.client.get(path, headers={"cookie": cookie})
        if "csrf" not in person and response.status_code == 200:
            match = CSRF_IN_PAGE.search(response.text)
            if match:
                person["csrf"] = match.group(1)
                person["cookie"] = f"{cookie}; {CSRF_COOKIE}={person['csrf']}"
                if person["questions"]:
                    self.ready.append(person)
        return response.status_code

    async def request(self, kind: str) -> tuple[str, int]:
        """Does one `kind` of thing; returns what it did (an answer before anyone has a form: the lesson page)."""
        rng = self.rng
        if kind == "answer" and not self.ready:
            kind = "lesson"
            person = rng.choice(self.answering)
            return kind, await self.get(person, f"/lektion/{person['lesson']}")
        if kind == "answer":
            index = rng.randrange(len(self.ready))
            person = self.ready[index]
            question = person["questions"].pop()
            if not person["questions"]:
                self.ready[index] = self.ready[-1]
                self.ready.pop()
            forms = self.plan["forms"][question]
            fields = forms["right"] if rng.random() < 0.6 else rng.choice(forms["wrong"])
            slug = self.plan["lesson_of"][question]
            response = await self.client.post_form(
                f"/lektion/{slug}/svar/{question}",
                _multi(fields),
                headers={"cookie": person["cookie"], "x-csrftoken": person["csrf"], "hx-request": "true"},
            )
            return kind, response.status_code
        if kind == "login":
            person = rng.choice(self.people)
            response = await self.client.post_form(
                "/logga-in",
                {"_csrf_token": self.login_csrf, "email": person["email"], "password": self.plan["password"]},
                {"cookie": self.login_cookie},
            )
            return kind, response.status_code
        person = rng.choice(self.people)
        path = {
            "my_course": "/min-kurs",
            "lesson": f"/lektion/{person['lesson']}",
            "results": f"/lektion/{person['results']}/resultat",
            "invoices": "/mina-fakturor",
        }[kind]
        return kind, await self.get(person, path)


def _multi(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in fields:
        out.setdefault(key, []).append(value)
    return out


async def run_step(driver: Driver, rate: float, duration: float, start: float, shard: int, shards: int) -> dict:
    """One step: this shard's share of `rate` requests/s for `duration` s from monotonic time `start`."""
    interval = shards / rate
    first_offset = shard / rate
    count = int(duration * rate / shards)
    latencies: dict[str, list[float]] = {kind: [] for kind in MIX}
    errors: dict[str, int] = {}
    lags: list[float] = []
    tasks = []

    async def one(kind: str, due: float) -> None:
        sent = time.monotonic()
        lags.append(sent - due)
        try:
            kind, status = await asyncio.wait_for(driver.request(kind), timeout=max(0.1, due + TIMEOUT - sent))
        except Exception as exc:  # noqa: BLE001 - every failure is a counted error, by its kind
            key = f"{kind}: {type(exc).__name__}"
            errors[key] = errors.get(key, 0) + 1
            return
        if status != EXPECTED.get(kind, 200):
            key = f"{kind}: HTTP {status}"
            errors[key] = errors.get(key, 0) + 1
            return
        latencies[kind].append(time.monotonic() - due)

    for k in range(count):
        due = start + first_offset + k * interval
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        kind = driver.rng.choices(driver.kinds, weights=driver.weights)[0]
        tasks.append(asyncio.create_task(one(kind, due)))
    # Bounded: whatever is still open TIMEOUT after the last due time (an event loop that fell behind fires its
    # timeouts late) is cancelled and counted as not answered.
    _, late = await asyncio.wait(tasks, timeout=max(0.0, start + duration + TIMEOUT - time.monotonic()) + 1.0)
    for task in late:
        task.cancel()
    if late:
        errors["not answered in time"] = errors.get("not answered in time", 0) + len(late)
    return {"rate": rate, "scheduled": count, "latencies": latencies, "errors": errors, "lags": lags}


async def cpu_per_kind(driver: Driver, app: list[int], database: list[int], count: int) -> dict[str, dict]:
    """CPU milliseconds per request of each kind, app and PostgreSQL apart: `count` requests one at a time (nothing
    else of this benchmark in flight), so CPU time, unlike latency, does not depend on what else the machine runs."""
    from bench.common import cpu_seconds

    out = {}
    for kind in MIX:
        before = cpu_seconds(*app), cpu_seconds(*database)
        done = 0
        for _ in range(count):
            done_kind, status = await driver.request(kind)
            done += done_kind == kind and status == EXPECTED.get(kind, 200)
        after = cpu_seconds(*app), cpu_seconds(*database)
        out[kind] = {
            "app_ms": (after[0] - before[0]) * 1000 / count,
            "postgres_ms": (after[1] - before[1]) * 1000 / count,
            "ok": done,
        }
    return out


async def main_async(args: argparse.Namespace) -> None:
    plan = json.loads(args.plan.read_text())
    shard, shards = (int(x) for x in args.shard.split("/"))
    people = plan["participants"][shard::shards]
    client = Client(args.base_url, max_connections=args.connections)
    try:
        driver = Driver(client, plan, people, seed=args.seed + shard)
        began = time.monotonic()
        await driver.prepare()
        print(f"ready {len(people)} sessions in {time.monotonic() - began:.0f} s", flush=True)
        # One step per line on standard input, "<rate> <start as Unix time>", until "stop"; after each, one line of
        # results on standard output.
        while (line := (await asyncio.to_thread(sys.stdin.readline)).split()) and line[0] != "stop":
            if line[0] == "profile":  # "profile <app pids> <PostgreSQL pids> <count>"
                app, database = ([int(x) for x in part.split(",") if x] for part in line[1:3])
                print(json.dumps(await cpu_per_kind(driver, app, database, int(line[3]))), flush=True)
                continue
            rate, start_wall = float(line[0]), float(line[1])
            start = time.monotonic() + (start_wall - time.time())
            print(json.dumps(await run_step(driver, rate, args.duration, start, shard, shards)), flush=True)
    finally:
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--plan", type=Path, required=True)
    parser.add_argument("--shard", default="0/1")
    parser.add_argument("--duration", type=float, default=20.0)
    # Browsers each hold their own connections, so a course's worth of them queue in the server, not in a client's
    # pool: 512 per process, enough that the server's own queue (and its bound) is what a slow step meets.
    parser.add_argument("--connections", type=int, default=512, help="this process's connection pool")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    if not 1 <= args.duration <= 120:
        parser.error("--duration 1–120 s: every step is bounded")
    uvloop.run(main_async(args))


if __name__ == "__main__":
    main()
