"""Differences between two revisions of an article, field by field, line by line."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime

from kb.models import ArticleRevision

FIELDS = ("title", "symptom", "cause", "steps", "body", "services", "category", "tags", "fault_codes",
          "device_models", "visibility", "change_kind", "change_ref", "planned_start", "planned_end")


@dataclass(frozen=True)
class FieldDiff:
    field: str
    lines: list[tuple[str, str]]  # (" " | "-" | "+", text)


def _as_lines(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, datetime):
        return [value.isoformat()]
    text = getattr(value, "value", value)
    return str(text or "").splitlines()


def diff_revisions(old: ArticleRevision, new: ArticleRevision) -> list[FieldDiff]:
    """Only the fields that differ, each as a unified line diff without context limits."""
    out: list[FieldDiff] = []
    for name in FIELDS:
        a, b = _as_lines(getattr(old, name)), _as_lines(getattr(new, name))
        if a == b:
            continue
        lines: list[tuple[str, str]] = []
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
            if tag == "equal":
                lines.extend((" ", line) for line in a[i1:i2])
                continue
            lines.extend(("-", line) for line in a[i1:i2])
            lines.extend(("+", line) for line in b[j1:j2])
        out.append(FieldDiff(name, lines))
    return out
