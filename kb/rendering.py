"""Markdown to safe HTML: rendered first, then sanitised with an allow-list."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import unquote

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


def render_markdown(text: str, images: Mapping[str, str] | None = None) -> str:
    """Safe HTML for a Markdown text: scripts, event handlers and javascript: links never survive.

    An image shows only when it names one of images (the article's attachments: file name -> URL), so
    ![拓扑图](topology.png) shows that attachment; any other image, external URLs included, keeps its alt
    text and loses its source (closed intranets: a page never fetches from outside).
    """
    if not text:
        return ""
    known = images or {}

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            name = unquote(value).strip()
            return known.get(name.removeprefix("./"))
        return value

    html = markdown.markdown(text, extensions=EXTENSIONS, output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        attribute_filter=keep,
    )


# Markdown marks that mean nothing as plain text (for search snippets and summaries).
_RULE = re.compile(r"(?:\|?\s*:?-{3,}:?\s*)+\|?|([-*_])(?:\s*\1){2,}")
_HEADING = re.compile(r"#{1,6}(?:\s+|$)")
_LIST_ITEM = re.compile(r"[-*+]\s+(?:\[[ xX]\]\s+)?")
_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)")
_TAG = re.compile(r"</?[A-Za-z][^>\n]*>")
_STRONG = re.compile(r"(\*\*|__|~~)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(r"([*_])(?<![\w*][*_])(?=[^\s*_])(.+?)(?<=[^\s*_])\1(?![\w*])")
_MARK_CHARS = frozenset("*_#>|[`~<-+")


def _plain_line(line: str) -> str | None:
    """One line without its block marks; None for a line that is only marks (fence, rule, table border)."""
    s = line.strip()
    if not s:
        return s
    first = s[0]
    if first in "`~" and s[:3] in ("```", "~~~"):
        return None
    if first in "|:-*_" and _RULE.fullmatch(s):
        return None
    if first == "#":
        m = _HEADING.match(s)
        if m:
            s = s[m.end():].rstrip("#").rstrip()
    elif first == ">":
        s = s.lstrip("> \t")
    elif first in "-*+":
        m = _LIST_ITEM.match(s)
        if m:
            s = s[m.end():]
    if "|" in s:
        s = " ".join(cell.strip() for cell in s.strip("|").split("|"))
    return s


def markdown_to_text(text: str) -> str:
    """The words of a Markdown text without its marks (emphasis, headings, tables, links, code fences).

    Line by line with a few regular expressions, no parsing: cheap enough for every indexed article.
    """
    if not text or _MARK_CHARS.isdisjoint(text):
        return text
    text = "\n".join(p for p in map(_plain_line, text.split("\n")) if p is not None)
    if "](" in text:
        text = _LINK.sub(r"\1", text.replace("![", "["))
    if "<" in text:
        text = _TAG.sub("", text)
    if "**" in text or "__" in text or "~~" in text:
        text = _STRONG.sub(r"\2", text)
    if "*" in text or "_" in text:
        text = _EMPHASIS.sub(r"\2", text)
    return text.replace("`", "").strip()
