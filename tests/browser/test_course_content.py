"""Issue 13 in real Chromium: course content that carries htmx attributes does nothing when a participant opens it.

A server of its own, on a copy of lessons/ whose first lesson has the attack the outside test found: a GIFT `[html]`
question `<div hx-post='/api/v1/me/erasure-request' hx-trigger='load'>` (and the same in the lesson's Markdown).
Before the fix, opening the lesson once created an erasure request for the participant.
"""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from playwright.sync_api import expect

from coursesite.settings import REPO_ROOT
from tests.browser.support import free_port, register, serving

pytestmark = pytest.mark.browser

ATTACK = "<div hx-post='/api/v1/me/erasure-request' hx-trigger='load'>Hur mycket är 1 + 1?</div>"
LESSON = "akt-1/01-inkomster-och-utgifter"


@pytest.fixture
def hostile_server(server_env, tmp_path):
    lessons = tmp_path / "lessons"
    shutil.copytree(REPO_ROOT / "lessons", lessons, ignore=shutil.ignore_patterns(".revision*"))
    (lessons / f"{LESSON}.gift").write_text(f"::radera:: [html]{ATTACK} {{#2}}\n", encoding="utf-8")
    markdown = lessons / f"{LESSON}.md"
    markdown.write_text(
        markdown.read_text(encoding="utf-8") + f"\n\n{ATTACK.replace('1 + 1', 'Markdown')}\n", encoding="utf-8"
    )
    env = server_env | {
        "COURSESITE_DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite'}",
        "COURSESITE_PORT": str(free_port()),
        "COURSESITE_LESSONS_DIR": str(lessons),
    }
    with serving(env) as base:
        yield base, tmp_path / "site.sqlite"


def test_htmx_in_a_lesson_does_nothing_for_the_participant(browser, hostile_server):
    base, database = hostile_server
    context = browser.new_context(base_url=base, locale="sv-SE")
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    try:
        register(page)
        page.goto("/lektion/inkomster-och-utgifter")
        prompt = page.locator('article[id="fraga-inkomster-och-utgifter.radera"] .prompt')
        expect(prompt).to_have_text("Hur mycket är 1 + 1?")
        expect(prompt).to_have_attribute("hx-disable", "")
        expect(page.locator(".lesson-body")).to_contain_text("Markdown")
        page.wait_for_load_state("networkidle")
        page.reload()  # "opening the lesson once" – and once more
        page.wait_for_load_state("networkidle")
        assert page.locator("[hx-trigger='load']").count() == 0
        assert page.locator("[hx-post*='erasure']").count() == 0
    finally:
        context.close()
    assert not [url for url in asked if "erasure-request" in url]
    with sqlite3.connect(database) as connection:
        (erasures,) = connection.execute("SELECT count(*) FROM support_case WHERE kind = 'erasure'").fetchone()
    assert erasures == 0
