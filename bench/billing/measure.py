"""The measuring half of bench/billing/run.sh: logs in as finance, times a trivial request as the baseline, then
downloads the SIE and the CSV export for the whole year while following the server's memory, and checks the SIE with
the tests' strict reader (tests/unit/billing/sie_reader.py).

Every step is bounded: HTTP calls have timeouts, each download a deadline. Writes summary.json and summary.md into
--out and prints the summary.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.common import Client, cpu_seconds, proc_status, reset_peak  # noqa: E402
from tests.unit.billing.sie_reader import read_sie  # noqa: E402

EXPORTS = {
    "sie": "/api/v1/finance/exports/sie",
    "csv": "/api/v1/finance/exports/invoices.csv",
}


def worker_pid(pid: int) -> int:
    """The process that serves: uvicorn with 1 worker serves in the process itself; with a supervisor, its child."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(k) for k in children.read_text().split()] if children.exists() else []
    for kid in kids:
        cmdline = Path(f"/proc/{kid}/cmdline").read_bytes()
        if b"python" in cmdline or b"coursesite" in cmdline:
            return kid
    return pid


def baseline(client: Client, path: str, count: int) -> dict:
    """The same client, the same server: a trivial request, one at a time."""
    times = []
    for _ in range(count):
        started = time.monotonic()
        with client.opener.open(client.base_url + path, timeout=10) as response:
            response.read()
        times.append(time.monotonic() - started)
    times.sort()
    return {
        "path": path,
        "requests": count,
        "p50_ms": round(statistics.median(times) * 1000, 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 2),
    }


def download(client: Client, pid: int, kind: str, path: str, target: Path, deadline_s: float) -> dict:
    """Download an export to `target` while sampling the server's RSS every 50 ms."""
    peak_reset = reset_peak(pid)
    before = proc_status(pid)
    cpu_before = cpu_seconds(pid)
    samples: list[tuple[float, int, int]] = []  # (seconds, bytes received so far, RSS kB)
    received = 0
    done = threading.Event()
    started = time.monotonic()

    def sample():
        while not done.is_set():
            samples.append((time.monotonic() - started, received, proc_status(pid)["VmRSS"]))
            time.sleep(0.05)

    probe_ms: list[float] = []  # a trivial request every 20 ms while the export streams: does it block the loop?

    def probe():
        opener = urllib.request.build_opener()
        while not done.is_set():
            began = time.monotonic()
            with opener.open(client.base_url + "/healthz", timeout=10) as response:
                response.read()
            probe_ms.append((time.monotonic() - began) * 1000)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    prober = threading.Thread(target=probe, daemon=True)
    if os.environ.get("BENCH_BILLING_PROBE", "1") != "0":  # 0: the export's own CPU, without the probe's requests
        prober.start()
    first_byte = first_record = None
    marker = b"#VER" if kind == "sie" else b"\r\n"
    try:
        with client.opener.open(client.base_url + path, timeout=60) as response, target.open("wb") as out:
            status = response.status
            while True:
                if time.monotonic() - started > deadline_s:
                    raise TimeoutError(f"the export took more than {deadline_s} s")
                chunk = response.read1(256 * 1024)
                if not chunk:
                    break
                now = time.monotonic() - started
                if first_byte is None:
                    first_byte = now
                received += len(chunk)
                out.write(chunk)
                if first_record is None and (b"#VER" in chunk if marker == b"#VER" else received > 2000):
                    first_record = now
    finally:
        done.set()
        sampler.join()
        if prober.is_alive() or prober.ident is not None:
            prober.join()
    seconds = time.monotonic() - started
    after = proc_status(pid)
    cpu = cpu_seconds(pid) - cpu_before
    data = target.read_bytes()
    if marker == b"#VER":
        records = data.count(b"\n#VER ")
    else:
        records = data.count(b"\r\n") - 1  # less the header
    total = received or 1
    by_quarter = {}
    for quarter in (25, 50, 75, 100):
        within = [rss for _, got, rss in samples if got <= total * quarter / 100]
        by_quarter[f"rss_mb_at_{quarter}pct"] = round(max(within) / 1024, 1) if within else None
    peak_sampled = max(rss for _, _, rss in samples) if samples else after["VmRSS"]
    peak = max(peak_sampled, after["VmHWM"]) if peak_reset else peak_sampled
    return {
        "path": path,
        "status": status,
        "bytes": received,
        "mb": round(received / 1e6, 1),
        "records": records,
        "seconds": round(seconds, 2),
        "first_byte_s": round(first_byte or 0, 3),
        "first_record_s": round(first_record or 0, 3),
        "mb_per_s": round(received / 1e6 / seconds, 1),
        "records_per_s": round(records / seconds),
        "server_cpu_s": round(cpu, 2),
        "server_busy_pct": round(100 * cpu / seconds),
        "healthz_during_p50_ms": round(statistics.median(probe_ms), 1) if probe_ms else None,
        "healthz_during_max_ms": round(max(probe_ms), 1) if probe_ms else None,
        "rss_before_mb": round(before["VmRSS"] / 1024, 1),
        "rss_peak_mb": round(peak / 1024, 1),
        "rss_growth_mb": round((peak - before["VmRSS"]) / 1024, 1),
        "rss_after_mb": round(after["VmRSS"] / 1024, 1),
        "peak_from": "VmHWM after clear_refs, and 50 ms samples" if peak_reset else "50 ms samples of VmRSS",
        **by_quarter,
    }


