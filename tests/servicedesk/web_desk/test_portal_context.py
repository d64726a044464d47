"""The agent's incident page carries the subscriber's portal context."""

from __future__ import annotations

from servicedesk.incidents import services as svc
from tests import factories
from tests.servicedesk.web_desk.conftest import text


def test_agent_sees_what_the_subscriber_read_searched_and_rated(app, s, page, agent, lead, subscriber):
    from servicedesk.portal.models import IncidentViewedArticle, PortalReport, VerificationTag

    article = factories.approved_article(agent, lead)
    inc = factories.resolved_incident(agent, subscriber, article)
    s.add(PortalReport(incident_id=inc.id, reporter_id=subscriber.id, token="t" * 32,
                       contact_phone="13812345678", address="幸福小区 3 栋", search_query="光猫红灯闪"))
    s.add(IncidentViewedArticle(incident_id=inc.id, article_id=article.id, position=1))
    v = svc.verify_incident(s, inc, subscriber, accepted=True, rating=5)
    s.add(VerificationTag(verification_id=v.id, tag="polite"))
    html = text(page(agent).get(f"/desk/incidents/{inc.id}"))
    assert "From the self-service portal" in html and "光猫红灯闪" in html and "13812345678" in html
    assert article.title in html and "Polite" in html
