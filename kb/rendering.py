"""Markdown to safe HTML: rendered first, then sanitised with an allow-list."""

from __future__ import annotations

import markdown
import nh3

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "del", "ins",
    "blockquote", "code", "pre", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "th",
    "td", "a", "img", "sup", "sub", "span", "div", "mark", "kbd",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"},
    "td": {"align"},
    "code": {"class"},
    "div": {"class"},
    "span": {"class"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["tables", "fenced_code", "sane_lists", "nl2br"]


def render_markdown(text: str) -> str:
    """Safe HTML for a Markdown text: scripts, event handlers and javascript: links never survive."""
    if not text:
        return ""
    html = markdown.markdown(text, extensions=EXTENSIONS, output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
