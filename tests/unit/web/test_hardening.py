"""The pure checks of web/hardening.py: what a body, a query string or an origin must be to pass."""

import pytest

from coursesite.web import hardening
from coursesite.web.hardening import (
    BIGINT_MAX,
    MAX_JSON_DEPTH,
    body_problem,
    json_problem,
    multipart_problem,
    origin_allowed,
    origin_of,
    session_csrf_token,
    urlencoded_problem,
)


@pytest.mark.parametrize(
    "body",
    [
        b'{"email": "a@x.se", "n": [1, 2.5, null, true]}',
        b'{"email": "a\\u0000@x.se"}',  # a NUL in a field is the text rules' to refuse, naming the field
        b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH,
        b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}',  # brackets in a string
        f'{{"n": {BIGINT_MAX}, "m": {-BIGINT_MAX - 1}}}'.encode(),
        '{"namn": "Åsa Öberg"}'.encode(),
        f'{{"n": {BIGINT_MAX}, "t": "{BIGINT_MAX + 1}"}}'.encode(),  # a 19-digit run: walked, and only a string
        b'{"s": "' + b"{" * 100 + b'", "n": [1]}',  # many brackets, all in a string: scanned, not nested
    ],
)
def test_json_that_passes(body):
    assert json_problem(body, strict=True) is None


@pytest.mark.parametrize(
    "body, field, words",
    [
        (b'{"lines": [{"n": 1}, {"n": 99999999999999999999}]}', "lines.1.n", "heltal"),
        (b'{"email": "\xff"}', None, "UTF-8"),
        (b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1), None, "djupt"),
        (b"[" * 100_000, None, "djupt"),
        (f'{{"n": {BIGINT_MAX + 1}}}'.encode(), "n", "heltal"),
        (b'{"email":', None, "JSON"),
        (f'{{"n": {-BIGINT_MAX - 2}}}'.encode(), "n", "heltal"),  # 19 digits, just below BIGINT
        (b'{"a": [' + b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH + b"]}", None, "djupt"),  # 65 brackets, 65 deep
    ],
)
def test_json_that_is_refused(body, field, words):
    problem = json_problem(body, strict=True)
    assert problem is not None and words in problem.message and problem.field == field


def test_an_unterminated_string_of_escaped_quotes_is_scanned_in_linear_time():
    assert json_problem(b'"' + b'\\"' * 200_000, strict=True).message == "Begärans JSON går inte att läsa."


def test_a_body_that_does_not_say_json_is_left_to_the_handler_unless_it_is_dangerous():
    assert body_problem(b"not json", "text/plain", b"") is None
    assert body_problem(b"[" * 1000, "text/plain", b"") is not None
    assert body_problem(b"\xff", "", b"") is not None


@pytest.mark.parametrize(
    "data, field",
    [(b"lesson=a%00b&x=1", "lesson"), (b"a=1&n%00=2", "n"), (b"x=%ff%fe", None), (b"x=\xff", None)],
)
def test_a_query_string_that_is_refused(data, field):
    problem = urlencoded_problem(data, "adressens frågedel", nul=True)
    assert problem is not None and problem.field == field


def test_a_form_body_is_refused_for_bad_utf8_but_a_nul_is_left_to_the_text_rules():
    assert urlencoded_problem(b"email=a%00b", "formuläret", nul=False) is None
    assert urlencoded_problem(b"email=%ff", "formuläret", nul=False) is not None


def test_urlencoded_that_passes():
    assert urlencoded_problem(b"email=%C3%A5sa%40x.se&next=%2Fmin-kurs&q=a+b", "formuläret", nul=True) is None


def multipart(*parts: tuple[str, bytes, str | None]) -> bytes:
    out = b""
    for name, content, filename in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += b"--XyZ\r\nContent-Disposition: " + disposition.encode() + b"\r\n\r\n" + content + b"\r\n"
    return out + b"--XyZ--\r\n"


def test_multipart_text_fields_are_checked_and_files_are_not():
    assert multipart_problem(multipart(("name", "Åsa".encode(), None), ("f", b"\x00\xff", "a.bin")), b"XyZ") is None
    assert multipart_problem(multipart(("name", b"A\x00", None)), b"XyZ") is None  # the text rules' to refuse
    assert "UTF-8" in multipart_problem(multipart(("name", b"\xff", None)), b"XyZ").message
    assert multipart_problem(b"x", b"") is not None


@pytest.mark.parametrize(
    "url, origin",
    [
        ("https://Kurs.Example.se/sida?x=1", "https://kurs.example.se"),
        ("https://kurs.example.se:443", "https://kurs.example.se"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
        ("null", None),
        ("/relative", None),
        ("javascript:alert(1)", None),
        ("http://x:notaport", None),
    ],
)
def test_origin_of(url, origin):
    assert origin_of(url) == origin
    assert origin_of(url) == origin  # again, from the cache
    assert origin_of(url + "#" + "x" * 300) == origin  # a long one, worked out without the cache


def test_the_session_csrf_token_is_kept_without_the_session():
    session, secret = "a-session-token-of-the-test", "s" * 32
    token = session_csrf_token(session, secret)
    assert session_csrf_token(session, secret) == token  # from the cache
    assert session_csrf_token(session, "t" * 32) != token and session_csrf_token(session + "x", secret) != token
    kept = hardening._SESSION_CSRF
    assert token in kept.values() and not any(session.encode() in key for key in kept)
    assert len(kept) <= hardening._SESSION_CSRF_CAP


def test_the_kept_session_csrf_tokens_are_bounded(monkeypatch):
    monkeypatch.setattr(hardening, "_SESSION_CSRF", {})
    monkeypatch.setattr(hardening, "_SESSION_CSRF_CAP", 2)
    first = session_csrf_token("session-1", "s" * 32)
    session_csrf_token("session-2", "s" * 32)
    session_csrf_token("session-3", "s" * 32)
    assert len(hardening._SESSION_CSRF) == 2 and first not in hardening._SESSION_CSRF.values()  # the oldest went
    assert session_csrf_token("session-1", "s" * 32) == first  # and comes back the same


def test_origin_allowed():
    allowed = {"https://kurs.example.se"}
    assert origin_allowed("https://kurs.example.se", None, allowed)
    assert not origin_allowed("https://kurs.example.se.evil.example", None, allowed)
    assert not origin_allowed("null", "https://kurs.example.se/", allowed)  # Origin decides when sent
    assert origin_allowed(None, "https://kurs.example.se/min-kurs", allowed)
    assert not origin_allowed(None, "https://evil.example/", allowed)
    assert origin_allowed(None, None, allowed)  # not a browser: the CSRF token decides
