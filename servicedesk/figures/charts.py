"""What the figure pages show of each figure: its name, how it is written, how it stands against its target,
and the Apache ECharts options of the charts, built here as plain JSON-ready dicts.

The browser only draws (static/figures.js reads the JSON the page embeds); every number a chart shows is also
in a table beside it, so the page reads the same without JavaScript. No function-valued options: the options
travel as JSON, and tooltips render as rich text on the canvas (HTML tooltips carry inline styles the
Content-Security-Policy refuses).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l

from servicedesk.figures.definitions import RATES, figure_label

SHORT_LABELS: dict[str, Any] = {
    "repair_timeliness": _l("Repair timeliness"),
    "install_timeliness": _l("Install timeliness"),
    "response_timeliness": _l("Response timeliness"),
    "repeat_rate": _l("Repeat-report rate"),
    "complaints_per_10k": _l("Complaints per 10k"),
    "escalation_rate": _l("Escalation rate"),
    "first_line_resolution": _l("First-line resolution"),
    "kb_reuse": _l("KB reuse"),
    "participation": _l("Rating participation"),
    "satisfaction": _l("Satisfaction"),
    "reported": _l("Reported"),
    "closed": _l("Closed"),
    "breached": _l("SLA breached"),
    "caused_by_changes": _l("Caused by changes"),
}
BREAKDOWN_LABELS: dict[str, Any] = {
    "station": _l("Service station"),
    "group": _l("Maintenance group"),
    "zone": _l("Zone"),
    "agent": _l("Person"),
    "service": _l("Service"),
    "report_type": _l("Report type"),
    "category": _l("Category"),
    "area": _l("Area"),
    "day": _l("Day"),
    "week": _l("Week"),
    "month": _l("Month"),
}
# The breakdowns a table and bar chart can show; day/week/month are the trend's.
TABLE_BREAKDOWNS = ("station", "group", "zone", "agent", "service", "report_type", "category", "area")
TREND_STEPS = ("day", "week", "month")

# Shown as a share (0..1 → %); complaints_per_10k is a number of its own; the rest are counts.
PERCENT_FIGURES = frozenset({
    "repair_timeliness", "install_timeliness", "response_timeliness", "repeat_rate", "escalation_rate",
    "first_line_resolution", "kb_reuse", "participation", "satisfaction",
})
# Where less is better, so "on target" means at or below it.
LOWER_IS_BETTER = frozenset({"repeat_rate", "complaints_per_10k", "escalation_rate", "breached", "caused_by_changes",
                             "repeat_reports", "complaining_subscribers"})
# The headline cards, in the order the operators read them; each with the counts it is made of.
HEADLINE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("repair_timeliness", ("faults_in_time", "resolved_faults")),
    ("install_timeliness", ("installs_in_time", "resolved_installs")),
    ("response_timeliness", ("responded_in_time", "responded")),
    ("repeat_rate", ("repeat_reports", "closed")),
    ("complaints_per_10k", ("complaining_subscribers", "paying_subscribers")),
    ("escalation_rate", ("escalated", "reported")),
    ("first_line_resolution", ()),
    ("kb_reuse", ("kb_reused", "closed")),
    ("participation", ("rated", "closed")),
    ("satisfaction", ("satisfied", "rated")),
    ("breached", ("reported",)),
    ("caused_by_changes", ("reported",)),
)
# The figures the breakdown table lists (a column each) and the rankings may sort by.
TABLE_FIGURES = ("reported", "resolved_faults", "repair_timeliness", "install_timeliness", "response_timeliness",
                 "closed", "repeat_rate", "complaining_subscribers", "complaints_per_10k", "escalation_rate",
                 "kb_reuse", "participation", "satisfaction", "breached", "caused_by_changes")
RANK_FIGURES = ("repair_timeliness", "install_timeliness", "response_timeliness", "repeat_rate",
                "complaints_per_10k", "escalation_rate", "first_line_resolution", "kb_reuse", "participation",
                "satisfaction", "reported", "closed", "breached")
# Figures that count incidents: their numbers link to the incidents behind them.
COUNT_FIGURES = frozenset({"reported", "resolved_faults", "faults_in_time", "resolved_installs", "installs_in_time",
                           "responded", "responded_in_time", "closed", "repeat_reports", "complaining_subscribers",
                           "escalated", "kb_reused", "rated", "satisfied", "unreachable", "breached",
                           "caused_by_changes"})
# Amber: short of the target by no more than this share of it.
AMBER_MARGIN = 0.05
PALETTE = ["#0b5fae", "#1b7340", "#c2410c", "#7c3aed", "#0e7490", "#b3261e"]


class RowLike(Protocol):
    @property
    def key(self) -> str | None: ...

    @property
    def label(self) -> str: ...

    @property
    def values(self) -> dict[str, int | float | None]: ...


def short_label(figure: str) -> str:
    return str(SHORT_LABELS[figure]) if figure in SHORT_LABELS else figure_label(figure)


def drill_figure(figure: str) -> str | None:
    """The count whose incidents stand behind a figure: itself for a count, for a rate what it is a share of
    (its numerator when the denominator counts no incidents, as 万投比's paying subscribers)."""
    if figure in COUNT_FIGURES:
        return figure
    parts = RATES.get(figure)
    if parts is None:
        return None
    numerator, denominator = parts
    return denominator if denominator in COUNT_FIGURES else numerator if numerator in COUNT_FIGURES else None


def is_percent(figure: str) -> bool:
    return figure in PERCENT_FIGURES


def shown(figure: str, value: int | float | None) -> str | None:
    """The value as the pages write it (92.5%, 3.41, 17), or None for "no data"."""
    if value is None:
        return None
    if figure in PERCENT_FIGURES:
        return f"{value * 100:.1f}%"
    if figure == "complaints_per_10k":
        return f"{value:.2f}"
    return f"{int(value):,}"


def target_shown(figure: str, target: float | None) -> str | None:
    return shown(figure, target)


def standing(figure: str, value: int | float | None, target: float | None) -> str | None:
    """good / near / bad against the target (green, amber, red), or None without a value or a target."""
    if value is None or target is None:
        return None
    margin = abs(target) * AMBER_MARGIN
    if figure in LOWER_IS_BETTER:
        if value <= target:
            return "good"
        return "near" if value <= target + margin else "bad"
    if value >= target:
        return "good"
    return "near" if value >= target - margin else "bad"


def _point(figure: str, value: int | float | None) -> float | None:
    """A value as a chart plots it: percentages as 0..100, rounded; no data stays a gap."""
    if value is None:
        return None
    if figure in PERCENT_FIGURES:
        return round(value * 100, 1)
    return round(float(value), 2)


def _axis_unit(figures: Sequence[str]) -> str:
    return "{value}%" if figures and all(f in PERCENT_FIGURES for f in figures) else "{value}"


def _percent_max(figures: Sequence[str]) -> dict[str, Any]:
    return {"min": 0, "max": 100} if figures and all(f in PERCENT_FIGURES for f in figures) else {}


def _base(title: str) -> dict[str, Any]:
    return {
        "animation": False,
        "color": PALETTE,
        "aria": {"enabled": True, "label": {"description": title}},
        "tooltip": {"trigger": "axis", "renderMode": "richText", "confine": True},
        "textStyle": {"fontFamily": "system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"},
    }


def trend_option(rows: Sequence[RowLike], figures: Sequence[str], *, counts: str | None = "reported",
                 title: str = "") -> dict[str, Any]:
    """A line per rate over the periods of rows (the desk row left out), with the counts as bars behind."""
    points = [r for r in rows if r.key is not None]
    labels = [r.label for r in points]
    option = _base(title)
    option.update({
        "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": 8, "right": 8, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": labels, "axisLabel": {"hideOverlap": True}},
        "yAxis": [{"type": "value", "axisLabel": {"formatter": _axis_unit(figures)},
                   **_percent_max(figures)}],
        "series": [{"name": short_label(f), "type": "line", "connectNulls": False, "showSymbol": len(points) <= 31,
                    "data": [_point(f, r.values.get(f)) for r in points]} for f in figures],
    })
    if counts:
        option["yAxis"].append({"type": "value", "splitLine": {"show": False}, "minInterval": 1})
        option["series"].insert(0, {"name": short_label(counts), "type": "bar", "yAxisIndex": 1,
                                    "itemStyle": {"color": "#c9d6e3"}, "barMaxWidth": 24,
                                    "data": [_point(counts, r.values.get(counts)) for r in points]})
    return option


def breakdown_option(rows: Sequence[RowLike], figure: str, *, title: str = "",
                     target: float | None = None) -> dict[str, Any]:
    """Horizontal bars of one figure per breakdown value (the desk row left out), best at the top."""
    points = [r for r in rows if r.key is not None]
    points = list(reversed(points))  # ECharts draws the first category at the bottom
    option = _base(title)
    option["tooltip"] = {"trigger": "axis", "axisPointer": {"type": "shadow"}, "renderMode": "richText",
                         "confine": True}
    series: dict[str, Any] = {
        "name": short_label(figure), "type": "bar", "barMaxWidth": 22,
        "data": [_point(figure, r.values.get(figure)) for r in points],
        "label": {"show": True, "position": "right",
                  "formatter": "{c}%" if figure in PERCENT_FIGURES else "{c}"},
    }
    if target is not None:
        series["markLine"] = {"symbol": "none", "silent": True, "label": {"formatter": str(_l("Target"))},
                              "lineStyle": {"color": "#b3261e", "type": "dashed"},
                              "data": [{"xAxis": _point(figure, target)}]}
    option.update({
        "grid": {"left": 8, "right": 48, "top": 8, "bottom": 8, "containLabel": True},
        "yAxis": {"type": "category", "data": [_cut(r.label) for r in points]},
        "xAxis": {"type": "value", "axisLabel": {"formatter": _axis_unit([figure])}, **_percent_max([figure])},
        "series": [series],
    })
    return option


def chart_height(rows: Sequence[RowLike], *, per_row: int = 28, least: int = 220, most: int = 900) -> int:
    """Pixels a bar chart needs for its rows, so long breakdowns stay readable."""
    return max(least, min(most, 40 + per_row * sum(1 for r in rows if r.key is not None)))


def _cut(text: str, width: int = 14) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def sort_rows(rows: Sequence[RowLike], figure: str) -> list[RowLike]:
    """The rows (desk row left out) best first by figure; rows without data last, then by label."""
    points = [r for r in rows if r.key is not None]
    lower = figure in LOWER_IS_BETTER

    def key(r: RowLike) -> tuple[int, float, str]:
        value = r.values.get(figure)
        if value is None:
            return (1, 0.0, r.label)
        return (0, float(value) if lower else -float(value), r.label)

    return sorted(points, key=key)


def values_of(row: RowLike | None) -> Mapping[str, int | float | None]:
    return row.values if row is not None else {}
