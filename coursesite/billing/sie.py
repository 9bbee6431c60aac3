"""SIE 4I export for Swedish accounting programs (domain.md §3; "SIE filformat, utgåva 4B"). Pure.

`write_sie(company, accounts, vouchers, generated=…)` is a generator of CP437 `bytes` chunks, so a web response can
stream 100 000 vouchers in flat memory. The chart of accounts comes first in a SIE file, so the caller passes the
accounts it will use (the configured BAS accounts, all of them listed) before the vouchers start to stream; a voucher
on any other account raises ValueError naming it.

The file:

    #FLAGGA 0
    #PROGRAM "Kurssajten" 1.0
    #FORMAT PC8
    #GEN 20260314
    #SIETYP 4
    #ORGNR 556047-3521
    #FNAMN "Balansekonomi Svenska AB"
    #KONTO 1510 "Kundfordringar"            (one per account, in account order)
    #VER "" "" 20260314 "Faktura 2026-00001 Köparen AB"
    {
    #TRANS 1510 {} 12500.00
    #TRANS 3001 {} -10000.00
    #TRANS 2611 {} -2500.00
    }

Decisions:

- Lines end with CRLF, as the reference file does. Series and number of a `#VER` are empty: in a 4I file the
  accounting program assigns them.
- Text fields (names, voucher texts) are always quoted, which the format allows, so a field with spaces or an empty one
  is never mis-split. Inside, `"` becomes `\\"`. A backslash becomes `/`: the spec defines no escape for it, and a
  reader that takes `\\x` as an escape would eat it.
- Control characters never reach the file: tabs, line breaks and Unicode line separators become a space, the rest
  (NUL, DEL, C1, format characters such as bidi overrides) are dropped; runs of spaces collapse to one.
- Characters CP437 lacks do not fail the export. After NFC, each is replaced by: a table of common typography
  (‘ ’ → ', “ ” „ → ", – — − → -, … → ..., € → EUR, no-break and other spaces → space), else its letters without
  accents (NFKD without combining marks: Š → S, ș → s), else `?`. Å Ä Ö É Ü are in CP437 and kept.
- Amounts are integer öre written with `.` and two decimals, `-` for negative, never `+`: 1250000 → `12500.00`.
- `Voucher` refuses an unbalanced voucher, so an unbalanced `#VER` cannot be written.
- Texts longer than 200 characters (voucher texts, names) are refused: no accounting program takes more.
- The booking rules live in `invoice_voucher` and `payment_voucher`. Only one VAT rate per invoice is booked: the
  configuration has one sales account and one VAT account; a document with several rates raises ValueError.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date

from coursesite.billing.document import DocumentKind, InvoiceDocument
from coursesite.billing.orgnr import normalise_org_number

__all__ = [
    "BasAccounts",
    "SieCompany",
    "Voucher",
    "write_sie",
    "invoice_voucher",
    "payment_voucher",
    "sie_amount",
    "sie_date",
    "sie_text",
    "PROGRAM_NAME",
    "ENCODING",
]

PROGRAM_NAME = "Kurssajten"
ENCODING = "cp437"
LINE_END = "\r\n"
MAX_TEXT = 200
MAX_TRANSACTIONS = 100
MAX_AMOUNT_ORE = 10**13  # 100 000 000 000 kr: far above any invoice, well inside every program's range
CHUNK_BYTES = 64 * 1024  # what write_sie gathers before it yields

_ACCOUNT = re.compile(r"[0-9]{4}")
_VERSION = re.compile(r"[0-9A-Za-z.\-]{1,20}")

# Common typography CP437 lacks, and what reads the same.
_REPLACEMENTS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u20ac": "EUR",
    "\u2022": "*",
    "\\": "/",
}


def _cp437_char(ch: str) -> str:
    if ch in _REPLACEMENTS:
        return _REPLACEMENTS[ch]
    category = unicodedata.category(ch)
    if ch in "\t\n\r\v\f" or category in ("Zs", "Zl", "Zp"):
        return " "  # the no-break space is in CP437 (0xFF) but readers take it for a letter
    if category in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return ""
    try:
        ch.encode(ENCODING)
        return ch
    except UnicodeEncodeError:
        pass
    bare = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    try:
        bare.encode(ENCODING)
    except UnicodeEncodeError:
        return "?"
    return bare if bare.isprintable() and bare.strip() else "?"


_REPLACED = frozenset(_REPLACEMENTS)


def _cp437_text(text: str) -> str:
    # Fast path for the common text that needs no mapping (a third of an export's time went to the per-character
    # path): printable excludes every category _cp437_char rewrites, so it would return each character unchanged.
    if text.isprintable() and unicodedata.is_normalized("NFC", text) and _REPLACED.isdisjoint(text):
        try:
            text.encode(ENCODING)
        except UnicodeEncodeError:
            pass
        else:
            return re.sub(" {2,}", " ", text).strip()
    mapped = "".join(_cp437_char(ch) for ch in unicodedata.normalize("NFC", text))
    return re.sub(" {2,}", " ", mapped).strip()


def sie_text(text: str) -> str:
    """A quoted SIE text field, every character of it in CP437: `Köparen "AB"` → `"Köparen \\"AB\\""`."""
    return '"' + _cp437_text(text).replace('"', '\\"') + '"'


def sie_amount(ore: int) -> str:
    """Integer öre as a SIE amount: 1250000 → "12500.00", -50 → "-0.50"."""
    if isinstance(ore, bool) or not isinstance(ore, int):
        raise TypeError(f"amounts are integer öre, got {type(ore).__name__}")
    whole, part = divmod(abs(ore), 100)
    return f"{'-' if ore < 0 else ''}{whole}.{part:02d}"


def sie_date(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _check_text(text: str, what: str) -> None:
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise ValueError(f"{what} is text of at most {MAX_TEXT} characters")


def _check_account(number: str) -> None:
    if not isinstance(number, str) or not _ACCOUNT.fullmatch(number):
        raise ValueError(f"a BAS account is four digits, got {number!r}")


@dataclass(frozen=True)
class BasAccounts:
    """The BAS accounts the export books on. Field names match `billing.config.BasAccountNumbers`."""

    receivables: str = "1510"
    sales: str = "3001"
    output_vat: str = "2611"
    bank: str = "1930"
    rounding: str = "3740"
    receivables_name: str = "Kundfordringar"
    sales_name: str = "Försäljning inom Sverige 25 % moms"
    output_vat_name: str = "Utgående moms på försäljning inom Sverige 25 %"
    bank_name: str = "Företagskonto"
    rounding_name: str = "Öres- och kronutjämning"

    def __post_init__(self) -> None:
        numbers = (self.receivables, self.sales, self.output_vat, self.bank, self.rounding)
        for number in numbers:
            _check_account(number)
        if len(set(numbers)) != len(numbers):
            raise ValueError("the five BAS accounts must be different accounts")
        for name in self.chart().values():
            _check_text(name, "an account name")
            if not name.strip():
                raise ValueError("an account name must not be empty")

    def chart(self) -> dict[str, str]:
        """Account number → name, for `write_sie`."""
        return {
            self.receivables: self.receivables_name,
            self.sales: self.sales_name,
            self.output_vat: self.output_vat_name,
            self.bank: self.bank_name,
            self.rounding: self.rounding_name,
        }


@dataclass(frozen=True)
class SieCompany:
    org_number: str  # any form `normalise_org_number` accepts; written NNNNNN-NNNN
    name: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "org_number", normalise_org_number(self.org_number))
        _check_text(self.name, "the company name")


@dataclass(frozen=True)
class Voucher:
    """One `#VER`: a date, a text and (account, amount in öre) pairs that sum to exactly 0."""

    date: date
    text: str
    transactions: tuple[tuple[str, int], ...]

    def __post_init__(self) -> None:
        _check_text(self.text, "a voucher text")
        if not 2 <= len(self.transactions) <= MAX_TRANSACTIONS:
            raise ValueError(f"a voucher has 2 to {MAX_TRANSACTIONS} transactions")
        for account, amount in self.transactions:
            _check_account(account)
            if isinstance(amount, bool) or not isinstance(amount, int) or abs(amount) > MAX_AMOUNT_ORE:
                raise ValueError(f"an amount is integer öre of at most {MAX_AMOUNT_ORE} in size, got {amount!r}")
        total = sum(amount for _, amount in self.transactions)
        if total != 0:
            raise ValueError(f"voucher {self.text!r} does not balance: its amounts sum to {total} öre")


def _lines(lines: Iterable[str]) -> str:
    return "".join(line + LINE_END for line in lines)


def write_sie(
    company: SieCompany,
    accounts: Mapping[str, str],
    vouchers: Iterable[Voucher],
    *,
    generated: date,
    program_version: str = "1.0",
) -> Iterator[bytes]:
    """The SIE 4I file as CP437 chunks of up to about 64 KiB: the head and chart first, then the vouchers.

    `accounts` maps account number → name; every one is written as `#KONTO`. A voucher on an account not in it raises
    ValueError (mid-stream: pass every account the vouchers may use). A streamed export writes `sie_head` once, then
    `sie_vouchers` per batch: the same bytes.
    """
    head = sie_head(company, accounts, generated=generated, program_version=program_version)
    buffer = [head]
    size = len(head)
    for chunk in _voucher_chunks(accounts, vouchers):
        buffer.append(chunk)
        size += len(chunk)
        if size >= CHUNK_BYTES:
            yield b"".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield b"".join(buffer)


def sie_head(
    company: SieCompany, accounts: Mapping[str, str], *, generated: date, program_version: str = "1.0"
) -> bytes:
    """The records before the first `#VER`: the flags, the company and the chart (`#KONTO`), CP437."""
    if not _VERSION.fullmatch(program_version):
        raise ValueError("the program version is 1 to 20 letters, digits, dots or dashes")
    if not accounts:
        raise ValueError("a SIE file needs at least one account")
    for number, name in accounts.items():
        _check_account(number)
        _check_text(name, "an account name")
    head = [
        "#FLAGGA 0",
        f"#PROGRAM {sie_text(PROGRAM_NAME)} {program_version}",
        "#FORMAT PC8",
        f"#GEN {sie_date(generated)}",
        "#SIETYP 4",
        f"#ORGNR {company.org_number}",
        f"#FNAMN {sie_text(company.name)}",
    ]
    head += [f"#KONTO {number} {sie_text(accounts[number])}" for number in sorted(accounts)]
    return _lines(head).encode(ENCODING)


def sie_vouchers(accounts: Mapping[str, str], vouchers: Iterable[Voucher]) -> bytes:
    """The `#VER` records of `vouchers` as CP437, to follow `sie_head` (checked against the chart as in `write_sie`)."""
    return b"".join(_voucher_chunks(accounts, vouchers))


def _voucher_chunks(accounts: Mapping[str, str], vouchers: Iterable[Voucher]) -> Iterator[bytes]:
    for voucher in vouchers:
        for account, _ in voucher.transactions:
            if account not in accounts:
                raise ValueError(f"voucher {voucher.text!r} books on account {account}, which is not in the chart")
        yield _lines(
            [
                f'#VER "" "" {sie_date(voucher.date)} {sie_text(voucher.text)}',
                "{",
                *(f"#TRANS {account} {{}} {sie_amount(amount)}" for account, amount in voucher.transactions),
                "}",
            ]
        ).encode(ENCODING)


@dataclass(frozen=True)
class BookedDocument:
    """What the SIE books of an invoice or credit note: its stored amounts, not the lines. `vat_rates` is how many VAT
    rates its lines carry (only one can be booked). The export reads these columns alone, without building the
    document (`invoice_voucher` books an `InvoiceDocument` by the same rule)."""

    kind: DocumentKind
    number: str
    issue_date: date
    buyer_name: str
    credited_number: str | None
    net_ore: int
    vat_ore: int
    rounding_ore: int
    total_ore: int
    vat_rates: int

    @classmethod
    def of(cls, doc: InvoiceDocument) -> BookedDocument:
        """What the SIE books of a whole document: its totals as computed when it was issued."""
        totals = doc.totals
        return cls(
            kind=doc.kind,
            number=doc.number,
            issue_date=doc.issue_date,
            buyer_name=doc.buyer.name,
            credited_number=doc.credited_number,
            net_ore=totals.net_ore,
            vat_ore=totals.vat_ore,
            rounding_ore=totals.rounding_ore,
            total_ore=totals.total_ore,
            vat_rates=len(totals.vat),
        )


def invoice_voucher(doc: InvoiceDocument, accounts: BasAccounts) -> Voucher:
    """An invoice or a credit note booked on its issue date.

    Invoice: receivables +total / sales −net / output VAT −VAT / rounding −öresutjämning (left out when 0). A credit
    note carries negative totals (billing/money.py), so the same rule books the mirror of its invoice.
    """
    return document_voucher(BookedDocument.of(doc), accounts)


def document_voucher(doc: BookedDocument, accounts: BasAccounts) -> Voucher:
    """The voucher of `invoice_voucher`, from the stored amounts alone."""
    if doc.vat_rates > 1:
        raise ValueError(f"{doc.number}: only one VAT rate can be booked (one sales and one VAT account configured)")
    if doc.kind is DocumentKind.INVOICE:
        if doc.total_ore < 0:
            raise ValueError(f"invoice {doc.number} has a negative total")
        text = f"Faktura {doc.number} {doc.buyer_name}"
    else:
        if doc.total_ore > 0:
            raise ValueError(f"credit note {doc.number} has a positive total")
        if not doc.credited_number:
            raise ValueError(f"credit note {doc.number} does not name the invoice it credits")
        text = f"Kreditfaktura {doc.number} avser faktura {doc.credited_number}"
    transactions = [(accounts.receivables, doc.total_ore), (accounts.sales, -doc.net_ore)]
    if doc.vat_ore:
        transactions.append((accounts.output_vat, -doc.vat_ore))
    if doc.rounding_ore:
        transactions.append((accounts.rounding, -doc.rounding_ore))
    return Voucher(date=doc.issue_date, text=text[:MAX_TEXT], transactions=tuple(transactions))


def payment_voucher(
    day: date, amount_ore: int, invoice_number: str, accounts: BasAccounts, *, ocr: str | None = None
) -> Voucher:
    """A payment into the bank account against the receivable: bank +amount / receivables −amount.

    A negative amount (money paid back) books the reverse.
    """
    if amount_ore == 0:
        raise ValueError("a payment of 0 öre is not booked")
    text = f"Betalning faktura {invoice_number}" + (f" OCR {ocr}" if ocr else "")
    return Voucher(
        date=day,
        text=text[:MAX_TEXT],
        transactions=((accounts.bank, amount_ore), (accounts.receivables, -amount_ore)),
    )
