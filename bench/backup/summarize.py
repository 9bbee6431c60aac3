"""Summarise bench/backup/run.sh: answers per second and non-2xx with and without a backup running, per engine."""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path


def main() -> None:
    out = Path(sys.argv[1])
    engines = sorted({p.name.split("-")[0] for p in out.glob("*-plain-*.json")})
    print("| engine | plain answers/s | with backup answers/s | ratio | p99 ms plain / backup | non-2xx | backups |")
    print("|---|---|---|---|---|---|---|")
    for engine in engines:
        sides = {}
        for side in ("plain", "backup"):
            reports = [json.loads(p.read_text()) for p in sorted(out.glob(f"{engine}-{side}-*.json"))]
            sides[side] = reports
        rate = {s: statistics.median(r["requests_per_s"] for r in sides[s]) for s in sides}
        p99 = {s: statistics.median(r["latency_ms"]["p99"] for r in sides[s]) for s in sides}
        non2xx = sum(r["non_2xx"] for s in sides for r in sides[s])
        backups = sum(int(p.read_text() or 0) for p in out.glob(f"{engine}-backup-*.backups"))
        seconds = [float(x) for p in out.glob(f"{engine}-backup-*-backup-seconds.txt") for x in p.read_text().split()]
        each = f" ({statistics.median(seconds):.1f} s each)" if seconds else ""
        print(
            f"| {engine} | {rate['plain']:.1f} | {rate['backup']:.1f} | {rate['backup'] / rate['plain']:.2f} | "
            f"{p99['plain']:.1f} / {p99['backup']:.1f} | {non2xx} | {backups}{each} |"
        )


if __name__ == "__main__":
    main()
