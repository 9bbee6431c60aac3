"""Template globals as Jinja keeps them (web/templating.py: _TemplateGlobals): a template's own globals over the
environment's, a global the app adds after a template was loaded still seen, and an imported macro module shared
between renders, which is what Jinja's import of a macro file checks with the keys on every render."""

from __future__ import annotations

from jinja2 import DictLoader

from coursesite.web.templating import build_environment


def _environment():
    environment = build_environment(company_name="Bolaget AB")
    environment.loader = DictLoader(
        {
            "macros.html": "{% macro hello(name) %}Hej {{ name }} från {{ site_name }}{% endmacro %}",
            "page.html": '{% from "macros.html" import hello %}{{ hello(who) }} {{ later() }}',
        }
    )
    return environment


def test_a_global_added_after_loading_is_seen_and_own_globals_come_first():
    environment = _environment()
    template = environment.get_template("page.html")
    environment.globals["later"] = lambda: "sedan"  # as Litestar's csrf_token, registered when the app is built
    assert template.render(who="Anna") == "Hej Anna från Kurssajten sedan"
    own = environment.get_template("macros.html", globals={"site_name": "Egen"})
    assert own.globals["site_name"] == "Egen" and environment.globals["site_name"] == "Kurssajten"
    assert {"site_name", "later", "question_block"} <= set(template.globals.keys())
    assert set(template.globals.keys()) == set(environment.globals) | set(template.globals.maps[0])


def test_an_imported_macro_module_is_built_once_not_per_render():
    environment = _environment()
    environment.globals["later"] = lambda: ""
    template = environment.get_template("page.html")
    macros = environment.get_template("macros.html")
    context = template.new_context({"who": "Anna"})
    assert macros._get_default_module(context) is macros._get_default_module(context)
