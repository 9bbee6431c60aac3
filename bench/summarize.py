"""Summarise one bench/run.sh run: a table per engine (requests/s, p50, p99, errors; product, baseline, ratio), what
the server logs and the database say, and the database round trips per request. Writes summary.md and
summary.json next to the raw results and prints the table.

    .venv/bin/python bench/summarize.py bench/results/<run>
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ENGINES = ("sqlite", "postgres")
# Logged when wrk closes its connections at the end of the run while requests are still in flight: expected.
END_OF_RUN = "client disconnected prematurely"


def load(path: Path) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def load_slices(run: Path, engine: str, side: str) -> list[dict]:
    slices = []
    for path in run.glob(f"{engine}-{side}-*.json"):
        suffix = path.stem.rsplit("-", 1)[1]
        if suffix.isdigit():
            result = load(path)
            cpu = path.with_suffix(".cpu")
            if cpu.exists():  # "ticks clk_tck": the server process's CPU time during the slice
                ticks, clk_tck = cpu.read_text().split()
                result["server_cpu_s"] = int(ticks) / int(clk_tck)
            slices.append((int(suffix), result))
    return [result for _, result in sorted(slices)]


def percentile(samples: list[tuple[float, float]], p: float) -> float:
    """samples: (value, weight) pairs; the value at which the cumulative weight first reaches p percent."""
    ordered = sorted(samples)
    total = sum(w for _, w in ordered)
    running = 0.0
    for value, weight in ordered:
        running += weight
        if running >= total * p / 100 - 1e-9:
            return value
    return ordered[-1][0]


def merge(slices: list[dict]) -> dict:
    """One result from interleaved slices: totals summed, requests/s = all requests / all time, and the latency
    percentiles from the slices' 1000-quantile tables, each quantile weighted by its slice's request count."""
    duration = sum(s["duration_s"] for s in slices)
    requests = sum(s["requests"] for s in slices)
    samples = [
        (float(q), s["requests"] / len(s["quantiles_ms"]))
        for s in slices
        if s["quantiles_ms"]
        for q in s["quantiles_ms"]
    ]
    statuses: Counter[str] = Counter()
    socket: Counter[str] = Counter()
    for s in slices:
        statuses.update(s["statuses"])
        socket.update(s["socket_errors"])
    cpu = sum(s.get("server_cpu_s", 0.0) for s in slices) if all("server_cpu_s" in s for s in slices) else None
    return {
        "slices": len(slices),
        "server_cpu_s": cpu,
        "server_cpu_ms_per_request": cpu * 1000 / requests if cpu is not None and requests else None,
        "server_cpu_utilisation": cpu / duration if cpu is not None and duration else None,
        "duration_s": duration,
        "requests": requests,
        "requests_per_s": requests / duration if duration else 0.0,
        "latency_ms": {
            "mean": sum(s["latency_ms"]["mean"] * s["requests"] for s in slices) / requests if requests else 0.0,
            **{f"p{p}": percentile(samples, p) if samples else 0.0 for p in (50, 75, 90, 99)},
            "max": max(s["latency_ms"]["max"] for s in slices),
        },
        "statuses": dict(statuses),
        "non_2xx": sum(s["non_2xx"] for s in slices),
        "socket_errors": {k: socket.get(k, 0) for k in ("connect", "read", "write", "timeout")},
        "slots_exhausted": sum(s["slots_exhausted"] for s in slices),
        "error_samples": [e for s in slices for e in s["error_samples"]],
        "per_slice": [
            {"requests_per_s": s["requests_per_s"], "p50": s["latency_ms"]["p50"], "p99": s["latency_ms"]["p99"]}
            for s in slices
        ],
    }


def log_findings(path: Path) -> dict:
    """The exception at the end of each traceback, counted; and every 'database is locked'."""
    if not path.exists():
        return {"exceptions": {}, "database_is_locked": 0, "error_lines": 0}
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    exceptions: Counter[str] = Counter()
    in_traceback = False
    for line in lines:
        if line.startswith("Traceback (most recent call last):"):
            in_traceback = True
            continue
        if in_traceback and line and not line.startswith((" ", "\t")):
            if line.startswith(("During handling", "The above exception")):
                continue
            exceptions[line[:200]] += 1
            in_traceback = False
    return {
        "exceptions": dict(exceptions.most_common()),
        "database_is_locked": sum("database is locked" in line for line in lines),
        "error_lines": sum(line.startswith("ERROR") for line in lines),
    }


def errors_of(result: dict) -> int:
    socket = result["socket_errors"]
    return result["non_2xx"] + socket["connect"] + socket["read"] + socket["write"] + socket["timeout"]


def fmt_ms(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def main() -> None:
    run = Path(sys.argv[1])
    machine = dict(
        line.split("=", 1) for line in (run / "machine.txt").read_text(encoding="utf-8").splitlines() if "=" in line
    )
    summary: dict = {"run": run.name, "machine": machine, "engines": {}}
    out: list[str] = [
        f"# Benchmark {run.name}",
        "",
        (
            f"{machine.get('cpus', '?')} CPUs ({machine.get('cpu_model', '?')}), load before {machine.get('loadavg_before', '?')}, "
            f"after {machine.get('loadavg_after', '?')}; wrk {machine.get('wrk_settings', '?')}; "
            f"SQLite {machine.get('sqlite', '?')}, PostgreSQL {machine.get('postgres', '?')}, Python {machine.get('python', '?')}; "
            f"git {machine.get('git_head', '?')} with {machine.get('git_dirty_files', '?')} changed files. "
            f"Busiest processes at the start: {machine.get('busiest_processes_before', '?')}."
        ),
        "",
        (
            "Requests/s: all requests over all rounds / their total time. p50/p99: over all rounds. The ratio row: "
            "product requests/s as a fraction of the baseline's (per-round range in brackets), latencies and CPU as "
            "multiples. Server CPU: user+system time of the server process (all its threads; PostgreSQL's own processes "
            "not included) per request, and in brackets that time over the wall time (100% = one core busy)."
        ),
        "",
        "| engine | route | requests/s | p50 ms | p99 ms | errors | server CPU ms/request (busy) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    notes: list[str] = []
    for engine in ENGINES:
        base_slices = load_slices(run, engine, "baseline")
        prod_slices = load_slices(run, engine, "answers")
        if not base_slices or not prod_slices:
            continue
        base, prod = merge(base_slices), merge(prod_slices)
        slice_ratios = [
            p["requests_per_s"] / b["requests_per_s"] for b, p in zip(base_slices, prod_slices, strict=True)
        ]
        db = load(run / f"{engine}-db.json") or {}
        queries = load(run / f"{engine}-queries.json") or {}
        server = log_findings(run / f"{engine}-server.log")
        baseline_server = log_findings(run / f"{engine}-baseline-server.log")
        ratio = {
            "requests_per_s_per_round": slice_ratios,
            "requests_per_s": prod["requests_per_s"] / base["requests_per_s"],
            "p50": prod["latency_ms"]["p50"] / base["latency_ms"]["p50"],
            "p99": prod["latency_ms"]["p99"] / base["latency_ms"]["p99"],
        }

        def cpu(result: dict) -> str:
            if result["server_cpu_ms_per_request"] is None:
                return "?"
            return f"{result['server_cpu_ms_per_request']:.2f} ({result['server_cpu_utilisation'] * 100:.0f}%)"

        if base["server_cpu_ms_per_request"] and prod["server_cpu_ms_per_request"]:
            ratio["server_cpu_ms_per_request"] = prod["server_cpu_ms_per_request"] / base["server_cpu_ms_per_request"]
        out.append(
            f"| {engine} | baseline POST /insert | {base['requests_per_s']:,.0f} | {fmt_ms(base['latency_ms']['p50'])} | "
            f"{fmt_ms(base['latency_ms']['p99'])} | {errors_of(base)} | {cpu(base)} |"
        )
        out.append(
            f"| {engine} | product POST /api/v1/answers | {prod['requests_per_s']:,.0f} | {fmt_ms(prod['latency_ms']['p50'])} | "
            f"{fmt_ms(prod['latency_ms']['p99'])} | {errors_of(prod)} | {cpu(prod)} |"
        )
        cpu_ratio = ratio.get("server_cpu_ms_per_request")
        out.append(
            f"| {engine} | **product / baseline** | **{ratio['requests_per_s']:.2f}x** "
            f"(rounds {min(slice_ratios):.2f}-{max(slice_ratios):.2f}) | {ratio['p50']:.1f}x | {ratio['p99']:.1f}x | | "
            f"{f'{cpu_ratio:.1f}x' if cpu_ratio else '?'} |"
        )
        for label, merged in (("baseline", base), ("product", prod)):
            notes.append(
                f"{engine} {label} per round: "
                + "; ".join(
                    f"{r['requests_per_s']:,.0f}/s p50 {fmt_ms(r['p50'])} p99 {fmt_ms(r['p99'])}"
                    for r in merged["per_slice"]
                )
            )

        problems = []
        for label, result in (("baseline", base), ("product", prod)):
            if result["non_2xx"]:
                problems.append(
                    f"{label}: {result['non_2xx']} non-2xx responses ({result['statuses']}); "
                    f"first: {result['error_samples'][:2]}"
                )
            socket = result["socket_errors"]
            if socket["timeout"]:
                problems.append(
                    f"{label}: {socket['timeout']} request(s) got no response within wrk's 10 s timeout "
                    "(wrk leaves them out of the latency percentiles)"
                )
            if socket["connect"] + socket["read"] + socket["write"]:
                problems.append(f"{label}: socket errors {socket}")
            if result.get("slots_exhausted"):
                problems.append(
                    f"{label}: ran out of fresh submissions ({result['slots_exhausted']} re-used): "
                    "raise BENCH_PARTICIPANTS_" + engine.upper()
                )
        for label, findings in (("server", server), ("baseline server", baseline_server)):
            unexpected = {k: v for k, v in findings["exceptions"].items() if END_OF_RUN not in k}
            expected = sum(v for k, v in findings["exceptions"].items() if END_OF_RUN in k)
            if unexpected:
                problems.append(f"{label} log: {unexpected}")
            if findings["database_is_locked"]:
                problems.append(f"{label} log: 'database is locked' x{findings['database_is_locked']}")
            if expected:
                notes.append(
                    f"{engine} {label} log: {expected} x '{END_OF_RUN}' (wrk closing in-flight requests at the "
                    "end of its run; logged as an error with a traceback)"
                )
        for key in (
            "pairs_over_max_attempts",
            "duplicate_attempt_numbers",
            "pairs_with_attempt_gaps",
            "progress_answered_mismatches",
            "answered_lessons_without_progress",
        ):
            if db.get(key):
                problems.append(f"database: {key} = {db[key]}")
        later = queries.get("product", {}).get("later answer in the lesson", {})
        if later:
            notes.append(
                f"{engine}: one answer submission = {later['statements']} statements over "
                f"{later['connections_opened']} new connections ({later['by_kind']}); the baseline insert = "
                f"{queries['baseline']['statements']} statements over {queries['baseline']['connections_opened']} "
                f"new connections ({queries['baseline']['by_kind']})"
            )
        if db:
            notes.append(
                f"{engine}: database after the run: {db.get('answers')} answers stored "
                f"(wrk counted {prod['statuses'].get('201', 0)} x 201 in its window, the rest were priming or "
                f"in flight at the end), {db.get('baseline_rows')} baseline rows; consistency checks "
                f"{'failed' if any('database:' in p for p in problems) else 'passed'}"
            )
        summary["engines"][engine] = {
            "baseline": base,
            "product": prod,
            "ratio": ratio,
            "database": db,
            "queries": queries,
            "server_log": server,
            "baseline_server_log": baseline_server,
            "problems": problems,
            "valid": not problems,
        }
        for problem in problems:
            notes.append(f"**{engine} PROBLEM**: {problem}")
    out.append("")
    out.extend(f"- {note}" for note in notes)
    verdict = all(e["valid"] for e in summary["engines"].values()) and bool(summary["engines"])
    out.append("")
    out.append(
        "All runs clean: no errors, no server exceptions, consistent database."
        if verdict
        else "**This run had errors or problems: see above. Its figures are not a clean measurement.**"
    )
    text = "\n".join(out) + "\n"
    (run / "summary.md").write_text(text, encoding="utf-8")
    (run / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
