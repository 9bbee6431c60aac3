"""A strict SIE 4I reader for the tests: every rule of domain.md §3, and the SIE 4B spec's record grammar.

It refuses (SieError with the line number) rather than guesses:
- bytes that are control characters other than CR/LF (decoded as CP437, the only character set allowed);
- a line end other than CRLF or LF, or a file not ending in one;
- `#FLAGGA 0` not first; records out of order (identification, then the chart of accounts, then vouchers);
- a required record missing or repeated (#FLAGGA, #PROGRAM, #FORMAT PC8, #GEN, #SIETYP 4, #ORGNR, #FNAMN);
- a label it does not know (the writer must not invent records);
- a field with a space or a quote that is not quoted, an unterminated quote, a quote not followed by a space;
- an amount with `+`, a comma, more than two decimals or grouping; a date that is not a real YYYYMMDD;
- a #TRANS on an account without #KONTO, a #VER without `{`…`}` or without transactions, a #VER not summing to 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

IDENTIFICATION = {
    "#FLAGGA",
    "#PROGRAM",
    "#FORMAT",
    "#GEN",
    "#SIETYP",
    "#PROSA",
    "#FNR",
    "#ORGNR",
    "#BKOD",
    "#ADRESS",
    "#FNAMN",
    "#RAR",
    "#TAXAR",
    "#OMFATTN",
    "#KPTYP",
    "#VALUTA",
}
CHART = {"#KONTO", "#KTYP", "#ENHET", "#SRU", "#DIM", "#UNDERDIM", "#OBJEKT"}
REQUIRED = ("#FLAGGA", "#PROGRAM", "#FORMAT", "#GEN", "#SIETYP", "#ORGNR", "#FNAMN")

_AMOUNT = re.compile(r"(-?)([0-9]+)(?:\.([0-9]{1,2}))?")
_DATE = re.compile(r"[0-9]{8}")
_ACCOUNT = re.compile(r"[0-9]+")
_ORGNR = re.compile(r"[0-9]{6}-[0-9]{4}")
_LABEL = re.compile(r"#[A-Z]+")


class SieError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass
class SieVoucher:
    series: str
    number: str
    date: date
    text: str
    transactions: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class SieFile:
    program: tuple[str, str] = ("", "")
    generated: date | None = None
    org_number: str = ""
    company_name: str = ""
    accounts: dict[str, str] = field(default_factory=dict)
    vouchers: list[SieVoucher] = field(default_factory=list)
    records: dict[str, int] = field(default_factory=dict)  # label → count


def tokenize(line: str, n: int) -> list[str]:
    """Fields separated by spaces; a quoted field may hold spaces and `\\"`; `{…}` is one field."""
    fields: list[str] = []
    i, size = 0, len(line)
    while i < size:
        ch = line[i]
        if ch == " ":
            i += 1
            continue
        if ch == '"':
            i += 1
            out = []
            while True:
                if i >= size:
                    raise SieError(n, "unterminated quoted field")
                if line[i] == "\\" and i + 1 < size and line[i + 1] == '"':
                    out.append('"')
                    i += 2
                elif line[i] == '"':
                    i += 1
                    break
                else:
                    out.append(line[i])
                    i += 1
            if i < size and line[i] != " ":
                raise SieError(n, "a closing quote must be followed by a space or the line end")
            fields.append("".join(out))
        elif ch == "{":
            end = line.find("}", i)
            if end < 0:
                raise SieError(n, "unterminated object list")
            fields.append(line[i : end + 1])
            i = end + 1
        else:
            end = line.find(" ", i)
            end = size if end < 0 else end
            token = line[i:end]
            if '"' in token:
                raise SieError(n, f"a quote inside an unquoted field: {token!r}")
            fields.append(token)
            i = end
    return fields


def parse_amount(text: str, n: int) -> int:
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise SieError(n, f"not a SIE amount (digits, '.', at most two decimals, no '+'): {text!r}")
    sign, whole, part = match.groups()
    ore = int(whole) * 100 + int((part or "0").ljust(2, "0"))
    return -ore if sign else ore


def parse_date(text: str, n: int) -> date:
    if not _DATE.fullmatch(text):
        raise SieError(n, f"not a YYYYMMDD date: {text!r}")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise SieError(n, f"no such date: {text!r}") from None


def split_lines(data: bytes) -> list[str]:
    if not data:
        raise SieError(0, "empty file")
    for offset, byte in enumerate(data):
        if (byte < 0x20 and byte not in (0x0A, 0x0D)) or byte == 0x7F:
            raise SieError(data.count(b"\n", 0, offset) + 1, f"control character 0x{byte:02X}")
    if not data.endswith(b"\n"):
        raise SieError(data.count(b"\n") + 1, "the last line has no line end")
    text = data.decode("cp437")
    lines = text[:-1].split("\n")
    for number, line in enumerate(lines, 1):
        body = line[:-1] if line.endswith("\r") else line
        if "\r" in body:
            raise SieError(number, "a carriage return that does not end a line")
    return [line.removesuffix("\r") for line in lines]


def _expect(fields: list[str], count: int, n: int, *, at_most: int | None = None) -> None:
    if not count <= len(fields) - 1 <= (at_most if at_most is not None else count):
        raise SieError(n, f"{fields[0]} takes {count} field(s), got {len(fields) - 1}")


def read_sie(data: bytes) -> SieFile:
    """Parse and check a SIE 4I file; raise SieError on the first broken rule."""
    lines = split_lines(data)
    result = SieFile()
    section = 0  # 0 identification, 1 chart of accounts, 2 vouchers
    i = 0
    while i < len(lines):
        n = i + 1
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        fields = tokenize(line, n)
        label = fields[0]
        if label in ("{", "}"):
            raise SieError(n, f"'{label}' outside a #VER")
        if not _LABEL.fullmatch(label):
            raise SieError(n, f"not a record label: {label!r}")
        if not result.records and label != "#FLAGGA":
            raise SieError(n, "#FLAGGA must be the first record")
        result.records[label] = result.records.get(label, 0) + 1
        if label in IDENTIFICATION:
            if section > 0:
                raise SieError(n, f"{label} after the chart of accounts or the vouchers")
            if result.records[label] > 1:
                raise SieError(n, f"{label} more than once")
            _identification(result, fields, n)
        elif label in CHART:
            if section > 1:
                raise SieError(n, f"{label} after the vouchers began")
            section = 1
            if label == "#KONTO":
                _expect(fields, 2, n)
                if not _ACCOUNT.fullmatch(fields[1]):
                    raise SieError(n, f"not an account number: {fields[1]!r}")
                if fields[1] in result.accounts:
                    raise SieError(n, f"#KONTO {fields[1]} twice")
                result.accounts[fields[1]] = fields[2]
        elif label == "#VER":
            section = 2
            i = _voucher(result, lines, i, fields, n)
        else:
            raise SieError(n, f"unknown or misplaced record {label}")
    for label in REQUIRED:
        if label not in result.records:
            raise SieError(len(lines), f"{label} is missing")
    return result


def _identification(result: SieFile, fields: list[str], n: int) -> None:
    label = fields[0]
    if label == "#FLAGGA":
        _expect(fields, 1, n)
        if fields[1] != "0":
            raise SieError(n, "#FLAGGA must be 0 in an exported file")
    elif label == "#PROGRAM":
        _expect(fields, 2, n)
        result.program = (fields[1], fields[2])
    elif label == "#FORMAT":
        _expect(fields, 1, n)
        if fields[1] != "PC8":
            raise SieError(n, "#FORMAT must be PC8")
    elif label == "#GEN":
        _expect(fields, 1, n, at_most=2)
        result.generated = parse_date(fields[1], n)
    elif label == "#SIETYP":
        _expect(fields, 1, n)
        if fields[1] != "4":
            raise SieError(n, "#SIETYP must be 4")
    elif label == "#ORGNR":
        _expect(fields, 1, n, at_most=3)
        if not _ORGNR.fullmatch(fields[1]):
            raise SieError(n, f"#ORGNR must be NNNNNN-NNNN, got {fields[1]!r}")
        result.org_number = fields[1]
    elif label == "#FNAMN":
        _expect(fields, 1, n)
        result.company_name = fields[1]


def _voucher(result: SieFile, lines: list[str], i: int, fields: list[str], n: int) -> int:
    """Read a #VER and its { #TRANS … } block; return the index of the line after `}`."""
    _expect(fields, 4, n, at_most=6)
    voucher = SieVoucher(series=fields[1], number=fields[2], date=parse_date(fields[3], n), text=fields[4])
    if i >= len(lines) or lines[i].strip() != "{":
        raise SieError(n + 1, "#VER must be followed by a line '{'")
    i += 1
    while True:
        if i >= len(lines):
            raise SieError(len(lines), "#VER block not closed with '}'")
        line, m = lines[i], i + 1
        i += 1
        if line.strip() == "}":
            break
        trans = tokenize(line, m)
        if not trans or trans[0] != "#TRANS":
            raise SieError(m, f"only #TRANS inside a #VER here, got {line!r}")
        _expect(trans, 3, m, at_most=7)
        account, objects, amount = trans[1], trans[2], trans[3]
        if account not in result.accounts:
            raise SieError(m, f"#TRANS on account {account}, which has no #KONTO")
        if not (objects.startswith("{") and objects.endswith("}")):
            raise SieError(m, f"#TRANS needs an object list such as {{}}, got {objects!r}")
        if len(trans) > 4 and trans[4]:
            parse_date(trans[4], m)
        voucher.transactions.append((account, parse_amount(amount, m)))
    if not voucher.transactions:
        raise SieError(n, "#VER without #TRANS")
    total = sum(amount for _, amount in voucher.transactions)
    if total != 0:
        raise SieError(n, f"#VER does not balance: the amounts sum to {total} öre")
    result.vouchers.append(voucher)
    return i
