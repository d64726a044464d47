"""Quality signals: what the incidents that used an article say about it."""

from __future__ import annotations

from datetime import timedelta

from servicedesk.incidents import services as svc
from servicedesk.knowledge.signals import article_signals, needs_attention
from tests import factories


def test_signals_count_solved_reopened_and_reported_again(s, agent, lead, subscriber):
    good = factories.approved_article(agent, lead)
    weak = factories.approved_article(agent, lead, title="光猫重启临时处理")
    neighbour = factories.user(factories.Role.USER, "liu.fang", display_name="刘芳")
    factories.closed_incident(agent, neighbour, good)
    first = factories.closed_incident(agent, subscriber, weak)
    # the same subscriber reports the same service again 10 days later
    first.closed_at = first.closed_at - timedelta(days=10)
    again = factories.incident(agent, reporter=subscriber)
    reopened = factories.resolved_incident(agent, subscriber, weak)
    svc.verify_incident(s, reopened, subscriber, accepted=False, comment="还是不行")
    s.flush()
    sig = article_signals(s, [good.id, weak.id])
    assert sig[good.id].solved == 1 and sig[good.id].trouble == 0
    assert sig[weak.id].linked == 2 and sig[weak.id].solved == 1
    assert sig[weak.id].reopened == 1
    assert sig[weak.id].reported_again == 1
    assert again.id
    attention = needs_attention(s)
    assert [a.id for a, _ in attention] == [weak.id]


def test_report_after_the_window_is_not_a_repeat(s, agent, lead, subscriber):
    sol = factories.approved_article(agent, lead)
    inc = factories.closed_incident(agent, subscriber, sol)
    inc.closed_at = inc.closed_at - timedelta(days=45)
    factories.incident(agent, reporter=subscriber)
    s.flush()
    assert article_signals(s, [sol.id])[sol.id].reported_again == 0
