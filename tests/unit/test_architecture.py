"""The seam between the web layer and the services (docs/architecture.md): no module under coursesite/web/ imports a
table, runs a query or writes an audit row. Services are the only way to the database and the audit log."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "coursesite" / "web"
FORBIDDEN_MODULES = ("coursesite.db", "coursesite.privacy.audit", "piccolo")


def _web_modules() -> list[Path]:
    return sorted(WEB.rglob("*.py"))


def _offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Attribute) and node.attr == "engine":
            found.append(f"line {node.lineno}: reaches the database engine (.engine)")
            continue
        else:
            continue
        bad_names = [n for n in names if any(n == bad or n.startswith(bad + ".") for bad in FORBIDDEN_MODULES)]
        if bad_names:
            found.append(f"line {node.lineno}: imports {bad_names[-1]}")
    return found


@pytest.mark.parametrize("path", _web_modules(), ids=lambda p: str(p.relative_to(WEB)))
def test_web_modules_reach_the_database_only_through_services(path: Path) -> None:
    name = str(path.relative_to(WEB))
    offences = _offences(path)
    assert not offences, f"coursesite/web/{name} must go through a service:\n" + "\n".join(offences)


def test_the_check_catches_a_table_import_and_an_audit_write(tmp_path: Path) -> None:
    module = tmp_path / "handler.py"
    module.write_text(
        "from coursesite.db.billing import Invoice\nfrom coursesite.privacy import audit\nx = request.app.state.engine\n"
    )
    assert len(_offences(module)) == 3
