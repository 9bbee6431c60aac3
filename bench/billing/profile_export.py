"""Run one billing export in-process against the benchmark database, without the web layer: CPU and wall time, size,
and a SHA-256 of the output (to check that a speed-up leaves the file byte for byte the same). --cprofile prints the
25 functions with the most own time.

    .venv/bin/python -m bench.billing.profile_export sie --year 2025 [--cprofile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import hashlib
import pstats
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.billing.generate import DEFAULT_URL, FINANCE_EMAIL  # noqa: E402


def undo_fixes(service) -> None:
    """The SIE export as it was before e352b36, in memory only, to measure that commit's gain as a ratio in one run:
    every text through the per-character CP437 path, and every invoice's status computed (and thrown away)."""
    from coursesite.billing import sie

    def slow_text(text: str) -> str:
        mapped = "".join(sie._cp437_char(ch) for ch in sie.unicodedata.normalize("NFC", text))
        return sie.re.sub(" {2,}", " ", mapped).strip()

    sie._cp437_text = slow_text
    issued = service.ledger.documents_issued
    service.ledger.documents_issued = lambda *args, **kwargs: issued(*args, **{**kwargs, "with_status": True})


async def export(kind: str, url: str, year: int, before_fixes: bool = False) -> tuple[int, str]:
    from coursesite.accounts.roles import Role
    from coursesite.accounts.service import Principal
    from coursesite.billing.config import load_billing_config
    from coursesite.billing.exports import ExportService
    from coursesite.billing.ledger import LedgerService
    from coursesite.db.accounts import Account
    from coursesite.db.engine import build_engine
    from coursesite.db.tables import bind_tables
    from coursesite.privacy.audit import AuditLog
    from coursesite.settings import Settings

    settings = Settings(database_url=url, secret_key="bench-profile-" + "x" * 32, environment="development")
    engine = build_engine(settings.database)
    bind_tables(engine)
    audit = AuditLog()
    service = ExportService(LedgerService(audit), load_billing_config(), audit)
    if before_fixes:
        undo_fixes(service)
    await engine.start_connection_pool()
    digest, size = hashlib.sha256(), 0
    try:
        first, last = date(year, 1, 1), date(year, 12, 31)
        found = await Account.select(Account.id).where(Account.email == FINANCE_EMAIL)
        account_id = found[0]["id"] if found else None  # the benchmark's finance account, when generate made it
        reader = Principal(account_id=account_id, email=FINANCE_EMAIL, first_name="", last_name="", role=Role.FINANCE)  # type: ignore[arg-type]
        export = service.sie_export if kind == "sie" else service.invoice_csv
        chunks = await export(reader, first, last)  # writes one staff-audit row, as the app does
        async for chunk in chunks:
            size += len(chunk)
            digest.update(chunk)
    finally:
        await engine.close_connection_pool()
    return size, digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=["sie", "csv"])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--year", type=int, default=datetime.now(UTC).year - 1)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--before-fixes", action="store_true", help="SIE only: undo e352b36's two fixes in memory")
    args = parser.parse_args()
    cpu, wall = time.process_time(), time.monotonic()
    profile = cProfile.Profile() if args.cprofile else None
    if profile:
        profile.enable()
    size, digest = asyncio.run(export(args.kind, args.database_url, args.year, args.before_fixes))
    if profile:
        profile.disable()
    print(
        f"{args.kind}: {size} bytes, sha256 {digest[:16]}…, CPU {time.process_time() - cpu:.2f} s, "
        f"wall {time.monotonic() - wall:.2f} s{' (under cProfile)' if profile else ''}"
        f"{' (before e352b36)' if args.before_fixes else ''}"
    )
    if profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
