"""Service-level targets as data, with the operators' figures as defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from servicedesk.incidents.workflow import Area, Category

# (category, area) -> hours to resolve. From the operators' practice: faults 4 h urban / 8 h
# township, complaints 2 h / 5 h, new-service installs (requests) 24 h / 48 h.
DEFAULT_RESOLVE_HOURS: dict[tuple[str, str], float] = {
    ("fault", "urban"): 4,
    ("fault", "township"): 8,
    ("complaint", "urban"): 2,
    ("complaint", "township"): 5,
    ("request", "urban"): 24,
    ("request", "township"): 48,
    ("consultation", "urban"): 24,
    ("consultation", "township"): 48,
}


@dataclass(frozen=True)
class SlaPolicy:
    respond_minutes: float = 30
    leased_line_respond_minutes: float = 5
    resolve_hours: Mapping[tuple[str, str], float] = field(default_factory=lambda: dict(DEFAULT_RESOLVE_HOURS))

    def due_times(self, *, created_at: datetime, category: Category, area: Area,
                  service: str, service_level: str = "normal") -> tuple[datetime, datetime]:
        """(respond_by, resolve_by) for an incident opened at created_at."""
        enterprise = service == "leased_line" or service_level == "enterprise"
        respond = self.leased_line_respond_minutes if enterprise else self.respond_minutes
        hours = self.resolve_hours.get((category.value, area.value), 24)
        return created_at + timedelta(minutes=respond), created_at + timedelta(hours=hours)

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> SlaPolicy:
        hours = dict(DEFAULT_RESOLVE_HOURS)
        overrides = config.get("SLA_RESOLVE_HOURS") or {}
        if isinstance(overrides, Mapping):
            for key, value in overrides.items():
                cat, _, area = str(key).partition(":")
                hours[(cat, area)] = float(value)
        return cls(
            respond_minutes=float(config.get("SLA_RESPOND_MINUTES", 30)),  # type: ignore[arg-type]
            leased_line_respond_minutes=float(config.get("SLA_LEASED_LINE_RESPOND_MINUTES", 5)),  # type: ignore[arg-type]
            resolve_hours=hours,
        )


DEFAULT_POLICY = SlaPolicy()


def is_breached(*, now: datetime, resolve_by: datetime, resolved_at: datetime | None) -> bool:
    return (resolved_at or now) > resolve_by


AT_RISK_SHARE = 0.2  # the last 20% of the resolve window


def sla_state(*, now: datetime, created_at: datetime, resolve_by: datetime, resolved_at: datetime | None,
              paused_at: datetime | None = None) -> str:
    """on_track, at_risk (last 20% of the window), breached, or paused (the clock stands still)."""
    if paused_at is not None and resolved_at is None:
        # The clock stopped when the incident was paused: judge it at that moment, not now.
        return "breached" if paused_at > resolve_by else "paused"
    if is_breached(now=now, resolve_by=resolve_by, resolved_at=resolved_at):
        return "breached"
    if resolved_at is not None:
        return "on_track"
    if paused_at is not None:
        return "paused"
    window = (resolve_by - created_at).total_seconds()
    left = (resolve_by - now).total_seconds()
    return "at_risk" if window > 0 and left <= window * AT_RISK_SHARE else "on_track"
