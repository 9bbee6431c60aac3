"""CPU of rendering the lesson page's template alone (issue 14, P2), in-process, one checkout against another.

Renders the real `course/lesson.html` with the context the controller builds (web/controllers/course.py), for a
participant of the bench's lesson (the course's first) with a mix of answered and unanswered questions: one right
at the first attempt, one wrong twice (the form again, with the earlier answer and one attempt left), one wrong
once, one right short answer, the rest not answered. No database, no request handling: the template only.

    .venv/bin/python bench/lesson_render.py                          # this checkout
    .venv/bin/python bench/lesson_render.py --base /path/to/checkout # this one and the other, alternating
    .venv/bin/python bench/lesson_render.py --base ... --dump /tmp/pages  # and write both pages, to diff them

With --base each round runs one process per checkout (its own code and templates, through PYTHONPATH), the two
alternating, and the script prints the median µs per render of each over the rounds. Not a test: no assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent.parent


def _state(course, scenario: str):
    from datetime import UTC, datetime

    from coursesite.course.progress import lesson_score
    from coursesite.grading.rules import grade
    from coursesite.grading.service import LessonState, StoredAnswer
    from tests.support import correct_response, wrong_response

    lesson = course.acts[0].lessons[0]
    plan: dict[int, list[str]] = {}
    if scenario == "mixed":
        plan = {0: ["right"], 1: ["wrong", "wrong"], 3: ["wrong"], len(lesson.questions) - 1: ["right"]}
    attempts = {}
    answer_id = 0
    created = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    for index, kinds in plan.items():
        question = lesson.questions[index]
        for attempt, kind in enumerate(kinds, start=1):
            response = correct_response(question) if kind == "right" else wrong_response(question)
            result = grade(question, response)
            answer_id += 1
            attempts.setdefault(question.id, []).append(
                StoredAnswer.graded(question, lesson.slug, attempt, response, result, created, id=answer_id)
            )
    records = [answer.record() for answers in attempts.values() for answer in answers]
    return LessonState(
        lesson=lesson,
        unlocked=True,
        score=lesson_score(lesson, records),
        complete=False,
        attempts=attempts,
        completed=frozenset(),
    )


def measure(scenario: str, renders: int, dump: Path | None = None) -> dict[str, float]:
    """µs per render in this process (CPU time), after a warm-up."""
    from coursesite.course.loader import load_course
    from coursesite.web.controllers.course import _lesson_context, _outline
    from coursesite.web.templating import build_environment

    course = load_course(HERE / "lessons")
    environment = build_environment(company_name="Bolaget AB")
    template = environment.get_template("course/lesson.html")
    state = _state(course, scenario)
    user = SimpleNamespace(role="participant", first_name="Anna", email_verified=True, email="anna@example.se")
    request = SimpleNamespace(url=SimpleNamespace(path=f"/lektion/{state.lesson.slug}"), scope={"user": user})
    csrf = "x" * 43

    def context() -> dict:
        # Built per render, as the controller does per request.
        from markupsafe import Markup

        return (
            _lesson_context(course, state)
            | _outline(course, state)
            | {
                "request": request,
                "csrf_token": lambda: csrf,
                "csrf_input": Markup(f'<input type="hidden" name="_csrf_token" value="{csrf}" />'),
            }
        )

    html = template.render(context())
    if dump is not None:
        dump.write_text(html, encoding="utf-8")
    for _ in range(50):
        template.render(context())
    started = time.process_time()
    for _ in range(renders):
        template.render(context())
    elapsed = time.process_time() - started
    return {"us": elapsed / renders * 1e6, "bytes": len(html)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, help="another checkout to compare with (its code and templates)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--renders", type=int, default=2000)
    parser.add_argument("--scenario", choices=["mixed", "none"], default="mixed")
    parser.add_argument("--dump", type=Path, help="a folder to write each side's page to (<side>.html), to compare")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dump-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.scenario, args.renders, args.dump_file)))
        return
    sides = {"branch": HERE} | ({"base": args.base.resolve()} if args.base else {})
    figures: dict[str, list[float]] = {name: [] for name in sides}
    size: dict[str, int] = {}
    for round_number in range(args.rounds):
        order = list(sides.items())
        if round_number % 2:
            order.reverse()
        for name, root in order:
            env = os.environ | {"PYTHONPATH": str(root)}
            command = [sys.executable, str(Path(__file__).resolve()), "--child", "--scenario", args.scenario]
            command += ["--renders", str(args.renders)]
            if args.dump:
                args.dump.mkdir(parents=True, exist_ok=True)
                command += ["--dump-file", str((args.dump / f"{name}.html").resolve())]
            # The child runs with its checkout's code first on the path; this file only drives it.
            out = subprocess.run(command, env=env, cwd=root, check=True, capture_output=True, text=True).stdout
            result = json.loads(out.strip().splitlines()[-1])
            figures[name].append(result["us"])
            size[name] = result["bytes"]
            print(f"round {round_number + 1} {name}: {result['us']:.0f} µs per render", flush=True)
    load = os.getloadavg()
    print(f"scenario {args.scenario}, {args.rounds} rounds of {args.renders} renders, load {load[0]:.2f} after")
    for name, values in figures.items():
        print(
            f"{name}: median {statistics.median(values):.0f} µs per render "
            f"(range {min(values):.0f}–{max(values):.0f}), page {size[name]:,} bytes"
        )


if __name__ == "__main__":
    main()
