"""The portal's blueprint; its routes live in views.py, reporting.py and reading.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("portal", __name__)
