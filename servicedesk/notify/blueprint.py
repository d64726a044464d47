"""The notifications blueprint; its pages live in views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notify", __name__, url_prefix="/notify")
