"""Each figure of API.md against hand-counted values of a played-out month, for the desk and by zone, agent
and day; the operator's unrated rule; drill-down; bad periods."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from kb.errors import Forbidden
from servicedesk.figures import (
    BREAKDOWNS,
    FIGURES,
    RATES,
    FiguresError,
    compute,
    incidents_behind,
    parse_period,
    set_target,
    set_unrated_as,
    targets,
)
from tests.servicedesk.figures.scenario import AGENTS, DAYS, DESK, END, NOW, START, ZONES, play_month, store_counts

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def month(s, agent, lead, admin, subscriber):
    m = play_month(agent, lead, admin, subscriber)
    store_counts(admin)
    return m


def check(values, expected, where):
    for name, want in expected.items():
        got = values[name]
        if want is None or got is None:
            assert got == want, f"{where}: {name} is {got}, expected {want}"
        else:
            assert got == pytest.approx(want), f"{where}: {name} is {got}, expected {want}"


def test_desk_row_has_every_figure_counted_by_hand(s, month):
    rows = compute(s, START, END, tz=TZ, now=NOW)
    assert len(rows) == 1 and rows[0].key is None
    assert list(rows[0].values) == list(FIGURES)
    check(rows[0].values, DESK, "desk")
    assert set(DESK) == set(FIGURES)  # the hand count covers every figure


@pytest.mark.parametrize(("by", "expected"), [("zone", ZONES), ("agent", AGENTS), ("day", DAYS)])
def test_breakdowns_against_hand_counts(s, month, by, expected):
    rows = compute(s, START, END, by, tz=TZ, now=NOW)
    assert rows[0].key is None
    check(rows[0].values, DESK, f"desk row by {by}")
    found = {r.key: r for r in rows[1:]}
    for key, values in expected.items():
        check(found[key].values, values, f"{by} {key}")
    if by == "day":
        assert len(rows) == 1 + 31  # every day of March, empty ones included, for a trend
    for name in ("reported", "closed", "resolved_faults", "responded", "breached", "rated"):
        assert sum(r.values[name] for r in rows[1:]) == rows[0].values[name]  # each incident in one row


def test_labels_are_names_people_read(s, month):
    zones = {r.key: r.label for r in compute(s, START, END, "zone", tz=TZ, now=NOW)}
    assert zones["CD-01"] == "城东一片区"
    agents = {r.key: r.label for r in compute(s, START, END, "agent", tz=TZ, now=NOW)}
    assert agents["li.na"] == "李娜"
    weeks = [r.key for r in compute(s, START, END, "week", tz=TZ, now=NOW)[1:]]
    assert weeks[0] == "2025-W09" and weeks[-1] == "2025-W14"
    months = compute(s, START, END, "month", tz=TZ, now=NOW)
    assert [r.key for r in months[1:]] == ["2025-03"]
    check(months[1].values, DESK, "the month's row")


@pytest.mark.parametrize("by", [b for b in BREAKDOWNS if b not in ("zone", "agent", "day")])
def test_every_breakdown_adds_up_to_the_desk(s, month, by):
    rows = compute(s, START, END, by, tz=TZ, now=NOW)
    for name in ("reported", "closed", "resolved_faults", "resolved_installs", "escalated", "kb_reused"):
        assert sum(r.values[name] for r in rows[1:]) == rows[0].values[name], (by, name)


def test_unrated_closures_count_as_the_operator_says(s, month, admin):
    set_unrated_as(s, admin, 3)  # seeds 003: no rating counts as three stars
    desk = compute(s, START, END, tz=TZ, now=NOW)[0].values
    assert desk["satisfaction"] == pytest.approx(1 / 3)  # A satisfied; B and C (unrated, as 3) not
    assert desk["participation"] == pytest.approx(2 / 3)  # real ratings only
    set_unrated_as(s, admin, 5)
    assert compute(s, START, END, tz=TZ, now=NOW)[0].values["satisfaction"] == pytest.approx(2 / 3)
    set_unrated_as(s, admin, None)
    assert compute(s, START, END, tz=TZ, now=NOW)[0].values["satisfaction"] == pytest.approx(0.5)


def test_rates_are_none_with_nothing_to_divide_by(s):
    desk = compute(s, date(2024, 1, 1), date(2024, 1, 31), tz=TZ, now=NOW)[0].values
    for rate in RATES:
        assert desk[rate] is None, rate
    assert desk["reported"] == 0 and desk["paying_subscribers"] is None


def test_drill_down_lists_the_incidents_behind_a_number(s, month):
    inc = month.incidents

    def numbers(figure, **kw):
        return [i.number for i in s.scalars(incidents_behind(s, START, END, figure, tz=TZ, now=NOW, **kw))]

    assert numbers("faults_in_time") == [inc["A"].number]
    assert set(numbers("repair_timeliness")) == {inc["A"].number, inc["B"].number}  # a rate: its denominator
    assert numbers("repeat_reports") == [inc["A"].number]
    assert set(numbers("breached")) == {inc[k].number for k in "BDEFG"}
    assert numbers("breached", by="zone", key="CD-01") == [inc["D"].number, inc["B"].number]  # newest first
    assert numbers("reported", by="day", key="2025-03-01") == [inc["E"].number]
    assert numbers("kb_reused", by="agent", key="zhao.lei") == [inc["C"].number]
    assert set(numbers("complaints_per_10k")) == {inc[k].number for k in "EFG"}
    assert numbers("caused_by_changes") == [inc["G"].number, inc["D"].number]  # the cut-over's, in the month
    with pytest.raises(FiguresError) as exc:
        numbers("paying_subscribers")
    assert exc.value.code == "bad_figure"
    with pytest.raises(FiguresError) as exc:
        numbers("reported", by="day", key="2025-04-01")
    assert exc.value.field == "key"


@pytest.mark.parametrize(("args", "code", "field"), [
    ({"from": "2025-03-31", "to": "2025-03-01"}, "bad_period", "to"),
    ({"from": "2025-13-01"}, "bad_period", "from"),
    ({"from": "20250301"}, "bad_period", "from"),
    ({"from": "1999-12-01", "to": "2000-01-31"}, "bad_period", "from"),
    ({"from": "2020-01-01", "to": "2025-03-01"}, "bad_period", "to"),
    ({"from": "2025-03-01", "by": "planet"}, "bad_breakdown", "by"),
    ({"from": "2031-01-01"}, "bad_period", "from"),
])
def test_bad_periods_are_named(args, code, field):
    with pytest.raises(FiguresError) as exc:
        parse_period(args, today=date(2025, 4, 2))
    assert (exc.value.code, exc.value.field) == (code, field)
    assert str(exc.value)


def test_period_defaults_to_this_month_so_far():
    assert parse_period({}, today=date(2025, 4, 2)) == (date(2025, 4, 1), date(2025, 4, 2), None)
    assert parse_period({"from": "2025-02-01", "by": "week"}, today=date(2025, 4, 2)) == (
        date(2025, 2, 1), date(2025, 2, 28), "week")


def test_targets_are_set_by_managers_and_audited(s, admin, agent):
    assert targets(s)["satisfaction"] == pytest.approx(0.90)
    set_target(s, admin, "satisfaction", 0.98)
    assert targets(s)["satisfaction"] == pytest.approx(0.98)
    with pytest.raises(Forbidden):
        set_target(s, agent, "satisfaction", 0.5)
    with pytest.raises(FiguresError):
        set_target(s, admin, "reported", 3)
    from sqlalchemy import select

    from servicedesk.audit.models import AuditEvent
    event = s.scalar(select(AuditEvent).where(AuditEvent.action == "figure_target.set"))
    assert event.object_id == "satisfaction" and event.changes == {"target": [0.9, 0.98]}


def test_unreachable_closures_are_shown_apart(s, month, admin):
    from servicedesk.incidents.models import Verification
    from servicedesk.incidents.workflow import VerificationMethod

    c = month.incidents["C"]  # closed unrated; its verification now says the subscriber could not be reached
    s.add(Verification(incident=c, by_id=month.lead.id, method=VerificationMethod("unreachable"), accepted=True,
                       rating=None, comment="三次回访未接通"))
    s.flush()
    desk = compute(s, START, END, tz=TZ, now=NOW)[0].values
    assert (desk["unreachable"], desk["rated"], desk["satisfaction"]) == (1, 2, pytest.approx(0.5))
    set_unrated_as(s, admin, 3)  # an unreachable subscriber is unrated: counted as the operator says
    assert compute(s, START, END, tz=TZ, now=NOW)[0].values["satisfaction"] == pytest.approx(1 / 3)
    assert [i.id for i in s.scalars(incidents_behind(s, START, END, "unreachable", tz=TZ, now=NOW))] == [c.id]


def test_one_read_for_many_breakdowns_gives_what_each_alone_gives(s, month):
    """The dashboard asks compute_many for several breakdowns at once: each must equal compute() alone."""
    from servicedesk.figures.compute import compute_many

    together = compute_many(s, START, END, [None, *BREAKDOWNS], tz=TZ, now=NOW)
    for by in (None, *BREAKDOWNS):
        alone = compute(s, START, END, by, tz=TZ, now=NOW)
        assert [r.as_dict() for r in together[by]] == [r.as_dict() for r in alone], by
