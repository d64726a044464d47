"""The paying-subscriber base per month (the denominator of 万投比): read, replaced per month, imported from CSV.

A month's counts are replaced as a whole (the page and PUT /api/v1/subscriber-counts/<month>): writers of the
same month take turns on its subscriber_months row, so the last one's counts stand whole, never a mix. A CSV
import sets the rows it names (month, zone, service) and leaves the others; any bad row refuses the whole
file, every bad row named by its line. Services flush; callers commit.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from kb.actors import Role
from kb.errors import Forbidden, ValidationError
from kb.orm import utcnow
from kb.vocabulary import SERVICES
from servicedesk.audit.services import record_change
from servicedesk.figures.definitions import parse_month
from servicedesk.figures.models import SubscriberCount, SubscriberMonth
from servicedesk.org.models import Zone

MAX_ROWS = 20_000  # a CSV or a month of more rows than zones × services is not a subscriber base
CSV_COLUMNS = ("month", "zone", "service", "paying")
Key = tuple[str, int | None, str | None]


@dataclass(frozen=True)
class CountLine:
    """One count, checked: zone code and service code (None for all), paying subscribers."""

    zone: str | None
    service: str | None
    paying: int


@dataclass(frozen=True)
class MonthSummary:
    month: str
    rows: int
    desk: int | None  # the all-zones, all-services count, when stored


class CsvRejected(ValidationError):
    """The import refused: lines holds (line number, what is wrong) for every bad row."""

    def __init__(self, lines: list[tuple[int, str]]) -> None:
        shown = "; ".join(f"line {n}: {why}" for n, why in lines[:20])
        more = f" (and {len(lines) - 20} more)" if len(lines) > 20 else ""
        super().__init__(f"Nothing was imported: {shown}{more}.", code="bad_csv",
                         fields={f"line {n}": why for n, why in lines[:100]})
        self.lines = lines


def _require_admin(actor: Any) -> None:
    if getattr(actor, "role", None) != Role.ADMIN:
        raise Forbidden("Only an administrator changes the subscriber base.", code="admin_only")


def paying_lookup(s: Session, months: Sequence[str]) -> dict[Key, int]:
    """(month, zone id or None, service or None) -> paying, for these months."""
    if not months:
        return {}
    rows = s.execute(select(SubscriberCount.month, SubscriberCount.zone_id, SubscriberCount.service,
                            SubscriberCount.paying).where(SubscriberCount.month.in_(list(months))))
    return {(m, z, sv): int(n) for m, z, sv, n in rows}


def month_counts(s: Session, month: str) -> list[SubscriberCount]:
    """The stored counts of a month, the desk-wide first, then by zone code and service."""
    rows = list(s.scalars(select(SubscriberCount).where(SubscriberCount.month == month)
                          .options(joinedload(SubscriberCount.zone))))
    return sorted(rows, key=lambda r: (r.zone is not None, r.zone.code if r.zone else "", r.service or ""))


def list_months(s: Session, *, limit: int = 120) -> list[MonthSummary]:
    """The months with stored counts, newest first."""
    desk = (select(SubscriberCount.paying).where(SubscriberCount.month == SubscriberMonth.month,
                                                 SubscriberCount.zone_id.is_(None), SubscriberCount.service.is_(None))
            .correlate(SubscriberMonth).scalar_subquery())
    rows = (select(SubscriberCount.month, func.count()).group_by(SubscriberCount.month).subquery())
    stmt = (select(SubscriberMonth.month, func.coalesce(rows.c[1], 0), desk)
            .outerjoin(rows, rows.c.month == SubscriberMonth.month)
            .order_by(SubscriberMonth.month.desc()).limit(limit))
    return [MonthSummary(m, int(n), d) for m, n, d in s.execute(stmt)]


def _zone_ids(s: Session) -> dict[str, int]:
    return {code: i for i, code in s.execute(select(Zone.id, Zone.code))}


def _paying(value: object) -> int | None:
    """A whole number >= 0 (an int, or digits as text from a form or CSV); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit() and len(text) <= 12:
            return int(text)
    return None


def check_line(raw: Mapping[str, Any], zones: Mapping[str, int]) -> tuple[CountLine | None, dict[str, str]]:
    """One count as given (zone, service, paying), checked; the problems by field when it is not valid."""
    errors: dict[str, str] = {}
    zone = raw.get("zone")
    zone = zone.strip() if isinstance(zone, str) else zone
    if zone in (None, ""):
        zone = None
    elif not isinstance(zone, str) or zone not in zones:
        errors["zone"] = "unknown zone"
    service = raw.get("service")
    service = service.strip() if isinstance(service, str) else service
    if service in (None, ""):
        service = None
    elif not isinstance(service, str) or service not in SERVICES:
        errors["service"] = "one of: " + ", ".join(SERVICES)
    paying = _paying(raw.get("paying"))
    if paying is None:
        errors["paying"] = "a whole number, 0 or more"
    if errors:
        return None, errors
    assert paying is not None
    return CountLine(zone=zone, service=service, paying=paying), {}


