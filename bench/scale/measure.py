"""The measuring half of bench/scale/run.sh: logs in as an instructor, drives wrk at the statistics (and the review
queue, once it exists), and follows the server's memory while it streams the grade export.

Every step is bounded: wrk runs under `timeout`, HTTP calls have timeouts, the export download a deadline.
Writes summary.json and summary.md into --out and prints the summary.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.common import Client, proc_status, reset_peak  # noqa: E402
from coursesite.course.loader import load_course  # noqa: E402

REVIEW_QUEUE = "/api/v1/instructor/review-queue"


def run_wrk(label, paths, cookie, base_url, threads, connections, duration, out: Path) -> dict:
    report_file = out / f"{label}.json"
    env = dict(
        os.environ,
        BENCH_DIR=str(REPO / "bench"),
        BENCH_PATHS=" ".join(paths),
        BENCH_COOKIE=cookie,
        BENCH_WRK_OUT=str(report_file),
        BENCH_LABEL=label,
    )
    command = [
        "timeout",
        str(int(duration) + 60),
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{int(duration)}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(REPO / "bench/scale/stats.lua"),
        base_url,
    ]
    completed = subprocess.run(command, env=env, capture_output=True, text=True)
    (out / f"{label}.wrk.txt").write_text(completed.stdout + completed.stderr)
    if completed.returncode != 0 or not report_file.exists():
        raise RuntimeError(f"wrk failed for {label}: {completed.stdout}{completed.stderr}")
    data = json.loads(report_file.read_text())
    quantiles = [float(q) for q in data["quantiles_ms"]]
    return {
        "label": label,
        "threads": threads,
        "connections": connections,
        "paths": len(paths),
        "requests": data["requests"],
        "requests_per_s": round(data["requests_per_s"], 1),
        "p50_ms": round(quantiles[499], 1) if quantiles else None,
        "p95_ms": round(quantiles[949], 1) if quantiles else None,
        "p99_ms": round(quantiles[989], 1) if quantiles else None,
        "max_ms": round(data["latency_ms"]["max"], 1),
        "non_2xx": data["non_2xx"],
        "socket_errors": data["socket_errors"],
        "error_samples": data["error_samples"][:2],
    }


def measure_export(client: Client, pid: int, deadline_s: float) -> dict:
    """Download the grade export while sampling the server's RSS every 50 ms."""
    peak_reset = reset_peak(pid)
    before = proc_status(pid)
    samples: list[tuple[float, int, int]] = []  # (seconds, bytes received so far, RSS kB)
    received = 0
    done = threading.Event()
    started = time.monotonic()

    def sample():
        while not done.is_set():
            samples.append((time.monotonic() - started, received, proc_status(pid)["VmRSS"]))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    lines = 0
    first_byte = None
    try:
        with client.opener.open(client.base_url + "/api/v1/instructor/grades.csv", timeout=60) as response:
            while True:
                if time.monotonic() - started > deadline_s:
                    raise TimeoutError(f"the export took more than {deadline_s} s")
                chunk = response.read(256 * 1024)
                if not chunk:
                    break
                if first_byte is None:
                    first_byte = time.monotonic() - started
                received += len(chunk)
                lines += chunk.count(b"\r\n")
    finally:
        done.set()
        sampler.join()
    seconds = time.monotonic() - started
    after = proc_status(pid)
    total = received or 1
    by_quarter = {}
    for quarter in (25, 50, 75, 100):
        within = [rss for _, got, rss in samples if got <= total * quarter / 100]
        by_quarter[f"rss_mb_at_{quarter}pct"] = round(max(within) / 1024, 1) if within else None
    peak_sampled = max(rss for _, _, rss in samples) if samples else after["VmRSS"]
    peak = max(peak_sampled, after["VmHWM"]) if peak_reset else peak_sampled
    return {
        "bytes": received,
        "mb": round(received / 1e6, 1),
        "rows_including_header": lines,
        "seconds": round(seconds, 1),
        "first_byte_s": round(first_byte or 0, 3),
        "mb_per_s": round(received / 1e6 / seconds, 1),
        "rss_before_mb": round(before["VmRSS"] / 1024, 1),
        "rss_peak_mb": round(peak / 1024, 1),
        "rss_growth_mb": round((peak - before["VmRSS"]) / 1024, 1),
        "rss_after_mb": round(after["VmRSS"] / 1024, 1),
        "peak_from": "VmHWM after clear_refs, and 50 ms samples" if peak_reset else "50 ms samples of VmRSS",
        **by_quarter,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--export-runs", type=int, default=2)
    parser.add_argument("--export-deadline", type=float, default=600)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    course = load_course(REPO / "lessons")
    client = Client(args.base_url)
    cookie = client.login(args.email, args.password)

    first_lesson = course.lessons()[0]
    scenarios = {
        "stats-largest-lesson": [f"/api/v1/instructor/questions/{q.id}/stats" for q in first_lesson.questions],
        "stats-every-question": [
            f"/api/v1/instructor/questions/{q.id}/stats" for lesson in course.lessons() for q in lesson.questions
        ],
        "review-queue": [REVIEW_QUEUE],
        "lesson-overview-page": [f"/larare/statistik?lektion={first_lesson.slug}"],
    }
    results: dict = {"base_url": args.base_url, "duration_s": args.duration, "wrk": [], "skipped": {}, "export": []}
    only = [name for name in os.environ.get("BENCH_SCALE_SCENARIOS", "").split() if name]
    if only:  # e.g. BENCH_SCALE_SCENARIOS=lesson-overview-page: just those
        scenarios = {label: paths for label, paths in scenarios.items() if label in only}
    for label, paths in scenarios.items():
        statuses = {client.status(path) for path in paths}  # also warms every path once
        if statuses != {200}:
            # ─── REVIEW QUEUE: measured here as soon as GET /api/v1/instructor/review-queue answers 200. ───
            results["skipped"][label] = f"not measured: status {sorted(statuses)}"
            print(f"== {label}: skipped, status {sorted(statuses)}", flush=True)
            continue
        for threads, connections in ((1, 1), (2, 4)):
            load = Path("/proc/loadavg").read_text().split()[0]
            result = run_wrk(
                f"{label}-c{connections}", paths, cookie, args.base_url, threads, connections, args.duration, args.out
            )
            result["load_before"] = load
            results["wrk"].append(result)
            print(
                f"== {result['label']}: {result['requests']} requests, {result['requests_per_s']}/s, "
                f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, "
                f"non-2xx {result['non_2xx']}",
                flush=True,
            )
    for run in range(args.export_runs):
        result = measure_export(client, args.server_pid, args.export_deadline)
        results["export"].append(result)
        print(f"== grade export, run {run + 1}: {result}", flush=True)
    (args.out / "summary.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    lines = [
        "| scenario | wrk | requests/s | p50 ms | p95 ms | p99 ms | non-2xx | load before |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["wrk"]:
        lines.append(
            f"| {r['label']} | -t{r['threads']} -c{r['connections']} | {r['requests_per_s']} | {r['p50_ms']} | "
            f"{r['p95_ms']} | {r['p99_ms']} | {r['non_2xx']} | {r.get('load_before', '?')} |"
        )
    for label, why in results["skipped"].items():
        lines.append(f"| {label} | – | – | – | – | – | {why} | |")
    lines += [
        "",
        "| export run | MB | rows | s | first byte s | RSS before MB | peak MB | growth MB | at 25/50/75/100 % MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for i, e in enumerate(results["export"], start=1):
        lines.append(
            f"| {i} | {e['mb']} | {e['rows_including_header']} | {e['seconds']} | {e['first_byte_s']} | "
            f"{e['rss_before_mb']} | {e['rss_peak_mb']} | {e['rss_growth_mb']} | {e['rss_mb_at_25pct']} / "
            f"{e['rss_mb_at_50pct']} / {e['rss_mb_at_75pct']} / {e['rss_mb_at_100pct']} |"
        )
    (args.out / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
