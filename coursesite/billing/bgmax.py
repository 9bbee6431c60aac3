"""Bankgirot's BgMax file of incoming payments (Bankgiro Inbetalningar): parse, write, and match to invoices. Pure.

The layout is Bankgirot's "Bankgiro Inbetalningar – Technical Manual" (BgMax, layout version 01). Fixed-width records
of 80 characters in ISO 8859-1, one per line (CRLF or LF). Positions below are the manual's: 1-based, inclusive.

    01 start        3-22 layout name "BGMAX", 23-24 version "01", 25-44 timestamp YYYYMMDDHHMMSS + 6 digits of
                    microseconds, 45 test marker T/P
    05 opening      3-12 payee bankgiro, 13-22 payee plusgiro (blank), 23-25 currency
    20 payment      3-12 payer bankgiro, 13-37 reference, 38-55 amount (öre), 56 reference code, 57 payment channel,
    21 deduction    58-69 BGC serial number, 70 image marker; a deduction adds 71 deduction code
    22/23 extra ref the payment's layout; 23 is a negative reference (a credit deducted from the payment)
    25 information  3-52 text            26 name     3-37 name, 38-72 extra name
    27 address 1    3-37 street, 38-46 postal code
    28 address 2    3-37 city, 38-72 country, 73-74 country code
    29 org number   3-14
    15 deposit      3-37 payee bank account, 38-45 payment date, 46-50 deposit serial, 51-68 amount (öre),
                    69-71 currency, 72-79 number of payments, 80 deposit type
    70 end          3-10 payment records, 11-18 deduction records, 19-26 extra reference records, 27-34 deposits

A deposit's amount is its payments (20) less its deductions (21), and its count is both kinds of records. The
reference is right-aligned when it is a checked OCR number (code 2) and left-aligned otherwise, blank-filled either
way: it is read with the blanks stripped, never its zeros (a leading zero is part of an OCR number and counted by
its length digit).

Short lines are padded with blanks (trailing blanks are often dropped in transfer); a line may be longer than 80
characters only by blanks. Two-digit record codes this module does not know are skipped and listed in
`BgMaxFile.ignored_lines` (the manual reserves codes for later use). Every other problem is collected, with its line
number and a Swedish message for finance, into one `BgMaxError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, TypeVar

from coursesite.core.formatting import format_money_ore

__all__ = [
    "MAX_FILE_BYTES",
    "RECORD_LENGTH",
    "BgMaxError",
    "BgMaxFile",
    "BgMaxProblem",
    "Deposit",
    "ExtraReference",
    "Match",
    "Payer",
    "Payment",
    "ReferenceCode",
    "Unmatched",
    "match_payments",
    "normalise_reference",
    "parse_bgmax",
    "write_bgmax",
]

RECORD_LENGTH = 80
MAX_FILE_BYTES = 10 * 1024 * 1024  # about 130 000 records: far beyond a day's payments to one bankgiro
_AMOUNT_DIGITS = 18
_LAYOUT = "BGMAX"
_VERSION = "01"


class ReferenceCode:
    """The reference code of a payment record (position 56)."""

    NONE = 0  # no reference
    BLANK = 1  # no reference (the payer gave none)
    OCR = 2  # a correct OCR number (Bankgirot checked it)
    SEVERAL = 3  # one or more references, in free form (extra references follow in 22/23)
    ONE = 4  # one reference, not checked
    INCORRECT = 5  # the reference failed Bankgirot's OCR check


CHANNELS = {1: "elektronisk betalning via bank", 2: "Leverantörsbetalningar (LB)", 3: "blankett", 4: "Autogiro"}


# ---------------------------------------------------------------------------------------------------------------
# The model. Line numbers are kept for messages but left out of equality, so a written and re-read file compares equal.


@dataclass(frozen=True)
class ExtraReference:
    """An extra reference (22) or a negative one (23) that details a payment paying or deducting several invoices."""

    reference: str
    reference_code: int
    amount_ore: int  # negative for a 23 record
    line: int = field(default=0, compare=False)

    @property
    def negative(self) -> bool:
        return self.amount_ore < 0


@dataclass(frozen=True)
class Payer:
    name: str = ""
    extra_name: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    country_code: str = ""
    org_number: str = ""  # 10 digits, only when it is an organisation's number (see _org_number)


@dataclass(frozen=True)
class Payment:
    amount_ore: int  # negative for a deduction (21)
    reference: str  # as given, blanks stripped
    reference_code: int
    bgc_serial: int  # Bankgirot's serial number of the payment
    payer_bankgiro: str = ""  # "NNN-NNNN" / "NNNN-NNNN"; "" when unknown
    channel: int = 1
    has_image: bool = False
    deduction: bool = False
    deduction_code: str = ""  # 21 only, as given
    extra_references: tuple[ExtraReference, ...] = ()
    information: tuple[str, ...] = ()
    payer: Payer = Payer()
    line: int = field(default=0, compare=False)

    @property
    def payer_name(self) -> str:
        return self.payer.name


@dataclass(frozen=True)
class Deposit:
    payee_bankgiro: str
    date: date  # the payment date of the deposit (15, "betalningsdag")
    serial: int  # the deposit serial number
    payments: tuple[Payment, ...]
    payee_account: str = ""  # the bank account the deposit went to, leading zeros stripped
    deposit_type: str = ""  # position 80 of the deposit record, as given
    currency: str = "SEK"
    line: int = field(default=0, compare=False)

    @property
    def total_ore(self) -> int:
        return sum(p.amount_ore for p in self.payments)

    @property
    def count(self) -> int:
        return len(self.payments)


@dataclass(frozen=True)
class BgMaxFile:
    created_at: datetime
    deposits: tuple[Deposit, ...]
    test: bool = False
    ignored_lines: tuple[int, ...] = field(default=(), compare=False)

    @property
    def payments(self) -> tuple[Payment, ...]:
        return tuple(p for d in self.deposits for p in d.payments)


@dataclass(frozen=True)
class BgMaxProblem:
    line: int  # 0 for the file as a whole
    message: str  # Swedish, for finance

    def __str__(self) -> str:
        return f"Rad {self.line}: {self.message}" if self.line else self.message


class BgMaxError(ValueError):
    """A file that cannot be read as it stands; `problems` lists every problem found, in line order."""

    def __init__(self, problems: Iterable[BgMaxProblem]) -> None:
        self.problems = tuple(sorted(problems, key=lambda p: p.line))
        super().__init__("BgMax-filen kan inte läsas in:\n" + "\n".join(str(p) for p in self.problems))


# ---------------------------------------------------------------------------------------------------------------
# Parsing

_RECORD_NAMES = {
    "01": "startposten (01)",
    "05": "öppningsposten (05)",
    "20": "betalningsposten (20)",
    "21": "avdragsposten (21)",
    "22": "extra referensposten (22)",
    "23": "extra referensposten (23)",
    "25": "informationsposten (25)",
    "26": "namnposten (26)",
    "27": "adressposten (27)",
    "28": "adressposten (28)",
    "29": "organisationsnummerposten (29)",
    "15": "insättningsposten (15)",
    "70": "slutposten (70)",
}
# Within a payment the records come in this order; 26–29 at most once each.
_DETAIL_RANK = {"22": 1, "23": 1, "25": 2, "26": 3, "27": 4, "28": 5, "29": 6}


class _Line:
    def __init__(self, number: int, text: str, problems: list[BgMaxProblem]) -> None:
        self.number, self.text, self._problems = number, text, problems
        self.code = text[:2]

    def problem(self, message: str) -> None:
        self._problems.append(BgMaxProblem(self.number, message))

    def text_at(self, start: int, end: int) -> str:
        return self.text[start - 1 : end].strip(" ")

    def digits(self, start: int, end: int, what: str, *, blank_ok: bool = False) -> str | None:
        raw = self.text[start - 1 : end]
        if blank_ok and not raw.strip(" "):
            return ""
        if not (raw.isascii() and raw.isdigit()):
            self.problem(f"{what} ska bestå av siffror (position {start}–{end}), men är '{raw.strip()}'.")
            return None
        return raw

    def integer(self, start: int, end: int, what: str) -> int | None:
        raw = self.digits(start, end, what)
        return None if raw is None else int(raw)

    def date(self, start: int, end: int, what: str) -> date | None:
        raw = self.digits(start, end, what)
        if raw is None:
            return None
        try:
            return datetime.strptime(raw, "%Y%m%d").date()
        except ValueError:
            self.problem(f"{what} '{raw}' är inget giltigt datum.")
            return None


def _bankgiro(digits: str | None) -> str:
    """Zero-filled digits to the printed form: '0003783511' -> '378-3511'; all zeros -> ''."""
    if not digits:
        return ""
    number = digits.lstrip("0")
    return f"{number[:-4]}-{number[-4:]}" if len(number) in (7, 8) else number


def _org_number(digits: str | None) -> str:
    """Keep the payer's number only when it is an organisation's: the privacy policy never stores a personnummer, and
    Bankgirot puts a private payer's personnummer in the same record. Org numbers have 20 or more in the "month"
    position (domain.md §4); anything else is dropped."""
    if not digits:
        return ""
    ten = digits[-10:]
    return ten if int(ten[2:4]) >= 20 else ""


@dataclass
class _PaymentDraft:
    line: _Line
    fields: dict[str, object]
    extra: list[ExtraReference] = field(default_factory=list)
    information: list[str] = field(default_factory=list)
    payer: dict[str, str] = field(default_factory=dict)
    rank: int = 0
    seen: set[str] = field(default_factory=set)

    def build(self) -> Payment | None:
        if any(v is None for v in self.fields.values()):
            return None
        return Payment(
            **self.fields,  # type: ignore[arg-type]
            extra_references=tuple(self.extra),
            information=tuple(self.information),
            payer=Payer(**self.payer),
            line=self.line.number,
        )


@dataclass
class _DepositDraft:
    line: _Line
    payee_bankgiro: str | None
    currency: str
    payments: list[Payment] = field(default_factory=list)
    records: int = 0  # 20 and 21 records, counted even when one of them is broken
    broken: bool = False


def _decode_lines(data: bytes, problems: list[BgMaxProblem]) -> list[_Line]:
    text = data.decode("latin-1")  # the manual's character set; every byte is a character, so this never fails
    raw_lines = text.split("\n")
    while raw_lines and not raw_lines[-1].strip("\r "):
        raw_lines.pop()  # trailing empty lines (and the final newline)
    lines: list[_Line] = []
    for number, raw in enumerate(raw_lines, start=1):
        raw = raw.removesuffix("\r")
        line = _Line(number, raw, problems)
        if not raw.strip(" "):
            line.problem("tom rad mitt i filen.")
            continue
        if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in raw):
            line.problem("raden innehåller ett otillåtet tecken (tabb eller annat styrtecken).")
            continue
        if len(raw) > RECORD_LENGTH and raw[RECORD_LENGTH:].strip(" "):
            line.problem(f"raden är {len(raw)} tecken lång; en post är högst {RECORD_LENGTH} tecken.")
            continue
        line.text = raw[:RECORD_LENGTH].ljust(RECORD_LENGTH)
        lines.append(line)
    return lines


def parse_bgmax(data: bytes, *, allow_test: bool = False, max_bytes: int = MAX_FILE_BYTES) -> BgMaxFile:
    """Read a BgMax file. Raises BgMaxError listing every problem; a test file (T) is refused unless `allow_test`."""
    if len(data) > max_bytes:
        raise BgMaxError([BgMaxProblem(0, f"Filen är för stor ({len(data)} byte; högst {max_bytes} byte).")])
    if not data.strip():
        raise BgMaxError([BgMaxProblem(0, "Filen är tom.")])
    return _Parser(allow_test).run(data)


class _Parser:
    def __init__(self, allow_test: bool) -> None:
        self.allow_test = allow_test
        self.problems: list[BgMaxProblem] = []
        self.created_at: datetime | None = None
        self.test = False
        self.deposits: list[Deposit] = []
        self.deposit: _DepositDraft | None = None
        self.payment: _PaymentDraft | None = None
        self.ended: _Line | None = None
        self.ignored: list[int] = []
        self.counts = {"20": 0, "21": 0, "22": 0, "15": 0}

    def run(self, data: bytes) -> BgMaxFile:
        lines = _decode_lines(data, self.problems)
        if lines and lines[0].code != "01":
            lines[0].problem("filen börjar inte med en startpost (01); är det verkligen en BgMax-fil?")
        for index, line in enumerate(lines):
            if self.ended is not None:
                line.problem(f"poster efter slutposten (rad {self.ended.number}).")
                break
            self.record(line, first=index == 0)
        if self.ended is None:
            self.problems.append(BgMaxProblem(0, "Filen saknar slutpost (70); den kan vara avklippt."))
            self.close_deposit(None)
        if self.problems:
            raise BgMaxError(self.problems)
        assert self.created_at is not None
        return BgMaxFile(self.created_at, tuple(self.deposits), self.test, tuple(self.ignored))

    def record(self, line: _Line, *, first: bool) -> None:
        code = line.code
        if code == "01":
            if first:
                self.start(line)
            else:
                line.problem("startposten (01) får bara stå först i filen.")
        elif code == "05":
            self.open_deposit(line)
        elif code in ("20", "21"):
            self.start_payment(line)
        elif code in _DETAIL_RANK:
            self.detail(line)
        elif code == "15":
            self.close_deposit(line)
        elif code == "70":
            self.end(line)
        elif code.isascii() and code.isdigit():
            self.ignored.append(line.number)  # a record code reserved for later use
        else:
            line.problem(f"okänd transaktionskod '{code}'.")

    # -- 01 and 70
    def start(self, line: _Line) -> None:
        if line.text_at(3, 22) != _LAYOUT:
            line.problem(f"layoutnamnet är '{line.text_at(3, 22)}', men ska vara {_LAYOUT}.")
        if line.text[22:24] != _VERSION:
            line.problem(f"layoutversionen är '{line.text[22:24].strip()}'; bara version {_VERSION} kan läsas.")
        stamp = line.digits(25, 44, "tidsstämpeln")
        if stamp is not None:
            try:
                self.created_at = datetime.strptime(stamp[:14], "%Y%m%d%H%M%S").replace(microsecond=int(stamp[14:]))
            except ValueError:
                line.problem(f"tidsstämpeln '{stamp}' är ingen giltig tidpunkt.")
        marker = line.text[44]
        if marker not in ("T", "P"):
            line.problem(f"testmarkeringen är '{marker.strip()}', men ska vara T (test) eller P (produktion).")
        self.test = marker == "T"
        if self.test and not self.allow_test:
            line.problem("filen är en testfil (T) från Bankgirot och läses inte in som riktiga betalningar.")

    def end(self, line: _Line) -> None:
        if self.deposit is not None:
            self.close_deposit(None)
        self.ended = line
        fields = [
            (3, 10, "antalet betalningsposter", "20", "betalningsposter (20)"),
            (11, 18, "antalet avdragsposter", "21", "avdragsposter (21)"),
            (19, 26, "antalet extra referensposter", "22", "extra referensposter (22, 23)"),
            (27, 34, "antalet insättningsposter", "15", "insättningsposter (15)"),
        ]
        for start, end, what, key, noun in fields:
            stated = line.integer(start, end, what)
            if stated is not None and stated != self.counts[key]:
                line.problem(f"slutposten anger {stated} {noun}, men filen innehåller {self.counts[key]}.")

    # -- 05 and 15
    def open_deposit(self, line: _Line) -> None:
        if self.deposit is not None:
            self.close_deposit(None)
        bankgiro = line.digits(3, 12, "betalningsmottagarens bankgironummer")
        currency = line.text[22:25]
        if currency != "SEK":
            line.problem(f"valutan är '{currency.strip()}'; bara SEK tas emot.")
        self.deposit = _DepositDraft(line, None if bankgiro is None else _bankgiro(bankgiro), currency)

    def close_deposit(self, line: _Line | None) -> None:
        self.finish_payment()
        deposit = self.deposit
        if line is None:
            if deposit is not None:
                deposit.line.problem("insättningen avslutas aldrig med en insättningspost (15).")
            self.deposit = None
            return
        self.counts["15"] += 1
        if deposit is None:
            line.problem("insättningsposten (15) står utanför en insättning (ingen öppningspost 05 före).")
            return
        self.deposit = None
        account = line.digits(3, 37, "betalningsmottagarens bankkontonummer")
        paid_on = line.date(38, 45, "betalningsdagen")
        serial = line.integer(46, 50, "insättningens löpnummer")
        amount = line.integer(51, 68, "insättningens belopp")
        currency = line.text[68:71]
        count = line.integer(72, 79, "antalet betalningar")
        if currency != deposit.currency:
            line.problem(f"valutan '{currency.strip()}' är inte öppningspostens ({deposit.currency.strip()}).")
        if count is not None and count != deposit.records:
            line.problem(
                f"insättningen anger {count} betalningar och avdrag, men innehåller {deposit.records} "
                f"(från rad {deposit.line.number})."
            )
        total = sum(p.amount_ore for p in deposit.payments)
        if amount is not None and not deposit.broken and amount != total:
            line.problem(
                f"insättningens belopp {format_money_ore(amount)} stämmer inte med betalningarna minus avdragen, "
                f"{format_money_ore(total)} (från rad {deposit.line.number})."
            )
        if None in (account, paid_on, serial, amount, count, deposit.payee_bankgiro):
            return
        assert account is not None and paid_on is not None and serial is not None and deposit.payee_bankgiro is not None
        self.deposits.append(
            Deposit(
                payee_bankgiro=deposit.payee_bankgiro,
                date=paid_on,
                serial=serial,
                payments=tuple(deposit.payments),
                payee_account=account.lstrip("0"),
                deposit_type=line.text[79].strip(),
                currency=deposit.currency,
                line=deposit.line.number,
            )
        )

    # -- 20 and 21, and the records that belong to them
    def start_payment(self, line: _Line) -> None:
        self.finish_payment()
        deduction = line.code == "21"
        self.counts[line.code] += 1
        if self.deposit is None:
            line.problem(f"{_RECORD_NAMES[line.code]} står utanför en insättning (ingen öppningspost 05 före).")
            return
        self.deposit.records += 1
        amount = line.integer(38, 55, "beloppet")
        payer_bankgiro = line.digits(3, 12, "betalarens bankgironummer")
        fields: dict[str, object] = {
            "amount_ore": None if amount is None else (-amount if deduction else amount),
            "reference": line.text_at(13, 37),
            "reference_code": line.integer(56, 56, "referenskoden"),
            "bgc_serial": line.integer(58, 69, "BGC-löpnumret"),
            "payer_bankgiro": None if payer_bankgiro is None else _bankgiro(payer_bankgiro),
            "channel": line.integer(57, 57, "betalningskanalkoden"),
            "has_image": self.image_marker(line),
            "deduction": deduction,
            "deduction_code": (line.digits(71, 71, "avdragskoden") if deduction else ""),
        }
        self.payment = _PaymentDraft(line, fields)

    @staticmethod
    def image_marker(line: _Line) -> bool | None:
        marker = line.text[69]
        if marker not in ("0", "1"):
            line.problem(f"avibildmarkeringen är '{marker.strip()}', men ska vara 0 eller 1.")
            return None
        return marker == "1"

    def finish_payment(self) -> None:
        draft, self.payment = self.payment, None
        if draft is None or self.deposit is None:
            return
        payment = draft.build()
        if payment is None:
            self.deposit.broken = True
        else:
            self.deposit.payments.append(payment)

    def detail(self, line: _Line) -> None:
        code = line.code
        if code in ("22", "23"):
            self.counts["22"] += 1
        draft = self.payment
        if draft is None:
            line.problem(f"{_RECORD_NAMES[code]} hör inte till någon betalningspost (20) eller avdragspost (21).")
            return
        rank = _DETAIL_RANK[code]
        if rank < draft.rank:
            line.problem(f"{_RECORD_NAMES[code]} står i fel ordning efter betalningen på rad {draft.line.number}.")
        elif rank >= 3 and code in draft.seen:
            line.problem(f"{_RECORD_NAMES[code]} finns redan för betalningen på rad {draft.line.number}.")
        draft.rank = max(draft.rank, rank)
        draft.seen.add(code)
        if code in ("22", "23"):
            amount = line.integer(38, 55, "beloppet")
            ref_code = line.integer(56, 56, "referenskoden")
            if amount is None or ref_code is None:
                draft.fields["amount_ore"] = None  # marks the payment broken
                return
            draft.extra.append(
                ExtraReference(line.text_at(13, 37), ref_code, -amount if code == "23" else amount, line.number)
            )
        elif code == "25":
            draft.information.append(line.text_at(3, 52))
        elif code == "26":
            draft.payer.update(name=line.text_at(3, 37), extra_name=line.text_at(38, 72))
        elif code == "27":
            draft.payer.update(street=line.text_at(3, 37), postal_code=line.text_at(38, 46))
        elif code == "28":
            draft.payer.update(
                city=line.text_at(3, 37), country=line.text_at(38, 72), country_code=line.text_at(73, 74)
            )
        else:  # 29
            draft.payer["org_number"] = _org_number(line.digits(3, 14, "organisationsnumret", blank_ok=True))


# ---------------------------------------------------------------------------------------------------------------
# Writing: the same layout, for tests and examples. Raises ValueError for what does not fit the layout.


def _num(value: int | str, width: int, what: str) -> str:
    text = str(value).replace("-", "") if isinstance(value, str) else str(value)
    if not (text.isascii() and text.isdigit()) or len(text) > width:
        raise ValueError(f"{what}: {value!r} is not at most {width} digits")
    return text.zfill(width)


def _alpha(value: str, width: int, what: str, *, right: bool = False) -> str:
    if len(value) > width or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in value):
        raise ValueError(f"{what}: {value!r} does not fit {width} characters of text")
    return value.rjust(width) if right else value.ljust(width)


def _record(*parts: str) -> str:
    text = "".join(parts)
    assert len(text) <= RECORD_LENGTH, text
    return text.ljust(RECORD_LENGTH)


def _payment_records(p: Payment) -> list[str]:
    if p.deduction != (p.amount_ore < 0) and p.amount_ore != 0:
        raise ValueError("a deduction has a negative amount and a payment a positive one")

    def transaction(code: str, reference: str, ref_code: int, amount: int) -> str:
        return _record(
            code,
            _num(p.payer_bankgiro or 0, 10, "payer bankgiro"),
            _alpha(reference, 25, "reference", right=ref_code == ReferenceCode.OCR),
            _num(abs(amount), _AMOUNT_DIGITS, "amount"),
            _num(ref_code, 1, "reference code"),
            _num(p.channel, 1, "channel"),
            _num(p.bgc_serial, 12, "BGC serial number"),
            "1" if p.has_image else "0",
            _num(p.deduction_code, 1, "deduction code") if p.deduction else "",
        )

    records = [transaction("21" if p.deduction else "20", p.reference, p.reference_code, p.amount_ore)]
    for extra in p.extra_references:
        records.append(
            transaction("23" if extra.negative else "22", extra.reference, extra.reference_code, extra.amount_ore)
        )
    records += [_record("25", _alpha(text, 50, "information")) for text in p.information]
    payer = p.payer
    if payer.name or payer.extra_name:
        records.append(_record("26", _alpha(payer.name, 35, "name"), _alpha(payer.extra_name, 35, "extra name")))
    if payer.street or payer.postal_code:
        records.append(_record("27", _alpha(payer.street, 35, "street"), _alpha(payer.postal_code, 9, "postal code")))
    if payer.city or payer.country or payer.country_code:
        records.append(
            _record(
                "28",
                _alpha(payer.city, 35, "city"),
                _alpha(payer.country, 35, "country"),
                _alpha(payer.country_code, 2, "country code"),
            )
        )
    if payer.org_number:
        records.append(_record("29", _num(payer.org_number, 12, "org number")))
    return records


def write_bgmax(file: BgMaxFile, *, newline: str = "\r\n") -> bytes:
    """The BgMax file for `file`: the deposit totals, counts and end record are computed from the payments."""
    stamp = file.created_at.strftime("%Y%m%d%H%M%S") + f"{file.created_at.microsecond:06d}"
    records = [_record("01", _alpha(_LAYOUT, 20, "layout"), _VERSION, stamp, "T" if file.test else "P")]
    counts = {"20": 0, "21": 0, "22": 0}
    for deposit in file.deposits:
        records.append(
            _record(
                "05",
                _num(deposit.payee_bankgiro, 10, "payee bankgiro"),
                " " * 10,
                _alpha(deposit.currency, 3, "currency"),
            )
        )
        for payment in deposit.payments:
            counts["21" if payment.deduction else "20"] += 1
            counts["22"] += len(payment.extra_references)
            records += _payment_records(payment)
        if deposit.total_ore < 0:
            raise ValueError("a deposit's deductions exceed its payments")
        records.append(
            _record(
                "15",
                _num(deposit.payee_account or 0, 35, "payee account"),
                deposit.date.strftime("%Y%m%d"),
                _num(deposit.serial, 5, "deposit serial"),
                _num(deposit.total_ore, _AMOUNT_DIGITS, "deposit amount"),
                _alpha(deposit.currency, 3, "currency"),
                _num(deposit.count, 8, "payment count"),
                _alpha(deposit.deposit_type, 1, "deposit type"),
            )
        )
    records.append(
        _record(
            "70",
            _num(counts["20"], 8, "payments"),
            _num(counts["21"], 8, "deductions"),
            _num(counts["22"], 8, "extra references"),
            _num(len(file.deposits), 8, "deposits"),
        )
    )
    return (newline.join(records) + newline).encode("latin-1")


# ---------------------------------------------------------------------------------------------------------------
# Matching payments to invoices by OCR number

X = TypeVar("X")


@dataclass(frozen=True)
class Match(Generic[X]):
    payment: Payment
    invoice: X
    ocr: str


@dataclass(frozen=True)
class Unmatched:
    payment: Payment
    reason: str  # Swedish, for finance's list of payments to handle by hand


def normalise_reference(reference: str) -> str:
    """The form both a payment's reference and an invoice's OCR number are compared in: surrounding blanks removed
    (the file pads with blanks, left or right), nothing else. Leading zeros stay: they are digits of the OCR number
    and its length digit counts them, so "0123…" and "123…" are different references."""
    return reference.strip(" ")


def match_payments(
    payments: Iterable[Payment],
    invoices_by_ocr: Mapping[str, X],
    *,
    is_valid_ocr: Callable[[str], bool] | None = None,
) -> tuple[list[Match[X]], list[Unmatched]]:
    """Pair each payment with the invoice whose OCR number is its reference. Everything else is returned unmatched
    with a reason: deductions, payments of several references, no reference, a reference that is not a valid OCR
    number (length digit and check digit), or one no invoice has. Whether a match pays the invoice in full, in part or
    too much is for the caller, who knows the balance. `is_valid_ocr` defaults to billing.ocr.is_valid_ocr."""
    if is_valid_ocr is None:
        from coursesite.billing.ocr import is_valid_ocr as ocr_rule  # the OCR rule lives there; imported late

        is_valid_ocr = ocr_rule

    invoices: dict[str, X] = {}
    for ocr, invoice in invoices_by_ocr.items():
        key = normalise_reference(ocr)
        if key in invoices:
            raise ValueError(f"two invoices have the OCR number {key}")
        invoices[key] = invoice

    matched: list[Match[X]] = []
    unmatched: list[Unmatched] = []
    for payment in payments:
        reason, key = _unmatched_reason(payment, invoices, is_valid_ocr)
        if reason is None:
            matched.append(Match(payment, invoices[key], key))
        else:
            unmatched.append(Unmatched(payment, reason))
    return matched, unmatched


def _unmatched_reason(
    payment: Payment, invoices: Mapping[str, object], is_valid_ocr: Callable[[str], bool]
) -> tuple[str | None, str]:
    amount = format_money_ore(abs(payment.amount_ore))
    reference = normalise_reference(payment.reference)
    if payment.deduction:
        return f"Avdrag på {amount} (referens '{reference}'): hanteras manuellt.", reference
    if payment.extra_references or payment.reference_code == ReferenceCode.SEVERAL:
        refs = ", ".join(r.reference for r in payment.extra_references) or reference
        return f"Betalningen på {amount} avser flera referenser ({refs}): fördela beloppet manuellt.", reference
    if not reference:
        return f"Betalningen på {amount} saknar referens.", reference
    if not is_valid_ocr(reference):
        flagged = (
            " Bankgirot har markerat den som felaktig." if payment.reference_code == ReferenceCode.INCORRECT else ""
        )
        return f"Referensen '{reference}' är inget giltigt OCR-nummer.{flagged}", reference
    if reference not in invoices:
        return f"Ingen faktura har OCR-numret {reference}.", reference
    return None, reference