def expected_counts(database_url: str, date_from: str, date_to: str) -> dict[str, int]:
    """What the exports should hold, straight from the database."""
    sql = (
        f"SELECT (SELECT count(*) FROM invoice WHERE issue_date BETWEEN '{date_from}' AND '{date_to}'), "
        f"(SELECT count(*) FROM payment WHERE invoice IS NOT NULL AND amount_ore <> 0 "
        f"AND payment_date BETWEEN '{date_from}' AND '{date_to}')"
    )
    out = subprocess.run(
        ["psql", "-X", "-qtA", "-F", " ", database_url, "-c", sql],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    return {"documents": int(out[0]), "payments": int(out[1])}


def check_sie(path: Path) -> dict:
    started = time.monotonic()
    sie = read_sie(path.read_bytes())  # raises SieError on any broken rule, including an unbalanced voucher
    unbalanced = sum(1 for v in sie.vouchers if sum(amount for _, amount in v.transactions) != 0)
    return {
        "vouchers": len(sie.vouchers),
        "unbalanced": unbalanced,
        "transactions": sum(len(v.transactions) for v in sie.vouchers),
        "read_s": round(time.monotonic() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--from", dest="date_from", required=True)
    parser.add_argument("--to", dest="date_to", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--deadline", type=float, default=600)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    pid = worker_pid(args.server_pid)
    client = Client(args.base_url)
    client.login(args.email, args.password)
    results: dict = {"base_url": args.base_url, "server_pid": pid, "range": [args.date_from, args.date_to]}
    results["expected"] = expected_counts(args.database_url, args.date_from, args.date_to)
    results["baseline"] = [baseline(client, "/healthz", 200)]
    print(f"== baseline: {results['baseline'][0]}", flush=True)
    query = f"?from={args.date_from}&to={args.date_to}"
    results["exports"] = []
    for run in range(1, args.runs + 1):
        for kind, path in EXPORTS.items():
            target = args.out / f"export-{run}.{kind}"
            result = download(client, pid, kind, path + query, target, args.deadline) | {"kind": kind, "run": run}
            results["exports"].append(result)
            print(f"== {kind} export, run {run}: {result}", flush=True)
    results["baseline"].append(baseline(client, "/healthz", 200))  # after: the same server, warmed up
    results["sie_check"] = check_sie(args.out / f"export-{args.runs}.sie")
    print(f"== SIE read back with tests/unit/billing/sie_reader.py: {results['sie_check']}", flush=True)
    expected = results["expected"]
    problems = []
    for e in results["exports"]:
        want = expected["documents"] + (expected["payments"] if e["kind"] == "sie" else 0)
        if e["records"] != want:
            problems.append(f"{e['kind']} run {e['run']}: {e['records']} records, expected {want}")
    if results["sie_check"]["vouchers"] != expected["documents"] + expected["payments"]:
        problems.append(f"the SIE reader found {results['sie_check']['vouchers']} vouchers")
    results["problems"] = problems
    (args.out / "summary.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    base = statistics.mean(b["p50_ms"] for b in results["baseline"])
    lines = [
        f"baseline GET /healthz p50: {' / '.join(str(b['p50_ms']) for b in results['baseline'])} ms (before / after)",
        f"expected: {expected['documents']} invoices and credit notes, {expected['payments']} placed payments",
        "",
        "| export | run | MB | records | s | first byte s | first record s | × healthz p50 | server CPU s (busy) | "
        "RSS before MB | peak MB | growth MB | at 25/50/75/100 % MB | healthz during: p50 / max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for e in results["exports"]:
        lines.append(
            f"| {e['kind']} | {e['run']} | {e['mb']} | {e['records']} | {e['seconds']} | {e['first_byte_s']} | "
            f"{e['first_record_s']} | {e['seconds'] * 1000 / base:,.0f} | {e['server_cpu_s']} ({e['server_busy_pct']} %) | "
            f"{e['rss_before_mb']} | {e['rss_peak_mb']} | {e['rss_growth_mb']} | {e['rss_mb_at_25pct']} / "
            f"{e['rss_mb_at_50pct']} / {e['rss_mb_at_75pct']} / {e['rss_mb_at_100pct']} | "
            f"{e['healthz_during_p50_ms']} / {e['healthz_during_max_ms']} |"
        )
    check = results["sie_check"]
    lines += [
        "",
        f"SIE read back: {check['vouchers']} vouchers, {check['transactions']} transactions, "
        f"{check['unbalanced']} unbalanced ({check['read_s']} s)",
    ]
    lines += [f"PROBLEM: {p}" for p in problems] or ["counts match the database"]
    (args.out / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
