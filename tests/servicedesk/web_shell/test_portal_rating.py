"""The subscriber's 5-star rating with tags, stored with the verification and shown to staff."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from kb.errors import ValidationError
from servicedesk.portal import services as portal
from servicedesk.portal.models import VerificationTag
from servicedesk.users.models import User
from tests import factories
from tests.servicedesk.web_shell.conftest import text


def test_confirming_with_stars_and_tags(app: Flask, s, agent: User, subscriber: User):
    incident = factories.resolved_incident(agent, subscriber)
    client = app.test_client(user=subscriber)
    page = text(client.get(f"/my/incidents/{incident.id}"))
    for tag in portal.RATING_TAGS:
        assert f'value="{tag}"' in page
    done = client.post(f"/my/incidents/{incident.id}", follow_redirects=True, data={
        "confirm-rating": "5", "confirm-tags": ["polite", "on_time"], "confirm-comment": "师傅很耐心",
        "confirm-submit": "1"})
    verification = incident.verifications[-1]
    assert incident.verified and verification.rating == 5
    assert portal.tags_for(s, [verification.id]) == {verification.id: ["on_time", "polite"]}
    html = text(done)
    assert "师傅很耐心" in html and html.count('class="chip chip--static"') == 2


def test_an_unknown_tag_is_refused_and_nothing_is_recorded(app: Flask, s, agent: User, subscriber: User):
    incident = factories.resolved_incident(agent, subscriber)
    client = app.test_client(user=subscriber)
    response = client.post(f"/my/incidents/{incident.id}", data={
        "confirm-rating": "4", "confirm-tags": ["rude"], "confirm-submit": "1"})
    assert response.status_code == 200 and not incident.verified and not incident.verifications
    assert s.scalars(select(VerificationTag)).all() == []


def test_the_service_checks_tags_before_it_records(s, agent: User, subscriber: User):
    incident = factories.resolved_incident(agent, subscriber)
    with pytest.raises(ValidationError):
        portal.confirm_fix(s, incident, subscriber, rating=5, tags=["on_time", "<script>"])
    with pytest.raises(ValidationError):
        portal.confirm_fix(s, incident, subscriber, rating=5, tags="polite")
    assert not incident.verifications
    verification = portal.confirm_fix(s, incident, subscriber, rating=3, tags=["explained_clearly",
                                                                                "fixed_first_time"])
    assert portal.tags_for(s, [verification.id])[verification.id] == ["fixed_first_time", "explained_clearly"]
    assert portal.tags_for(s, []) == {}
