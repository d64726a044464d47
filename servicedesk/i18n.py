"""Language and time zone: from the user's choice, the lang cookie, or the browser."""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user

from servicedesk.extensions import babel

LANG_COOKIE = "lang"


def normalize_locale(value: str | None) -> str | None:
    if not value:
        return None
    value = value.replace("-", "_")
    if value.lower().startswith("zh"):
        return "zh_CN"
    if value.lower().startswith("en"):
        return "en"
    return None


def select_locale() -> str:
    if current_user and current_user.is_authenticated and normalize_locale(current_user.locale):
        return normalize_locale(current_user.locale)  # type: ignore[return-value]
    chosen = normalize_locale(request.cookies.get(LANG_COOKIE))
    if chosen:
        return chosen
    best = request.accept_languages.best_match(["zh_CN", "zh", "zh_TW", "en", "en_US", "en_GB"])
    return normalize_locale(best) or "zh_CN"


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(app.root_path + "/translations"))
    babel.init_app(app, locale_selector=select_locale)
