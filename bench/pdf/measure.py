"""PDFs per second through the process pool (issue 4: at least 25 per second on 2 cores).

    .venv/bin/python -m bench.pdf.measure [--workers 2] [--seconds 20] [--in-flight 8]

Renders invoices (every third a company invoice, every fifth a credit note, some with öresutjämning) through
the app's `PdfRenderer` (coursesite/pdf.py) with the app's Jinja environment, as the web app does (the HTML rendered
in this process, the PDF in a worker), after the workers have started and warmed up. Bounded in time; prints one line
per measurement and a summary. Also measures one render in this process, for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal

from bench.common import cpu_seconds
from coursesite.billing.document import Buyer, CustomerType, DocumentKind, InvoiceDocument, Seller
from coursesite.billing.money import Line, compute_totals
from coursesite.billing.pdf import invoice_pdf
from coursesite.pdf import PdfRenderer, RenderSlots
from coursesite.web.templating import build_environment

SELLER = Seller(
    name="Balansekonomi Svenska AB",
    address_line="Drottninggatan 1",
    postal_code="111 51",
    city="Stockholm",
    org_number="556047-3521",
    vat_number="SE556047352101",
    bankgiro="5050-1055",
    email="faktura@balansekonomi.se",
)
COURSE = "Balansekonomi – utbildningen i tre akter"


def renderer(workers: int, in_flight: int = 1) -> PdfRenderer:
    # Slots for every render in flight: the bench measures the pool, not the app's 429 beyond its render slots.
    slots = RenderSlots(total=max(1, in_flight), per_holder=1)
    return PdfRenderer(build_environment(company_name=SELLER.name), workers=workers, slots=slots)


def documents(count: int = 60) -> list[InvoiceDocument]:
    docs = []
    for i in range(1, count + 1):
        company = i % 3 == 0
        credit = i % 5 == 0
        net = 1_000_000 if i % 2 else 79_960 + i
        lines = (Line(COURSE, 1, -net if credit else net, Decimal("0.25")),)
        buyer = Buyer(
            customer_type=CustomerType.COMPANY if company else CustomerType.PRIVATE,
            name=f"Företaget nr {i} AB" if company else f"Åsa Öberg {i}",
            contact_name=f"Åsa Öberg {i}",
            address_line=f"Storgatan {i}",
            postal_code="222 22",
            city="Lund",
            email=f"p{i}@example.se",
            org_number="556047-3521" if company else None,
            reference=f"Inköp {i}" if company else None,
        )
        issued = date(2026, 11, 26) + timedelta(days=i % 7)
        docs.append(
            InvoiceDocument(
                kind=DocumentKind.CREDIT_NOTE if credit else DocumentKind.INVOICE,
                number=f"2026-{i:05d}",
                ocr="" if credit else f"2026{i:05d}05",
                issue_date=issued,
                supply_date=issued,
                due_date=None if credit else issued + timedelta(days=30),
                seller=SELLER,
                buyer=buyer,
                lines=lines,
                totals=compute_totals(lines),
                credited_number=f"2026-{i - 1:05d}" if credit else None,
                reason="Dubbel anmälan" if credit else None,
            )
        )
    return docs


async def measure(workers: int, seconds: float, in_flight: int) -> dict:
    docs = documents()
    pool = renderer(workers, in_flight)
    started = time.perf_counter()
    await pool.start()
    warm_up = time.perf_counter() - started
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**9))
    total_bytes = 0

    async def client() -> None:
        nonlocal total_bytes
        while time.perf_counter() < deadline:
            doc = docs[next(counter) % len(docs)]
            t0 = time.perf_counter()
            pdf = await pool.render(invoice_pdf(doc))
            latencies.append(time.perf_counter() - t0)
            total_bytes += len(pdf)
            assert pdf.startswith(b"%PDF-")

    pids = list(getattr(pool._executor, "_processes", {}) or {})
    cpu_before = cpu_seconds(*pids)
    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(in_flight)))
    elapsed = time.perf_counter() - t0
    cpu_used = cpu_seconds(*pids) - cpu_before
    pool.close()
    latencies.sort()
    return {
        "workers": workers,
        "pdfs": len(latencies),
        "seconds": elapsed,
        "per_second": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "avg_kb": total_bytes / len(latencies) / 1024,
        "warm_up_s": warm_up,
        "worker_cpu_ms": cpu_used / len(latencies) * 1000 if pids else None,
    }


def in_process(count: int = 20) -> float:
    docs = documents()
    local = renderer(1)  # render_now only: its pool is never started
    local.render_now(invoice_pdf(docs[0]))  # templates, CSS and fonts loaded
    t0 = time.perf_counter()
    for i in range(count):
        local.render_now(invoice_pdf(docs[i % len(docs)]))
    return (time.perf_counter() - t0) / count * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to render (bounded: at most 120)")
    parser.add_argument("--in-flight", type=int, default=8, help="renders waiting at once, as concurrent requests")
    args = parser.parse_args()
    seconds = min(max(args.seconds, 1.0), 120.0)
    load = os.getloadavg()[0]
    print(
        f"cpus={os.cpu_count()} load={load:.1f} workers={args.workers} seconds={seconds:g} in_flight={args.in_flight}"
    )
    print(f"in this process: {in_process():.1f} ms per invoice PDF")
    result = asyncio.run(measure(args.workers, seconds, args.in_flight))
    print(
        f"process pool: {result['pdfs']} PDFs in {result['seconds']:.1f} s = {result['per_second']:.1f} PDFs/s "
        f"(p50 {result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms per request with {args.in_flight} in flight; "
        f"{result['avg_kb']:.1f} KB each; workers started in {result['warm_up_s']:.1f} s)"
    )
    if result["worker_cpu_ms"]:
        cores = min(args.workers, os.cpu_count() or 1)
        print(
            f"worker CPU: {result['worker_cpu_ms']:.1f} ms per PDF -> {cores * 1000 / result['worker_cpu_ms']:.1f} PDFs/s "
            f"on {cores} otherwise idle core(s)"
        )


if __name__ == "__main__":
    main()
