"""The service figures: one module computes them (compute), and the pages, the exports and the API read it.

Stored beside them: the paying-subscriber base per month (subscribers), the figures' targets and the
operator's counting rules (settings). The definitions are API.md's ("Service figures"); see compute's
docstring for how each set is read.
"""

from servicedesk.figures.compute import compute, desk_timezone, incidents_behind
from servicedesk.figures.definitions import (
    BREAKDOWNS,
    FIGURES,
    PERCENT_RATES,
    RATES,
    FiguresError,
    Row,
    figure_label,
    parse_month,
    parse_period,
)
from servicedesk.figures.exports import export_csv, export_xlsx
from servicedesk.figures.settings import set_target, set_unrated_as, targets, unrated_as

__all__ = [
    "BREAKDOWNS", "FIGURES", "PERCENT_RATES", "RATES", "FiguresError", "Row", "compute", "desk_timezone",
    "export_csv", "export_xlsx", "figure_label", "incidents_behind", "parse_month", "parse_period", "set_target",
    "set_unrated_as", "targets", "unrated_as",
]
