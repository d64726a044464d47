"""Checks on plain values shared by every service; each failure names the field."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeVar

from kb.errors import ValidationError

E = TypeVar("E", bound=StrEnum)

# C0 control characters other than tab, newline and carriage return: never typed by a person, and
# PostgreSQL refuses NUL outright.
_C0 = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
CONTROL = re.compile(f"[{_C0}]")
# What is stripped from every text a person gives the desk: the C0 controls above, the C1 controls, the
# bidirectional formatting characters (Bidi_Control: U+061C, U+200E/F, U+202A-E, U+2066-9), with which a
# name such as "invoice\u202efdp.exe" shows as "invoiceexe.pdf", and lone surrogates, which no database
# can store.
UNSAFE_CHARS = re.compile(f"[{_C0}\x80-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# Where a text must stay on one line (file names, titles), tabs and line breaks become one space.
# The spaces beside a break go with it, so "a \n b" is "a b", not "a   b".
_BREAKS = re.compile(r" *[\t\n\r\u2028\u2029][ \t\n\r\u2028\u2029]*")


def strip_unsafe(text: str, *, single_line: bool = False) -> str:
    """text without control, bidirectional-formatting and lone surrogate characters (tab, newline and
    carriage return are kept unless single_line, where each run of them becomes one space)."""
    if single_line:
        text = _BREAKS.sub(" ", text)
    return UNSAFE_CHARS.sub("", text)


# Fields shown on one line in lists, mails and page headings: a tab or line break in them becomes one space.
SINGLE_LINE_FIELDS = frozenset({"title"})


def clean_text(value: object, field: str, *, max_len: int, required: bool = True,
               single_line: bool = False) -> str:
    """The value as stripped, safe text (see strip_unsafe), or a ValidationError for a wrong type,
    emptiness or excess length. A title (field "title": articles, incidents) always stays on one line."""
    single_line = single_line or field in SINGLE_LINE_FIELDS
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"'{field}' must be text.", fields={field: "must be a string"})
    value = strip_unsafe(value, single_line=single_line).strip()
    if required and not value:
        raise ValidationError(f"'{field}' is required.", fields={field: "required"})
    if len(value) > max_len:
        raise ValidationError(f"'{field}' is longer than {max_len} characters.",
                              fields={field: f"at most {max_len} characters"})
    return value


def parse_enum(cls: type[E], value: object, field: str) -> E:
    """The member of cls named by value, or a ValidationError listing the allowed values."""
    allowed = [m.value for m in cls]
    if isinstance(value, str):
        try:
            return cls(value)
        except ValueError:
            pass
    raise ValidationError(f"'{field}' must be one of: {', '.join(allowed)}.",
                          fields={field: "one of: " + ", ".join(allowed)})


def clean_list(value: object, field: str, *, max_items: int = 30, max_len: int = 60,
               allowed: Iterable[str] | None = None) -> list[str]:
    """A de-duplicated list of short strings (a comma-separated string is accepted too)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = re.split(r"[,，;；\n]", value)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(f"'{field}' must be a list of strings.", fields={field: "must be a list of strings"})
    out: list[str] = []
    for raw in value:
        item = strip_unsafe(raw, single_line=True).strip()
        if not item or item in out:
            continue
        if len(item) > max_len:
            raise ValidationError(f"Each entry of '{field}' is at most {max_len} characters.",
                                  fields={field: f"entries at most {max_len} characters"})
        out.append(item)
    if len(out) > max_items:
        raise ValidationError(f"'{field}' holds at most {max_items} entries.",
                              fields={field: f"at most {max_items} entries"})
    if allowed is not None:
        allowed_set = set(allowed)
        bad = [v for v in out if v not in allowed_set]
        if bad:
            raise ValidationError(f"Unknown value(s) in '{field}': {', '.join(bad)}.",
                                  fields={field: "unknown: " + ", ".join(bad)})
    return out


def clean_datetime(value: object, field: str) -> datetime | None:
    """An aware time in UTC from an ISO 8601 text (or datetime) with an offset; None for empty."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(f"'{field}' must be an ISO 8601 date-time such as 2024-05-20T01:00:00+08:00.",
                                  fields={field: "an ISO 8601 date-time"}) from None
    if not isinstance(value, datetime):
        raise ValidationError(f"'{field}' must be an ISO 8601 date-time such as 2024-05-20T01:00:00+08:00.",
                              fields={field: "an ISO 8601 date-time"})
    if value.tzinfo is None:
        # A time without an offset means different moments to the desk and to a remote system.
        raise ValidationError(f"'{field}' needs a UTC offset, e.g. 2024-05-20T01:00:00+08:00.",
                              fields={field: "needs a UTC offset"})
    return value.astimezone(UTC)


def clean_bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"'{field}' must be true or false.", fields={field: "must be a boolean"})
    return value


MAX_ID = 2**31 - 1


def is_valid_id(value: object) -> bool:
    """A positive integer that fits an INTEGER primary key (bigger ones cannot exist)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID
