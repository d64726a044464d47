"""Who may open which page: the desk is for staff; readers see approved public articles only."""

from __future__ import annotations

import pytest

from tests import factories
from tests.servicedesk.web_desk.conftest import plain, text


@pytest.fixture
def incident(agent, subscriber):
    return factories.incident(agent, reporter=subscriber)


DESK_GETS = ["/desk/incidents", "/desk/incidents/new", "/desk/incidents/{id}", "/kb/new", "/kb/review"]
DESK_POSTS = ["assign", "start", "pend", "resume", "escalate", "solution", "resolve", "callback", "close", "reopen"]


def test_subscriber_gets_403_on_the_desk(s, page, subscriber, incident):
    client = page(subscriber)
    for path in DESK_GETS:
        assert client.get(path.format(id=incident.id)).status_code == 403, path
    for action in DESK_POSTS:
        assert client.post(f"/desk/incidents/{incident.id}/{action}").status_code == 403, action
    assert client.post("/desk/incidents/new", data={"title": "x"}).status_code == 403


def test_visitor_is_sent_to_log_in(s, page, incident):
    client = page(None)
    for path in ("/desk/incidents", f"/desk/incidents/{incident.id}", "/kb/new"):
        r = client.get(path)
        assert r.status_code == 302 and "/login" in r.headers["Location"], path


def test_unknown_incident_is_404_for_staff(s, page, agent):
    assert page(agent).get("/desk/incidents/999999").status_code == 404
    assert page(agent).post("/desk/incidents/999999/close").status_code == 404


def test_readers_see_approved_public_articles_only(s, page, agent, lead, subscriber):
    public = factories.approved_article(agent, lead)
    internal = factories.approved_article(agent, lead, title="OLT 板卡更换内部流程", visibility="internal")
    draft = factories.article(agent, title="草稿：IPTV 卡顿")
    for client in (page(subscriber), page(None)):
        r = client.get(f"/kb/{public.id}")
        assert r.status_code == 200
        body = text(r)
        assert "光纤弯折" in body  # the cause, rendered
        assert "Reviews" not in body and "Incidents it solves" not in body and "Edit" not in body
        assert client.get(f"/kb/{internal.id}").status_code == 404
        assert client.get(f"/kb/{draft.id}").status_code == 404
        assert client.get("/kb/999999").status_code == 404
        assert client.get(f"/kb/{public.id}/history").status_code in (302, 403)
        assert client.get(f"/kb/{public.id}/edit").status_code in (302, 403)
    staff = page(agent)
    assert staff.get(f"/kb/{internal.id}").status_code == 200
    assert staff.get(f"/kb/{draft.id}").status_code == 200


def test_reading_counts_a_view(s, page, agent, lead):
    art = factories.approved_article(agent, lead)
    page(None).get(f"/kb/{art.id}")
    page(None).get(f"/kb/{art.id}")
    s.expire_all()
    assert art.view_count == 2


def test_article_markdown_is_sanitised(s, page, agent, lead):
    steps = "1. 检查\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2))"
    art = factories.approved_article(agent, lead, steps=steps)
    body = text(page(None).get(f"/kb/{art.id}"))
    assert "<script>alert(1)" not in body
    assert "javascript:" not in body


def test_staff_article_page_shows_workflow_incidents_and_reviews(s, page, agent, lead, subscriber):
    art = factories.approved_article(agent, lead)
    inc = factories.resolved_incident(agent, subscriber, art)
    body = text(page(lead).get(f"/kb/{art.id}"))
    assert inc.number in body
    assert "内容与表单均符合要求" in body  # the review comment
    assert "Content check" in body and "Form check" in body
    assert "Retire" in body and "History" in body and "Edit" in body


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def test_attachments_upload_read_and_remove(s, page, agent, lead, subscriber):
    from io import BytesIO

    art = factories.approved_article(agent, lead, type="reference", title="某小区 FTTH 网络拓扑", body="见附件拓扑图。",
                                     symptom="", cause="", steps="")
    staff = page(agent)
    r = staff.post(f"/kb/{art.id}/files", data={"file": (BytesIO(PNG), "拓扑图.png")},
                   content_type="multipart/form-data")
    assert r.status_code == 302
    s.expire_all()
    [att] = art.attachments
    assert att.filename == "拓扑图.png"
    # Readers of a public article get the picture inline; a fake file type is refused with a reason.
    r = page(None).get(f"/kb/{art.id}/files/{att.id}")
    assert r.status_code == 200 and r.mimetype == "image/png" and r.data == PNG
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "拓扑图.png" in text(page(subscriber).get(f"/kb/{art.id}"))
    r = staff.post(f"/kb/{art.id}/files", data={"file": (BytesIO(b"<script>x</script>"), "x.pdf")},
                   content_type="multipart/form-data", follow_redirects=True)
    assert "The file's content is not what its name (.pdf) says." in plain(r)
    assert page(subscriber).post(f"/kb/{art.id}/files/{att.id}/remove").status_code == 403
    assert staff.post(f"/kb/{art.id}/files/{att.id}/remove").status_code == 302
    s.expire_all()
    assert art.attachments == []
    assert page(None).get(f"/kb/{art.id}/files/{att.id}").status_code == 404


def test_attachments_of_internal_articles_stay_internal(s, page, agent, lead):
    from io import BytesIO

    art = factories.approved_article(agent, lead, visibility="internal")
    page(agent).post(f"/kb/{art.id}/files", data={"file": (BytesIO(PNG), "a.png")}, content_type="multipart/form-data")
    s.expire_all()
    [att] = art.attachments
    assert page(None).get(f"/kb/{art.id}/files/{att.id}").status_code == 404
