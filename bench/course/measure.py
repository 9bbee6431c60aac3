"""Drive the course benchmark's steps and summarise them (bench/course/run.sh runs it; issue 14 P4).

Starts --processes load generators (bench/course/load.py), each on its shard of the participants, waits until every
one has its sessions' CSRF tokens, gives them one start time, and while the steps run samples the CPU time of the
app server's processes, of the PostgreSQL backends serving this database and of the generators themselves, per step.
Then prints one line per step (p50/p95/p99 from the due time, errors, achieved rate, CPU) and the highest rate that
held p95 ≤ --p95-ms with no errors, and writes the table into docs/performance.md between the markers.
"""

from __future__ import annotations

import argparse
import json
import select
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.common import cpu_seconds  # noqa: E402

MARKERS = "<!-- bench-course:{key}:begin -->", "<!-- bench-course:{key}:end -->"


def children(pid: int) -> list[int]:
    """pid and its descendants (uvicorn's workers, the PDF pool)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return found


def backends(database_url: str) -> list[int]:
    name = database_url.rsplit("/", 1)[1].split("?")[0]
    query = f"SELECT pid FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    out = subprocess.run(
        ["psql", "-X", "-qtA", database_url, "-c", query], capture_output=True, text=True, timeout=30, check=False
    )
    return [int(line) for line in out.stdout.split() if line.strip().isdigit()]


def read_line(process: subprocess.Popen, timeout: float) -> str:
    """One line of a generator's standard output, or SystemExit after `timeout` seconds (every wait is bounded)."""
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    if not ready:
        raise SystemExit(f"load generator {process.pid} said nothing for {timeout:.0f} s")
    return process.stdout.readline()  # type: ignore[union-attr]


