"""Prepare the answer benchmark: register N participants through the real API and write what wrk needs.

    .venv/bin/python bench/prepare.py --base-url http://127.0.0.1:8765 --participants 60 --out /tmp/x/answers-data.lua

For each participant: GET /registrera (the CSRF cookie), POST /api/v1/auth/register (201 and the session cookie),
then POST /api/v1/enrollments as a private buyer (201: the lessons open on enrolment, and an invoice is issued).
The questions are every question of Akt 1 (all its lessons are open from the start, the act is not sequential),
each with a valid, correct response built by tests/support.py:correct_response. Every lesson allows max_attempts
attempts per question, so the benchmark has participants x questions x max_attempts submissions to spend before it
would measure 403s; bench/answers.lua spends them in order and says so when it runs out.

The output is a Lua file (`return { ... }`) that bench/answers.lua loads with dofile.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import time
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from coursesite.billing.enrolment import TERMS_VERSION  # noqa: E402 - after the sys.path line
from coursesite.course.loader import load_course  # noqa: E402
from coursesite.web.middleware import SESSION_COOKIE  # noqa: E402
from tests.support import correct_response  # noqa: E402

CSRF_COOKIE = "csrftoken"
PASSWORD = "Prov-lösenord-" + "x7Q!"  # nothing of the e-mail (bench-…) or the names: the password rule
ENROLMENT = {
    "customer_type": "private", "address_line": "Bänkgatan 1", "postal_code": "123 45", "city": "Stockholm",
    "accept_terms_version": TERMS_VERSION,
}  # fmt: skip  # one password for all: argon2 runs once per registration either way


def lua_string(text: str) -> str:
    """A Lua 5.1 string literal for any text: printable ASCII as is, every other byte as a decimal escape."""
    out = []
    for byte in text.encode("utf-8"):
        char = chr(byte)
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


async def register(client: httpx.AsyncClient, index: int, run_id: str) -> dict[str, str]:
    page = await client.get("/registrera")
    page.raise_for_status()
    csrf = client.cookies.get(CSRF_COOKIE)
    if not csrf:
        raise SystemExit(f"GET /registrera set no {CSRF_COOKIE} cookie")
    response = await client.post(
        "/api/v1/auth/register",
        json={
            "email": f"bench-{run_id}-{index}@example.se",
            "password": PASSWORD,
            "first_name": "Bänk",
            "last_name": f"Deltagare {index}",
        },
        headers={"x-csrftoken": csrf},
    )
    if response.status_code != 201:
        raise SystemExit(f"registering participant {index}: HTTP {response.status_code} {response.text[:500]}")
    session = response.cookies.get(SESSION_COOKIE) or client.cookies.get(SESSION_COOKIE)
    if not session:
        raise SystemExit(f"registering participant {index}: no {SESSION_COOKIE} cookie in the 201 response")
    # The CSRF token is bound to the session (web/hardening.py): the response to the login set the new one.
    csrf = client.cookies.get(CSRF_COOKIE) or csrf
    enrolled = await client.post("/api/v1/enrollments", json=ENROLMENT, headers={"x-csrftoken": csrf})
    if enrolled.status_code != 201:
        raise SystemExit(f"enrolling participant {index}: HTTP {enrolled.status_code} {enrolled.text[:500]}")
    return {"cookie": f"{SESSION_COOKIE}={session}; {CSRF_COOKIE}={csrf}", "csrf": csrf}


async def register_all(base_url: str, count: int, concurrency: int) -> list[dict[str, str]]:
    run_id = secrets.token_hex(4)
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int) -> dict[str, str]:
        # One client (one cookie jar) per participant.
        async with gate, httpx.AsyncClient(base_url=base_url, timeout=60) as client:
            return await register(client, index, run_id)

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def prime(base_url: str, bodies: list[str]) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        await register(client, 0, "primer-" + secrets.token_hex(4))
        headers = {"x-csrftoken": client.cookies.get(CSRF_COOKIE) or "", "content-type": "application/json"}
        for body in bodies:
            response = await client.post("/api/v1/answers", content=body.encode(), headers=headers)
            if response.status_code != 201:
                raise SystemExit(
                    f"priming: POST /api/v1/answers {body} -> HTTP {response.status_code} {response.text[:500]}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--participants", type=int, default=60)
    parser.add_argument(
        "--concurrency", type=int, default=4, help="registrations in flight (argon2 is slow on purpose)"
    )
    parser.add_argument("--act", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="the Lua data file for bench/answers.lua")
    parser.add_argument(
        "--prime",
        action="store_true",
        help="warm the answer route up first: one extra participant (not handed to wrk) answers each question once",
    )
    args = parser.parse_args()

    course = load_course(REPO_ROOT / "lessons")
    act = next(a for a in course.acts if a.number == args.act)
    if act.sequential:
        raise SystemExit(f"Akt {args.act} is sequential: only its first lesson is open to a new participant")
    questions = [(lesson, q) for lesson in act.lessons for q in lesson.questions]
    limits = {lesson.max_attempts for lesson, _ in questions}
    if None in limits:
        attempts = 1_000_000  # no limit
    else:
        attempts = min(limits)  # type: ignore[type-var]
    bodies = [
        json.dumps({"question_id": q.id, "response": correct_response(q)}, ensure_ascii=False) for _, q in questions
    ]

    started = time.monotonic()
    participants = asyncio.run(register_all(args.base_url.rstrip("/"), args.participants, args.concurrency))
    elapsed = time.monotonic() - started
    if args.prime:
        asyncio.run(prime(args.base_url.rstrip("/"), bodies))

    lines = ["-- written by bench/prepare.py; throwaway sessions of a throwaway database", "return {"]
    lines.append(f"  max_attempts = {attempts},")
    lines.append("  participants = {")
    for p in participants:
        lines.append(f"    {{ cookie = {lua_string(p['cookie'])}, csrf = {lua_string(p['csrf'])} }},")
    lines.append("  },")
    lines.append("  bodies = {")
    for body in bodies:
        lines.append(f"    {lua_string(body)},")
    lines.append("  },")
    lines.append("}")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    budget = len(participants) * len(bodies) * attempts
    print(
        f"prepare: {len(participants)} participants registered in {elapsed:.1f}s "
        f"({len(participants) / elapsed:.1f}/s, argon2 on this path); {len(bodies)} questions of Akt {args.act} "
        f"x {attempts} attempts -> {budget} submissions before any 403"
    )


if __name__ == "__main__":
    main()