def _lock_month(s: Session, month: str, actor: Any) -> SubscriberMonth:
    """The month's row, created if new, locked until the commit: writers of one month take turns."""
    now = utcnow()
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    s.execute(insert(SubscriberMonth).values(month=month, updated_at=now, updated_by_id=getattr(actor, "id", None))
              .on_conflict_do_nothing(index_elements=["month"]))
    row = s.get(SubscriberMonth, month, with_for_update=True, populate_existing=True)
    assert row is not None
    row.updated_at = now
    row.updated_by_id = getattr(actor, "id", None)
    return row


def _snapshot(s: Session, month: str) -> list[list[Any]]:
    return [[r.zone.code if r.zone else None, r.service, r.paying] for r in month_counts(s, month)]


def replace_month(s: Session, actor: Any, month: object, counts: Iterable[Mapping[str, Any]]) -> list[SubscriberCount]:
    """Replaces a month's counts with these (admins only): all of them or, on any bad entry, none; the
    entries' problems are named counts[i].field. An empty list clears the month."""
    _require_admin(actor)
    text = parse_month(month)
    zones = _zone_ids(s)
    lines: list[CountLine] = []
    errors: dict[str, str] = {}
    seen: dict[tuple[str | None, str | None], int] = {}
    items = list(counts)
    if len(items) > MAX_ROWS:
        raise ValidationError(f"At most {MAX_ROWS} counts a month.", fields={"counts": f"at most {MAX_ROWS}"})
    for i, raw in enumerate(items):
        if not isinstance(raw, Mapping):
            errors[f"counts[{i}]"] = "must be an object"
            continue
        line, bad = check_line(raw, zones)
        errors.update({f"counts[{i}].{name}": why for name, why in bad.items()})
        if line is None:
            continue
        key = (line.zone, line.service)
        if key in seen:
            errors[f"counts[{i}]"] = f"the same zone and service as counts[{seen[key]}]"
            continue
        seen[key] = i
        lines.append(line)
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"Nothing was saved: {first}: {errors[first]}.", fields=errors)
    _lock_month(s, text, actor)
    before = _snapshot(s, text)
    s.execute(delete(SubscriberCount).where(SubscriberCount.month == text))
    rows = [SubscriberCount.of(text, zones[ln.zone] if ln.zone else None, ln.service, ln.paying) for ln in lines]
    s.add_all(rows)
    s.flush()
    after = _snapshot(s, text)
    record_change(s, actor, "subscriber_counts.replace", object_type="subscriber_month", object_id=text,
                  object_label=text, changes={"counts": [before, after]} if before != after else {})
    return month_counts(s, text)


def import_csv(s: Session, actor: Any, data: bytes) -> int:
    """Sets the counts a CSV names (header month,zone,service,paying; empty zone or service means all), leaving
    the months' other rows as they are; returns how many rows were set. Any bad row refuses the file: a
    CsvRejected names every bad line."""
    _require_admin(actor)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvRejected([(1, "the file is not UTF-8 text")]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    bad: list[tuple[int, str]] = []
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise CsvRejected([(reader.line_num or 1, f"not CSV ({exc})")]) from None
    if not rows or [c.strip().lower() for c in rows[0]] != list(CSV_COLUMNS):
        raise CsvRejected([(1, "the first line must be the header: " + ",".join(CSV_COLUMNS))])
    if len(rows) - 1 > MAX_ROWS:
        raise CsvRejected([(MAX_ROWS + 2, f"at most {MAX_ROWS} rows")])
    zones = _zone_ids(s)
    wanted: dict[Key, tuple[int, int]] = {}  # key -> (line, paying)
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue  # blank lines are no rows
        if len(cells) != len(CSV_COLUMNS):
            bad.append((number, f"{len(cells)} columns, expected {len(CSV_COLUMNS)}"))
            continue
        raw = dict(zip(CSV_COLUMNS, cells, strict=True))
        problems: list[str] = []
        try:
            month = parse_month(raw["month"])
        except ValidationError:
            problems.append(f"month '{raw['month'].strip()}' is not YYYY-MM")
            month = ""
        line, errors = check_line(raw, zones)
        for name, why in errors.items():
            problems.append(f"{name} '{raw[name].strip()}': {why}")
        if problems or line is None:
            bad.append((number, "; ".join(problems)))
            continue
        key = (month, zones[line.zone] if line.zone else None, line.service)
        if key in wanted:
            bad.append((number, f"the same month, zone and service as line {wanted[key][0]}"))
            continue
        wanted[key] = (number, line.paying)
    if bad:
        raise CsvRejected(bad)
    for month in sorted({k[0] for k in wanted}):
        _lock_month(s, month, actor)
    existing = {(r.month, r.zone_id, r.service): r for r in s.scalars(
        select(SubscriberCount).where(SubscriberCount.month.in_(sorted({k[0] for k in wanted}))))}
    for key, (_, paying) in wanted.items():
        if key in existing:
            existing[key].paying = paying
        else:
            s.add(SubscriberCount.of(key[0], key[1], key[2], paying))
    s.flush()
    record_change(s, actor, "subscriber_counts.import", object_type="subscriber_month",
                  object_id=",".join(sorted({k[0] for k in wanted}))[:64], object_label="CSV",
                  changes={"rows": [None, len(wanted)]})
    return len(wanted)
