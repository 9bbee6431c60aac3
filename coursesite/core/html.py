"""The one sanitiser for author HTML (course content: GIFT `[html]` questions, lesson Markdown). Pure.

An allow-list (the `nh3` package, a binding of the Rust sanitiser ammonia): only the tags and attributes course text
needs survive; everything else is dropped, the text inside kept. Never kept: `script`, `style` and their content,
iframes and other embedding, forms, every event handler (`on*`), `style`, `class`, `id`, and every `hx-*` or
`data-*` attribute (htmx acts on `hx-*` and `data-hx-*`: issue 13), `javascript:` and `data:` URLs.

Links keep `href` with http(s), mailto or a relative address, and get `rel="noopener noreferrer nofollow"`. Images
keep `src` only from the site's own `/static/` path or a relative address (no other host, no `data:`), with `alt`,
`width` and `height`. The output is well-formed: an unclosed or stray tag cannot break out of its container.
"""

from __future__ import annotations

import functools

import nh3

__all__ = ["ALLOWED_TAGS", "sanitize_html"]

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "b", "i", "u", "s", "mark", "small", "sub", "sup", "code", "pre", "kbd",
        "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "h2", "h3", "h4", "h5", "h6", "a", "img", "span",
        "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
    }
)  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
_DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "template", "iframe", "object", "embed", "noscript", "svg", "math"}
)
_URL_SCHEMES = frozenset({"http", "https", "mailto"})
_STATIC = "/static/"


def _relative(url: str) -> bool:
    """A path on this site relative to the page (`bild.png`, `../bilder/a.png`): no scheme, no host, not rooted."""
    head = url.split("?", 1)[0].split("#", 1)[0]
    return ":" not in head and not url.startswith(("/", "\\"))


def _attribute(tag: str, name: str, value: str) -> str | None:
    if tag == "img" and name == "src":
        url = value.strip()
        return url if url.startswith(_STATIC) and "\\" not in url and ".." not in url or _relative(url) else None
    return value


@functools.lru_cache(maxsize=4096)
def sanitize_html(html: str) -> str:
    """`html` with everything but the allow-list above removed. Idempotent: cleaning clean HTML changes nothing."""
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()},
        attribute_filter=_attribute,
        url_schemes=set(_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
