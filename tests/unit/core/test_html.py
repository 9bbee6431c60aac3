"""The one sanitiser for author HTML (core/html.py): what course content may keep, and what it never keeps."""

import pytest

from coursesite.core.html import sanitize_html

ERASURE = "<div hx-post='/api/v1/me/erasure-request' hx-trigger='load'>Klicka</div>"

VECTORS = [
    # htmx: every hx-* and data-hx-* attribute (issue 13), on any tag
    (ERASURE, "Klicka"),
    ('<p hx-get="/api/v1/me/data" hx-trigger="load" hx-target="body">x</p>', "<p>x</p>"),
    ('<p data-hx-post="/api/v1/me/erasure-request" data-hx-trigger="load">x</p>', "<p>x</p>"),
    ('<span hx-on:click="alert(1)" hx-disable="false">x</span>', "<span>x</span>"),
    ('<p hx-vals=\'{"a":1}\' hx-headers="{}" hx-swap-oob="true">x</p>', "<p>x</p>"),
    # scripts, styles, event handlers, embedding, forms
    ("<script>alert(1)</script>ok", "ok"),
    ("<style>body{display:none}</style>ok", "ok"),
    ('<p style="position:fixed" onclick="alert(1)" onmouseover="x()">x</p>', "<p>x</p>"),
    ('<img src="bild.png" onerror="alert(1)">', '<img src="bild.png">'),
    ('<iframe src="https://example.com"></iframe>ok', "ok"),
    ('<object data="x.swf"></object><embed src="x.swf">ok', "ok"),
    ('<form action="/api/v1/me/erasure-request" method="post"><button>Skicka</button></form>', "Skicka"),
    ('<svg onload="alert(1)"><circle/></svg>ok', "ok"),
    ("<template><p>x</p></template>ok", "ok"),
    ('<meta http-equiv="refresh" content="0;url=/logga-ut">ok', "ok"),
    ('<base href="https://evil.example/">ok', "ok"),
    ('<p class="x" id="main">x</p>', "<p>x</p>"),
    ("<!-- <script>x</script> -->ok", "ok"),
    # URLs
    ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
    ('<a href="JaVaScRiPt:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
    ('<a href="data:text/html,<script>x</script>">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
    (
        '<a href="https://www.konsumentverket.se" target="_top">x</a>',
        '<a href="https://www.konsumentverket.se" rel="noopener noreferrer nofollow">x</a>',
    ),
    ('<a href="/lektion/budget">x</a>', '<a href="/lektion/budget" rel="noopener noreferrer nofollow">x</a>'),
    ('<img src="https://evil.example/p.png" alt="p">', '<img alt="p">'),
    ('<img src="//evil.example/p.png">', "<img>"),
    ('<img src="data:image/png;base64,AAAA">', "<img>"),
    ('<img src="/api/v1/me/data">', "<img>"),
    ('<img src="/static/../api/x">', "<img>"),
    (
        '<img src="/static/bilder/budget.png" alt="Budget" width="200">',
        '<img src="/static/bilder/budget.png" alt="Budget" width="200">',
    ),
    ('<img src="bilder/budget.png" alt="Budget">', '<img src="bilder/budget.png" alt="Budget">'),
    # well-formed output: nothing breaks out of its container
    ("</div><div hx-get='/x' hx-trigger='load'>x", "x"),
    ("<p>a<strong>b</p>c", "<p>a<strong>b</strong></p><strong>c</strong>"),
    # what course text needs survives as written
    ("<p>Ränta på <strong>ränta</strong> och <em>inflation</em>.<br>Ny rad.</p>", None),
    ('<ul><li>ett</li><li>två</li></ul><ol start="3"><li>tre</li></ol>', None),
    ("<h3>Rubrik</h3><h4>Under</h4><h6>Liten</h6>", None),
    ("<p>H<sub>2</sub>O och 10<sup>3</sup></p>", None),
    ("<pre><code>1 + 1 = 2</code></pre>", None),
    ("<blockquote>Citat</blockquote>", None),
    (
        '<table><caption>Budget</caption><thead><tr><th scope="col">Post</th></tr></thead><tbody><tr><td colspan="2">1 000 kr</td></tr></tbody></table>',
        None,
    ),
    ("Vanlig text &amp; 5 &lt; 7", None),
    ("", None),
]


@pytest.mark.parametrize(("html", "expected"), VECTORS)
def test_sanitize_html(html: str, expected: str | None) -> None:
    assert sanitize_html(html) == (html if expected is None else expected)


@pytest.mark.parametrize(("html", "_"), VECTORS)
def test_sanitizing_twice_changes_nothing(html: str, _: str | None) -> None:
    once = sanitize_html(html)
    assert sanitize_html(once) == once


@pytest.mark.parametrize(("html", "_"), VECTORS)
def test_no_htmx_attribute_or_handler_survives(html: str, _: str | None) -> None:
    lowered = sanitize_html(html).lower()
    for needle in ("hx-", "onclick", "onerror", "onload", "onmouseover", "style=", "<script", "javascript:", "<iframe"):
        assert needle not in lowered
