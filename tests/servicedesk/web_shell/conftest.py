"""Helpers for the page tests."""

from __future__ import annotations

import re


def csrf_token(html: str) -> str:
    match = re.search(r'name="(?:[\w-]+-)?csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)
