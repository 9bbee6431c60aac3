"""Pad a migrated benchmark database with synthetic page views (a path and a time, no personal data), so that one
backup takes long enough to overlap the answer load (bench/backup/run.sh).

    .venv/bin/python bench/backup/pad.py --database-url sqlite:////tmp/x.sqlite --rows 300000
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from coursesite.settings import DatabaseUrl  # noqa: E402 - after the sys.path line

PATH = "/kurs/akt-1/lektion-" + "x" * 80  # a realistic path length


def pad_sqlite(path: Path, rows: int) -> None:
    connection = sqlite3.connect(path)
    with connection:
        connection.executemany(
            "INSERT INTO page_view (path, viewed_at, ip_truncated) VALUES (?, datetime('now'), 0)",
            ((f"{PATH}{i}",) for i in range(rows)),
        )
    connection.close()


async def pad_postgres(dsn: str, rows: int) -> None:
    import asyncpg  # type: ignore[import-untyped]

    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(
            "INSERT INTO page_view (path, viewed_at, ip_truncated) "
            "SELECT $1 || i, now(), false FROM generate_series(1, $2) AS i",
            PATH,
            rows,
        )
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int, default=300_000)
    args = parser.parse_args()
    url = DatabaseUrl.parse(args.database_url)
    if url.engine == "sqlite":
        assert url.sqlite_path is not None
        pad_sqlite(url.sqlite_path, args.rows)
    else:
        asyncio.run(pad_postgres(url.dsn or "", args.rows))
    print(f"padded with {args.rows} page views")


if __name__ == "__main__":
    main()
