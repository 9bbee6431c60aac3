"""mail/catalog.py: every message is registered with its kind, shows only the values registered for it, and every
value that is personal data is a field the privacy registry classifies for a purpose a transactional message may
serve."""

from __future__ import annotations

import pytest
from jinja2 import meta

from coursesite.mail import catalog
from coursesite.mail.message import MailKind
from coursesite.privacy.registry import PersonalField, Purpose, classification
from coursesite.settings import REPO_ROOT
from coursesite.web.templating import build_environment

MAIL_DIR = REPO_ROOT / "templates" / "mail"
TEMPLATES = sorted(
    str(path.relative_to(MAIL_DIR).with_suffix("")) for path in MAIL_DIR.rglob("*.txt") if path.stem != "base"
)
ALWAYS = {"public_url", "kind", "unsubscribe_url", "site_name", "company_name"}  # the composer's and the globals
TRANSACTIONAL_PURPOSES = {Purpose.PROVIDE_SERVICE, Purpose.SECURITY, Purpose.SEND_INFORMATION}


def shown(template: str) -> set[str]:
    environment = build_environment(company_name="Balansekonomi Svenska AB")
    names: set[str] = set()
    for suffix in (".txt", ".html"):
        path = MAIL_DIR / f"{template}{suffix}"
        if path.exists():
            names |= meta.find_undeclared_variables(environment.parse(path.read_text(encoding="utf-8")))
    return names - ALWAYS


def test_every_template_is_registered_and_every_registered_one_exists():
    assert set(TEMPLATES) == set(catalog.MESSAGES)


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_message_shows_only_what_is_registered_and_the_registry_allows(template):
    spec = catalog.MESSAGES[template]
    assert shown(template) <= set(spec.values), f"{template} shows a value mail/catalog.py does not list"
    for name, source in spec.values.items():
        if source is None:
            continue
        table, _, column = source.partition(".")
        found = classification(table, column)
        assert found is not None, f"{template}.{name}: {source} is not in privacy/registry.py"
        if isinstance(found, PersonalField) and spec.kind is not MailKind.MARKETING:
            assert found.purpose in TRANSACTIONAL_PURPOSES, f"{template}.{name}: {source} is for {found.purpose}"


def test_the_course_messages_are_transactional():
    for template in ("billing/enrolled", "billing/credit_note", "billing/reminder", "review/answer_reviewed"):
        assert catalog.MESSAGES[template].kind is MailKind.TRANSACTIONAL
    assert catalog.MESSAGES["certificates/issued"].kind is MailKind.TRANSACTIONAL
    assert catalog.problems("billing/enrolled", MailKind.MARKETING) != []
    assert catalog.problems("billing/enrolled", MailKind.TRANSACTIONAL) == []


def test_no_course_message_shows_a_surname_an_address_or_what_was_answered():
    forbidden = {"last_name", "address_line", "postal_code", "city", "email", "raw_response", "reviewer_comment"}
    for template, spec in catalog.MESSAGES.items():
        columns = {source.partition(".")[2] for source in spec.values.values() if source}
        assert not columns & forbidden, template
