"""The clause trace (coursesite/privacy/clauses.toml): every sentence of the company's text is quoted verbatim by a
clause, and every clause names a rule of privacy/policy.py and tests that exist. The pages' side is in
tests/web/test_clause_trace.py."""

import ast
from dataclasses import replace
from pathlib import Path

import pytest

from coursesite.privacy import clauses, policy

REPO = Path(__file__).resolve().parents[3]
TRACE = clauses.load()


def test_the_copy_of_the_company_text_is_the_shared_one_when_it_is_here():
    shared = REPO.parent / "shared" / "policy" / "villkor-och-integritetspolicy.txt"
    if not shared.exists():
        pytest.skip("the shared policy folder is not beside this checkout")
    assert shared.read_text(encoding="utf-8") == TRACE.source


def test_every_sentence_of_the_company_text_is_quoted_by_a_clause():
    assert clauses.sentences(TRACE.source)
    assert clauses.uncovered(TRACE) == []


def test_every_quote_is_verbatim_under_its_heading():
    assert clauses.not_verbatim(TRACE) == []
    assert {c.section for c in TRACE.clauses} <= set(clauses.headings(TRACE.source))


def test_a_sentence_left_out_or_a_changed_quote_is_found():
    dropped = replace(TRACE, clauses=TRACE.clauses[1:])
    assert clauses.uncovered(dropped)
    first = TRACE.clauses[0]
    changed = replace(TRACE, clauses=(replace(first, quote=(first.quote[0].replace("viktig", "oviktig"),)),))
    assert clauses.not_verbatim(changed) == [(first.id, changed.clauses[0].quote[0])]


def test_clause_ids_are_unique():
    ids = [c.id for c in TRACE.clauses]
    assert len(ids) == len(set(ids))


def resolve(rule: str):
    target = policy
    for part in rule.split("."):
        target = getattr(target, part)
    return target


@pytest.mark.parametrize("clause", TRACE.clauses, ids=lambda c: c.id)
def test_every_clause_has_a_rule_in_policy_py(clause):
    assert clause.rule, clause.id
    resolve(clause.rule)  # AttributeError names what is missing


def test_an_unknown_rule_is_refused():
    with pytest.raises(AttributeError):
        resolve("NO_SUCH_RULE")


def functions_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")
    }


def missing_tests(clause: clauses.Clause) -> list[str]:
    missing = []
    for node_id in clause.tests:
        path, _, name = node_id.partition("::")
        file = REPO / path
        if not name or not file.is_file() or name.split("[")[0] not in functions_in(file):
            missing.append(node_id)
    return missing


@pytest.mark.parametrize("clause", TRACE.clauses, ids=lambda c: c.id)
def test_every_clause_has_behaviour_tests_that_exist(clause):
    assert clause.tests, f"{clause.id} has no test"
    assert missing_tests(clause) == []


def test_a_test_that_does_not_exist_is_found():
    clause = replace(TRACE.clauses[0], tests=("tests/web/test_policy_pages.py::test_no_such_thing", "nowhere.py::x"))
    assert missing_tests(clause) == list(clause.tests)


@pytest.mark.parametrize("clause", TRACE.clauses, ids=lambda c: c.id)
def test_every_clause_names_key_statements_for_the_page(clause):
    assert clause.page, clause.id


def test_the_committed_doc_is_up_to_date():
    expected = clauses.render_markdown(TRACE)
    assert clauses.DOC_PATH.read_text(encoding="utf-8") == expected, "run: coursesite privacy-clauses --write"
    for clause in TRACE.clauses:
        assert f"`{clause.id}`" in expected
