"""Payments: registered by hand, placed by hand, and read from Bankgirot's BgMax files.

`PaymentService` writes `payment` rows only; what a payment does to an invoice's status is read by the ledger
(billing/ledger.py), which also lists the payments.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from piccolo.engine.base import Engine

from coursesite.accounts.service import Principal
from coursesite.billing.bgmax import BgMaxError, match_payments, normalise_reference, parse_bgmax
from coursesite.billing.document import DocumentKind
from coursesite.billing.ledger import LedgerService, PaymentView
from coursesite.core import clock
from coursesite.core.clock import today
from coursesite.core.errors import Conflict, Invalid, NotFound
from coursesite.core.text import MSG_CONTROL, TextRefused, TextRule, clean_text, has_forbidden_characters
from coursesite.db.billing import BgMaxImport, Invoice, Payment
from coursesite.db.engine import write_transaction

# The uploaded file's name, as the browser sent it: free text like any other, through the one rule (core/text.py).
# A refused name is not stored at all (the file is still read): it is a label, and the file's hash identifies it.
FILENAME_RULE = TextRule(max_chars=200, subject="Filnamnet")
UNNAMED_FILE = "(namnet sparades inte)"
MAX_AMOUNT_ORE = 100_000_000_00  # a million kronor: far above any real payment, below integer trouble


@dataclass(frozen=True)
class BgMaxResult:
    import_id: int
    payments: int
    total_ore: int
    matched: list[PaymentView]
    unmatched: list[PaymentView]


class PaymentService:
    def __init__(self, engine: Engine, ledger: LedgerService) -> None:
        self.engine = engine
        self.ledger = ledger

    async def register_payment(
        self,
        actor: Principal,
        *,
        amount_ore: int,
        payment_date: date,
        ocr: str | None = None,
        invoice_number: str | None = None,
    ) -> PaymentView:
        """A payment finance registers by hand, placed on the invoice its OCR or number names."""
        errors: dict[str, str] = {}
        if not 0 < amount_ore <= MAX_AMOUNT_ORE:
            errors["amount_ore"] = "Beloppet måste vara större än 0."
        if payment_date > today():
            errors["date"] = "Betalningsdagen kan inte ligga i framtiden."
        if bool(ocr) == bool(invoice_number):
            errors["ocr"] = "Ange antingen OCR-nummer eller fakturanummer."
        for field, reference in (("ocr", ocr), ("invoice_number", invoice_number)):
            if reference and has_forbidden_characters(reference):  # never a reference; PostgreSQL refuses a NUL
                errors[field] = MSG_CONTROL
        if errors:
            raise Invalid("Kontrollera betalningen.", field_errors=errors)
        if ocr is not None:
            digits = "".join(ocr.split())
            rows = await Invoice.select(Invoice.id, Invoice.number).where(Invoice.ocr == digits)
            if not rows:
                raise NotFound(f"Ingen faktura har OCR-numret {digits[:25]}.")
        else:
            rows = await Invoice.select(Invoice.id, Invoice.number).where(
                (Invoice.number == (invoice_number or "").strip()) & (Invoice.kind == DocumentKind.INVOICE.value)
            )
            if not rows:
                raise NotFound("Fakturan finns inte.")
        inserted = await Payment.insert(
            Payment(
                invoice=rows[0]["id"],
                amount_ore=amount_ore,
                payment_date=payment_date,
                reference=("".join(ocr.split())[:25] if ocr else None),
                source="manual",
                registered_by=actor.account_id,
                created_at=clock.now(),
            )
        ).returning(Payment.id)
        return PaymentView(
            id=inserted[0]["id"],
            amount_ore=amount_ore,
            payment_date=payment_date,
            reference=ocr,
            payer_name=None,
            source="manual",
            invoice_number=rows[0]["number"],
            note=None,
        )

    async def place_payment(self, actor: Principal, payment_id: int, invoice_number: str) -> PaymentView:
        """Put an unmatched payment on an invoice by hand. Returns the payment as placed, read by its id (however
        old it is)."""
        async with write_transaction(self.engine):
            rows = await Payment.select(Payment.id, Payment.invoice).where(Payment.id == payment_id)
            if not rows:
                raise NotFound("Betalningen finns inte.")
            if rows[0]["invoice"] is not None:
                raise Conflict("Betalningen är redan kopplad till en faktura.")
            invoice = await Invoice.select(Invoice.id).where(
                (Invoice.number == invoice_number.strip()) & (Invoice.kind == DocumentKind.INVOICE.value)
            )
            if not invoice:
                raise NotFound("Fakturan finns inte.", field_errors={"invoice_number": "Ingen faktura med det numret."})
            await Payment.update(
                {Payment.invoice: invoice[0]["id"], Payment.note: f"Kopplad för hand av konto {actor.account_id}."}
            ).where(Payment.id == payment_id)
        return await self.ledger.payment(payment_id)

    async def import_bgmax(self, actor: Principal, data: bytes, filename: str) -> BgMaxResult:
        """Read a BgMax file from the bank, put each payment whose reference is one of our OCR numbers on that invoice,
        and keep the rest, with the reason, for finance to place by hand. The same file is never imported twice.

        The bank's free text (payer name, reference) is bounded by the fixed-width format and checked line by line by
        the parser (billing/bgmax.py refuses control characters), and cut to the columns' lengths here."""
        try:
            parsed = parse_bgmax(data)
        except BgMaxError as exc:
            raise Invalid(str(exc), field_errors={"file": "\n".join(str(p) for p in exc.problems[:50])}) from None
        digest = hashlib.sha256(data).hexdigest()
        references = sorted({normalise_reference(p.reference) for p in parsed.payments if p.reference.strip()})
        known: dict[str, tuple[int, str]] = {}
        for start in range(0, len(references), 500):
            rows = await Invoice.select(Invoice.id, Invoice.number, Invoice.ocr).where(
                Invoice.ocr.is_in(references[start : start + 500])
            )
            known |= {row["ocr"]: (row["id"], row["number"]) for row in rows}
        matched, unmatched = match_payments(parsed.payments, known)
        placed = {id(m.payment): m.invoice for m in matched}
        reasons = {id(u.payment): u.reason for u in unmatched}
        now = clock.now()
        async with write_transaction(self.engine):
            if await BgMaxImport.exists().where(BgMaxImport.file_hash == digest):
                raise Conflict("Den här BgMax-filen är redan inläst.")
            run = await BgMaxImport.insert(
                BgMaxImport(
                    file_hash=digest,
                    filename=_stored_filename(filename),
                    imported_by=actor.account_id,
                    payments=len(parsed.payments),
                    matched=len(matched),
                    total_ore=sum(p.amount_ore for p in parsed.payments),
                    created_at=now,
                )
            ).returning(BgMaxImport.id)
            import_id = run[0]["id"]
            views_matched: list[PaymentView] = []
            views_unmatched: list[PaymentView] = []
            for deposit in parsed.deposits:
                for payment in deposit.payments:
                    invoice = placed.get(id(payment))
                    inserted = await Payment.insert(
                        Payment(
                            invoice=invoice[0] if invoice else None,
                            amount_ore=payment.amount_ore,
                            payment_date=deposit.date,
                            reference=normalise_reference(payment.reference)[:25] or None,
                            # Not stored: matching goes by OCR, and the books need no name from the bank (art. 14
                            # would otherwise apply). The result page shows it once, for placing unmatched payments.
                            payer_name=None,
                            source="bgmax",
                            bgmax_import=import_id,
                            note=reasons.get(id(payment)),
                            created_at=now,
                        )
                    ).returning(Payment.id)
                    view = PaymentView(
                        id=inserted[0]["id"],
                        amount_ore=payment.amount_ore,
                        payment_date=deposit.date,
                        reference=payment.reference.strip() or None,
                        payer_name=payment.payer_name or None,
                        source="bgmax",
                        invoice_number=invoice[1] if invoice else None,
                        note=reasons.get(id(payment)),
                    )
                    (views_matched if invoice else views_unmatched).append(view)
        return BgMaxResult(
            import_id=import_id,
            payments=len(parsed.payments),
            total_ore=sum(p.amount_ore for p in parsed.payments),
            matched=views_matched,
            unmatched=views_unmatched,
        )


def _stored_filename(filename: str) -> str:
    try:
        return clean_text(filename, FILENAME_RULE) or UNNAMED_FILE
    except TextRefused:
        return UNNAMED_FILE