def tell(processes: list[subprocess.Popen], line: str) -> None:
    for process in processes:
        process.stdin.write(line + "\n")  # type: ignore[union-attr]
        process.stdin.flush()  # type: ignore[union-attr]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--plan", type=Path, required=True)
    parser.add_argument("--server-pids", required=True, help="comma-separated: the app servers (and proxy)")
    parser.add_argument("--rates", default="50,100,200,265,335,500,670")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--gap", type=float, default=10.0)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--p95-ms", type=float, default=100.0)
    parser.add_argument("--profile-count", type=int, default=30, help="requests of each kind for CPU per kind")
    parser.add_argument("--warmup-rate", type=float, default=20.0, help="one step first at this rate, not counted")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--label", default="One app server")
    parser.add_argument("--key", default="single", help="which block of --docs the table goes into")
    parser.add_argument("--header", default="", help="the run's date, commit, machine and load, for the write-up")
    parser.add_argument("--docs", type=Path, default=None, help="write the table into this file between the markers")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    python = sys.executable
    generators = []
    for shard in range(args.processes):
        generators.append(
            subprocess.Popen(
                [python, "-m", "bench.course.load", "--base-url", args.base_url, "--plan", str(args.plan),
                 "--shard", f"{shard}/{args.processes}", "--duration", str(args.duration)],
                cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            )
        )  # fmt: skip
    steps: list[list[dict]] = []  # per step run, each generator's results
    note = ""
    cpu = []
    try:
        for generator in generators:
            line = read_line(generator, 120)
            if not line.startswith("ready"):
                raise SystemExit(f"a load generator failed while preparing: {line!r}")
            print(f"  generator {generator.pid}: {line.strip()}", flush=True)
        load = [g.pid for g in generators]
        # Warm-up, not counted: the workers' first renders compile the templates, their pools open connections.
        tell(generators, f"{args.warmup_rate} {time.time() + 0.5}")
        warmup = [json.loads(read_line(g, args.duration + 120)) for g in generators]
        print(f"  warm-up at {args.warmup_rate:.0f} req/s: {sum(sum(p['errors'].values()) for p in warmup)} errors")
        # After the warm-up: the workers and their PostgreSQL connections are all there.
        server = [p for pid in args.server_pids.split(",") for p in children(int(pid))]
        database = backends(args.database_url)
        generators[0].stdin.write(  # type: ignore[union-attr]
            f"profile {','.join(map(str, server))} {','.join(map(str, database))} {args.profile_count}\n"
        )
        generators[0].stdin.flush()  # type: ignore[union-attr]
        per_kind = json.loads(read_line(generators[0], 600))
        for rate in rates:
            start = time.time() + 1.0
            tell(generators, f"{rate} {start}")
            time.sleep(max(0.0, start - time.time()))
            before = (cpu_seconds(*server), cpu_seconds(*database), cpu_seconds(*load), time.monotonic())
            time.sleep(args.duration)
            database = sorted(set(database) | set(backends(args.database_url)))
            after = (cpu_seconds(*server), cpu_seconds(*database), cpu_seconds(*load), time.monotonic())
            seconds = after[3] - before[3]
            loadavg = Path("/proc/loadavg").read_text().split()[0]
            cpu.append({"server": (after[0] - before[0]) / seconds, "postgres": (after[1] - before[1]) / seconds,
                        "generator": (after[2] - before[2]) / seconds, "load": loadavg})  # fmt: skip
            # load.py cancels what is open 11 s after the step's last due time; its event loop may lag behind.
            try:
                steps.append([json.loads(read_line(g, 120)) for g in generators])
            except SystemExit as exc:  # a generator starved of CPU: keep the steps measured so far
                note = f"The {rate:.0f} req/s step has no figures: {exc} after it (the machine's load: {loadavg})."
                print(f"  {note}", flush=True)
                break
            scheduled = sum(part["scheduled"] for part in steps[-1])
            failed = sum(sum(part["errors"].values()) for part in steps[-1])
            all_latencies = [v for part in steps[-1] for values in part["latencies"].values() for v in values]
            if failed > scheduled / 10 or percentile(all_latencies, 95) * 1000 > 10 * args.p95_ms:
                print(f"  {rate:.0f} req/s: far over the goal; the higher steps are not run", flush=True)
                break
            time.sleep(args.gap)
        if not note:
            tell(generators, "stop")
            for generator in generators:
                generator.wait(timeout=30)
    finally:
        for generator in generators:
            if generator.poll() is None:
                generator.kill()

    rows, best = [], None
    for i, parts in enumerate(steps):
        rate = rates[i]
        latencies = [v * 1000 for part in parts for values in part["latencies"].values() for v in values]
        by_kind: dict[str, list[float]] = {}
        for part in parts:
            for kind, values in part["latencies"].items():
                by_kind.setdefault(kind, []).extend(v * 1000 for v in values)
        errors: dict[str, int] = {}
        for part in parts:
            for key, count in part["errors"].items():
                errors[key] = errors.get(key, 0) + count
        lags = [v * 1000 for part in parts for v in part["lags"]]
        scheduled = sum(part["scheduled"] for part in parts)
        row = {
            "rate": rate, "scheduled": scheduled, "ok": len(latencies), "errors": sum(errors.values()),
            "error_kinds": errors, "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
            "p99": percentile(latencies, 99), "lag_p99": percentile(lags, 99),
            "p95_by_kind": {k: percentile(v, 95) for k, v in by_kind.items()}, **cpu[i],
            # CPU per answered request: what the rate costs whatever else runs on the machine.
            "app_ms": cpu[i]["server"] * args.duration * 1000 / max(1, len(latencies)),
            "postgres_ms": cpu[i]["postgres"] * args.duration * 1000 / max(1, len(latencies)),
        }  # fmt: skip
        rows.append(row)
        if row["errors"] == 0 and row["p95"] <= args.p95_ms and row["ok"] > 0:
            best = rate
    (args.out / "course.json").write_text(json.dumps({"steps": rows, "cpu_per_kind": per_kind}, indent=1))
    lines = [
        f"**{args.label}** ({args.header}); {args.duration:.0f} s per step, {args.processes} generator processes:",
        "",
        "| rate (req/s) | sent | ok | errors | p50 | p95 | p99 | generator lag p99 | app CPU | PostgreSQL CPU "
        "| generator CPU | CPU per request (app + PostgreSQL) | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['rate']:.0f} | {row['scheduled']} | {row['ok']} | {row['errors']} | {row['p50']:.0f} ms "
            f"| {row['p95']:.0f} ms | {row['p99']:.0f} ms | {row['lag_p99']:.0f} ms | {row['server']:.2f} cores "
            f"| {row['postgres']:.2f} cores | {row['generator']:.2f} cores "
            f"| {row['app_ms']:.1f} + {row['postgres_ms']:.1f} ms | {row['load']} |"
        )
    for rate in rates[len(rows) :]:
        why = "no figures (below)" if note and rate == rates[len(rows)] else "not run: a step below failed"
        lines.append(f"| {rate:.0f} | {why} |" + " |" * 11)
    lines.append("")
    lines.append(
        f"Highest rate with p95 ≤ {args.p95_ms:.0f} ms and no errors: "
        + (f"**{best:.0f} req/s**" if best is not None else "**none of the steps**")
        + " (goal: 670 req/s)."
    )
    kinds = "; ".join(
        f"{row['rate']:.0f}: " + ", ".join(f"{k} {v:.0f}" for k, v in row["p95_by_kind"].items()) for row in rows
    )
    lines.append(f"p95 per kind of request (ms), per step: {kinds}.")
    if note:
        lines.append(note)
    lines.append(
        "CPU per request of each kind (app + PostgreSQL, ms; one at a time, "
        f"{args.profile_count} each): "
        + "; ".join(f"{k} {v['app_ms']:.1f} + {v['postgres_ms']:.1f}" for k, v in per_kind.items())
        + "."
    )
    errors_seen = {k: v for row in rows for k, v in row["error_kinds"].items()}
    if errors_seen:
        lines.append(
            "Errors: " + "; ".join(f"{row['rate']:.0f}: {row['error_kinds']}" for row in rows if row["errors"])
        )
    table = "\n".join(lines)
    print(table)
    (args.out / "summary.md").write_text(table + "\n")
    if args.docs is not None:
        text = args.docs.read_text()
        marker_begin, marker_end = (m.format(key=args.key) for m in MARKERS)
        if marker_begin in text and marker_end in text:
            head, rest = text.split(marker_begin, 1)
            _, tail = rest.split(marker_end, 1)
            args.docs.write_text(f"{head}{marker_begin}\n{table}\n{marker_end}{tail}")
            print(f"written to {args.docs}")
        else:
            print(f"{args.docs} has no {marker_begin} … {marker_end} block: not written", file=sys.stderr)


if __name__ == "__main__":
    main()
