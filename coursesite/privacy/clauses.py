"""The clause trace (issue 12): the company's text split into clauses, each with the rule in privacy/policy.py that
models it, the tests that prove it and the key statements the public pages keep. Pure: reads two files beside this
module (clauses.toml and the company's text) and renders the reviewer's table (docs/privacy-clauses.md).

tests/unit/privacy/test_clauses.py checks that every sentence of the text is quoted, every quote is verbatim, every
rule and test exists, the pages keep each clause's key statements, and the committed doc is up to date.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLAUSES_PATH = HERE / "clauses.toml"
DOC_PATH = HERE.parent.parent / "docs" / "privacy-clauses.md"
_SENTENCE_END = re.compile(r"(?<=[.:])\s+(?=[A-ZÅÄÖ])")  # "t.ex. namn", "bl.a. vilka" stay whole
_BULLET = "•"


@dataclass(frozen=True)
class Clause:
    id: str
    section: str
    quote: tuple[str, ...]  # one sentence or bullet of the company's text per line
    rule: str
    tests: tuple[str, ...]
    page: tuple[str, ...]  # key statements on /integritetspolicy
    terms: tuple[str, ...] = ()  # key statements on /villkor
    note: str = ""


@dataclass(frozen=True)
class Trace:
    source: str  # the company's text
    clauses: tuple[Clause, ...]


def normalise(text: str) -> str:
    """Spacing folded, for comparing a quote or a page with the text."""
    return " ".join(text.split())


def load(path: Path = CLAUSES_PATH) -> Trace:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    source = (path.parent / raw["source"]).read_text(encoding="utf-8")
    clauses = tuple(
        Clause(
            id=item["id"],
            section=item["section"],
            quote=tuple(line.strip() for line in item["quote"].strip().splitlines() if line.strip()),
            rule=item["rule"],
            tests=tuple(item.get("tests", ())),
            page=tuple(item.get("page", ())),
            terms=tuple(item.get("terms", ())),
            note=item.get("note", ""),
        )
        for item in raw["clause"]
    )
    return Trace(source, clauses)


def is_heading(line: str) -> bool:
    return any(ch.isalpha() for ch in line) and line == line.upper()


def headings(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip() and is_heading(line.strip()))


def sentences(text: str) -> tuple[tuple[str, str], ...]:
    """Every sentence or bullet of the text with the heading it stands under, headings left out."""
    found: list[tuple[str, str]] = []
    section = ""
    for raw in text.splitlines():
        line = raw.strip().removeprefix(_BULLET).strip()
        if not line:
            continue
        if is_heading(line):
            section = line
            continue
        found.extend((section, part.strip()) for part in _SENTENCE_END.split(line) if part.strip())
    return tuple(found)


def uncovered(trace: Trace) -> list[tuple[str, str]]:
    """The sentences of the text that no clause quotes under their own heading."""
    quoted = {(c.section, normalise(line)) for c in trace.clauses for line in c.quote}
    return [(section, s) for section, s in sentences(trace.source) if (section, normalise(s)) not in quoted]


def not_verbatim(trace: Trace) -> list[tuple[str, str]]:
    """(clause id, line) for each quoted line that is not a sentence of the text under the clause's heading."""
    known = {(section, normalise(s)) for section, s in sentences(trace.source)}
    return [(c.id, line) for c in trace.clauses for line in c.quote if (c.section, normalise(line)) not in known]


def missing_statements(clause: Clause, page_text: str, *, terms: bool = False) -> list[str]:
    """The clause's key statements a page has lost (case and spacing aside)."""
    text = normalise(page_text).casefold()
    return [s for s in (clause.terms if terms else clause.page) if normalise(s).casefold() not in text]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(trace: Trace) -> str:
    """The reviewer's table: one row per clause, grouped by the company's headings."""
    out = [
        "# The company's privacy text, clause by clause",
        "",
        "Generated from `coursesite/privacy/clauses.toml` by `coursesite privacy-clauses --write`; do not edit by hand",
        "(`tests/unit/privacy/test_clauses.py` fails when this file is not what the command writes).",
        "",
        "Each clause quotes the company's text (`coursesite/privacy/villkor-och-integritetspolicy.txt`) verbatim,",
        "names the rule in `coursesite/privacy/policy.py` that models it, the tests that prove the behaviour, and the",
        "key statements the public pages (`/integritetspolicy`, `/villkor`) must keep.",
        "",
    ]
    for section in headings(trace.source):
        rows = [c for c in trace.clauses if c.section == section]
        if not rows:
            continue
        out += [
            f"## {section}",
            "",
            "| Clause | The company's text | Rule | Tests | On the page |",
            "|---|---|---|---|---|",
        ]
        for c in rows:
            quote = "<br>".join(_cell(line) for line in c.quote)
            tests = "<br>".join(f"`{_cell(t)}`" for t in c.tests)
            page = "; ".join(f"“{_cell(s)}”" for s in c.page)
            if c.terms:
                page += "<br>/villkor: " + "; ".join(f"“{_cell(s)}”" for s in c.terms)
            if c.note:
                quote += f"<br>*{_cell(c.note)}*"
            out.append(f"| `{c.id}` | {quote} | `policy.{c.rule}` | {tests} | {page} |")
        out.append("")
    return "\n".join(out)
