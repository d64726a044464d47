"""The audit log's pages (/admin/audit)."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
