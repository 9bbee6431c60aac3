"""The tests' own layout: what several test modules share lives in conftest.py (fixtures) or a helper module
(tests/support.py, tests/browser/support.py, the data helpers under tests/unit/billing/), never in a test module that
another imports; and a module of our own is imported plainly, never skipped with pytest.importorskip."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _modules() -> list[Path]:
    return sorted(TESTS.rglob("*.py"))


def test_no_test_module_imports_another():
    found = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if any(name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith("test_") for name in names):
                found.append(f"{path.relative_to(TESTS)}:{node.lineno}")
    assert found == []


def test_no_importorskip_on_our_own_modules():
    found = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "importorskip"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and str(node.args[0].value).split(".")[0] in ("coursesite", "tests")
            ):
                found.append(f"{path.relative_to(TESTS)}:{node.lineno}")
    assert found == []
