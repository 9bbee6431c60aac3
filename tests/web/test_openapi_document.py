"""The OpenAPI document says exactly what the API does (web/openapi.py): only the API is in it, every refusal an
operation can give is declared with the error body, a 204 has no body, and /api/v1/me/data has its real shape."""

from __future__ import annotations

import pytest

from coursesite.web import guards
from coursesite.web.openapi import is_api_path
from tests.support import guard_functions, handlers

UNSAFE = {"post", "put", "patch", "delete"}


@pytest.fixture
async def document(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete", "head"}:
                yield path, method, operation


def _handler_for(app, path: str, method: str):
    for route_path, handler in handlers(app):
        plain = route_path.replace(":int}", "}").replace(":str}", "}")
        for name in ("int", "str", "path"):
            plain = plain.replace(f":{name}}}", "}")
        if plain == path and method.upper() in handler.http_methods:
            return handler
    raise AssertionError(f"no handler for {method} {path}")


async def test_only_the_api_is_documented(document, app):
    assert [path for path in document["paths"] if not is_api_path(path)] == []
    documented = set(document["paths"])
    for path, _ in handlers(app):
        plain = path
        for name in ("int", "str", "path"):
            plain = plain.replace(f":{name}}}", "}")
        if is_api_path(path):
            assert plain in documented, path  # every API route is in the document


# Not a refusal but an answer in its own shape: "not ready", with the check that failed (ops/readiness.py).
OWN_ERROR_BODY = {("get", "/readyz", "503"): {"$ref": "#/components/schemas/ReadinessBody"}}


async def test_every_refusal_is_documented_with_the_error_body(document, app):
    error = {"$ref": "#/components/schemas/ErrorOut"}
    for path, method, operation in _operations(document):
        responses = operation["responses"]
        handler = _handler_for(app, path, method)
        expected = set()
        names = [getattr(g, "__name__", "") for g in guard_functions(handler)]
        if guards.logged_in in guard_functions(handler) or any(n.startswith("roles(") for n in names):
            expected |= {"401", "403"}
        elif guards.public not in guard_functions(handler):
            expected.add("401")  # a bearer token
        if method in UNSAFE:
            expected |= {"409", "413"}
            if not handler.opt.get("exclude_from_csrf"):
                expected.add("403")  # the CSRF check
        if "{" in path:
            expected.add("404")
        missing = expected - set(responses)
        assert not missing, f"{method.upper()} {path} leaves out {sorted(missing)}"
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                schema = OWN_ERROR_BODY.get((method, path, status), error)
                assert response["content"]["application/json"]["schema"] == schema, (method, path, status)


async def test_no_content_is_declared_without_a_body(document):
    found = 0
    for path, method, operation in _operations(document):
        no_content = operation["responses"].get("204")
        if no_content is not None:
            found += 1
            assert not no_content.get("content"), (method, path)
    assert found >= 5  # the logout among them
    assert not document["paths"]["/api/v1/auth/logout"]["post"]["responses"]["204"].get("content")


async def test_every_success_names_its_media_type(document):
    for path, method, operation in _operations(document):
        for status, response in operation["responses"].items():
            if status.startswith("2") and status != "204" and status != "202":
                assert response.get("content"), (method, path, status)


async def test_my_data_is_described_as_the_export_not_a_string(document):
    schema = document["paths"]["/api/v1/me/data"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/DataExportOut"}
    export = document["components"]["schemas"]["DataExportOut"]
    assert export["type"] == "object"
    assert {"tables", "portable", "subject", "disclosures", "rights"} <= set(export["required"])


async def test_what_schemathesis_found_undocumented_is_declared(document):
    """Each answered by the app before and missing from the document (found by tests/web/test_api_attack.py)."""
    paths = document["paths"]
    assert {"401", "429"} <= set(paths["/api/v1/auth/login"]["post"]["responses"])  # wrong password, too many tries
    assert "404" in paths["/api/v1/answers"]["post"]["responses"]  # an unknown question
    resend = paths["/api/v1/me/verify-email/resend"]["post"]["responses"]
    assert not resend["202"].get("content") and not resend["204"].get("content")  # already confirmed: nothing sent
    assert "404" in paths["/api/v1/finance/payments"]["post"]["responses"]  # no invoice with that number or OCR
    for path in ("/api/v1/forms/contact", "/api/v1/auth/password-reset", "/api/v1/me/profile", "/api/v1/me/password"):
        method = "patch" if path.endswith("profile") else "post"
        assert "429" in paths[path][method]["responses"], path
