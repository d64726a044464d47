"""The shapes of the figures API (/reports/figures, /reports/targets, /subscriber-counts), declared once."""

from __future__ import annotations

from typing import Any

from pydantic import Field, create_model

from servicedesk.api.contract import Input, Output, Query, QueryText
from servicedesk.figures.definitions import BREAKDOWNS, FIGURES, RATES


class PeriodQuery(Query):
    from_: QueryText = Field("", alias="from", description="First day, YYYY-MM-DD (default: the 1st of this month)")
    to: QueryText = Field("", description="Last day, inclusive, YYYY-MM-DD (default: today)")


class FiguresQuery(PeriodQuery):
    by: QueryText = Field("", description="Breakdown: " + ", ".join(BREAKDOWNS) + " (empty: the desk only)")


def _figure_type(name: str) -> Any:
    return float | None if name in RATES else int | None


# Every figure of API.md; rates are null when there is nothing to divide by.
FigureRow = create_model(  # type: ignore[call-overload]
    "FigureRow", __base__=Output,
    key=(str | None, Field(description="null for the whole desk; the breakdown's value otherwise ('-': none)")),
    label=(str, ...),
    **{name: (_figure_type(name), ...) for name in FIGURES},
)


class FiguresReport(Output):
    from_: str = Field(alias="from")
    to: str
    by: str | None
    rows: list[FigureRow]  # type: ignore[valid-type]


class CountInput(Input):
    zone: str | None = Field(None, description="Zone code; null: all zones")
    service: str | None = Field(None, description="Service code; null: all services")
    paying: int = Field(ge=0, le=10**12, description="Paying subscribers")


class SubscriberCountsInput(Input):
    counts: list[CountInput] = Field(max_length=20_000)


class SubscriberCountOut(Output):
    zone: str | None
    service: str | None
    paying: int


class SubscriberCounts(Output):
    month: str
    counts: list[SubscriberCountOut]
    updated_at: str | None


class Targets(Output):
    targets: dict[str, float]
    unrated_as: int | None = Field(description="Stars an unrated closure counts as in satisfaction; null: left out")


class TargetsInput(Input):
    targets: dict[str, float] = Field(default_factory=dict, description="rate -> target")
    unrated_as: int | None = Field(None, ge=1, le=5)


class PromiseTally(Output):
    kept: int
    missed: int
    pending: int = Field(description="Not judged yet (no visit agreed while the half hour runs; not arrived yet)")
    rate: float | None = Field(description="kept / (kept + missed); null when nothing is judged")


class EngineerPromisesOut(Output):
    username: str | None = Field(description="Null for incidents with no engineer")
    name: str
    dispatched: int
    agreed_in_time: PromiseTally
    arrived_in_window: PromiseTally


class AppointmentFigures(Output):
    from_: str = Field(alias="from")
    to: str
    within_minutes: int = Field(description="How soon after dispatch a visit must be agreed "
                                            "(APPOINTMENT_WITHIN_MINUTES)")
    dispatched: int = Field(description="Incidents first given to an engineer in the period")
    agreed_in_time: PromiseTally = Field(description="预约及时率: a window agreed within within_minutes of dispatch")
    arrived_in_window: PromiseTally = Field(description="履约准时率: the engineer arrived inside the window in force")
    engineers: list[EngineerPromisesOut]
