"""mail/composer.py: messages render from templates/mail/ with the app's environment; every template says who sends
it and why, and a name a template needs but the context lacks is an error, never an empty link."""

from __future__ import annotations

import pytest
from jinja2 import ChoiceLoader, DictLoader, UndefinedError

from coursesite.mail.composer import MailComposer
from coursesite.mail.message import Mail
from coursesite.settings import REPO_ROOT
from coursesite.web.templating import build_environment

COMPANY = "Balansekonomi Svenska AB"
BASE = "https://kurs.example.se"
MAIL_DIR = REPO_ROOT / "templates" / "mail"
MAIL_TEMPLATES = sorted(
    str(path.relative_to(MAIL_DIR).with_suffix("")) for path in MAIL_DIR.rglob("*.txt") if path.stem != "base"
)


def composer(extra: dict[str, str] | None = None) -> MailComposer:
    environment = build_environment(company_name=COMPANY)
    if extra:
        environment.loader = ChoiceLoader([DictLoader(extra), environment.loader])
    return MailComposer(environment, public_url=BASE + "/")


def test_the_test_message():
    composed = composer().compose(Mail(to="anna@example.se", template="test_message"))
    assert composed.subject == "Testmeddelande från Kurssajten"
    assert f"Öppna webbplatsen: {BASE}/" in composed.text
    assert f"{COMPANY} skickar det här meddelandet från Kurssajten, {BASE}" in composed.text
    assert "Du får det för att" in composed.text
    assert composed.html is not None and f'href="{BASE}/"' in composed.html and '<html lang="sv">' in composed.html
    assert "Avsluta" not in composed.text  # a transactional message has no unsubscribe link


@pytest.mark.parametrize("name", MAIL_TEMPLATES)
def test_every_message_says_who_sends_it_and_why(name):
    text = (REPO_ROOT / "templates" / "mail" / f"{name}.txt").read_text(encoding="utf-8")
    assert '{% extends "mail/base.txt" %}' in text and "{% set subject" in text and "{% block reason %}" in text
    html = REPO_ROOT / "templates" / "mail" / f"{name}.html"
    if html.exists():
        assert '{% extends "mail/base.html" %}' in html.read_text(encoding="utf-8")


def test_a_marketing_message_carries_its_unsubscribe_link_in_both_parts():
    url = BASE + "/avsluta?token=abc.def"
    composed = composer().compose(
        Mail(to="anna@example.se", template="test_message", kind="marketing", unsubscribe_url=url)
    )
    assert url in composed.text and f'href="{url}"' in composed.html


def test_text_is_not_escaped_and_html_is():
    extra = {
        "mail/hello.txt": '{% extends "mail/base.txt" %}{% set subject = "Hej " ~ name %}{% block body %}Hej {{ name }}{% endblock %}{% block reason %}Test.{% endblock %}',
        "mail/hello.html": '{% extends "mail/base.html" %}{% block body %}<p>Hej {{ name }}</p>{% endblock %}',
    }
    composed = composer(extra).compose(Mail(to="anna@example.se", template="hello", context={"name": "<Ö & Å>"}))
    assert composed.subject == "Hej <Ö & Å>"
    assert "Hej <Ö & Å>" in composed.text
    assert "<p>Hej &lt;Ö &amp; Å&gt;</p>" in composed.html


def test_a_missing_value_is_an_error_not_an_empty_link():
    extra = {"mail/link.txt": '{% set subject = "Länk" %}Klicka: {{ public_url }}/x?token={{ token }}'}
    with pytest.raises(UndefinedError):
        composer(extra).compose(Mail(to="anna@example.se", template="link"))


def test_a_template_without_a_subject_is_refused():
    with pytest.raises(ValueError, match="must set `subject`"):
        composer({"mail/nosubject.txt": "Hej"}).compose(Mail(to="anna@example.se", template="nosubject"))


def test_links_are_absolute_on_the_public_url():
    assert composer().link("/bekrafta-epost?token=x") == BASE + "/bekrafta-epost?token=x"
    with pytest.raises(ValueError):
        composer().link("bekrafta-epost")
