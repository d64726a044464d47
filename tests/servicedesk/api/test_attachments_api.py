"""Article attachments over HTTP: upload, list, download with safe headers, delete, and bad files."""

from __future__ import annotations

import io
import zipfile
from urllib.parse import quote

import pytest

from kb.models import Attachment, Blob
from servicedesk.attachments import current_store
from tests import factories
from tests.servicedesk.api.helpers import check_schema, count, error_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"1 0 obj\n" * 10


def _xlsx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


@pytest.fixture
def reference(agent, lead):
    """An approved public technical reference."""
    return factories.approved_article(agent, lead, type="reference", title="城东片区网络拓扑", body="见附件拓扑图。",
                                      symptom="", cause="", steps="", fault_codes=[])


def test_upload_list_and_download_an_image(api, s, reference, agent, subscriber):
    r = api.upload(f"/articles/{reference.id}/attachments", agent, "城东机房拓扑图.png", PNG)
    assert r.status_code == 201, r.get_json()
    att = r.get_json()
    assert att["filename"] == "城东机房拓扑图.png" and att["size"] == len(PNG)
    assert att["content_type"] == "image/png" and att["is_image"] is True
    assert att["url"] == f"/api/v1/articles/{reference.id}/attachments/{att['id']}"
    check_schema(api, r, "Attachment")
    r = api.get(f"/articles/{reference.id}/attachments", subscriber)
    assert r.status_code == 200 and r.get_json()["total"] == 1 and r.get_json()["items"][0] == att
    check_schema(api, r, "AttachmentList")
    for who in (subscriber, None, agent):
        r = api.raw("GET", att["url"].removeprefix("/api/v1"), who)
        assert r.status_code == 200 and r.data == PNG
        assert r.headers["Content-Type"] == "image/png"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Content-Disposition"] == (
            f"inline; filename=\"attachment.png\"; filename*=UTF-8''{quote('城东机房拓扑图.png')}")
        assert "private" in r.headers["Cache-Control"]
    etag = r.headers["ETag"]
    again = api.raw("GET", att["url"].removeprefix("/api/v1"), agent, headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_pdf_inline_spreadsheet_and_text_as_attachment(api, reference, agent):
    cases = (("割接方案.pdf", PDF, "application/pdf", "inline"),
             ("参数表.xlsx", _xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              "attachment"),
             ("olt-config.txt", "<script>alert(1)</script> 配置".encode(), "text/plain", "attachment"))
    for name, data, ctype, disposition in cases:
        r = api.upload(f"/articles/{reference.id}/attachments", agent, name, data)
        assert r.status_code == 201, (name, r.get_json())
        got = api.raw("GET", r.get_json()["url"].removeprefix("/api/v1"), agent)
        assert got.data == data and got.headers["Content-Type"].split(";")[0] == ctype
        assert got.headers["Content-Disposition"].startswith(disposition + ";"), name
        assert got.headers["X-Content-Type-Options"] == "nosniff"
    r = api.get(f"/articles/{reference.id}/attachments", agent)
    assert [a["filename"] for a in r.get_json()["items"]] == ["olt-config.txt", "割接方案.pdf", "参数表.xlsx"]
    ascii_name = api.raw("GET", r.get_json()["items"][0]["url"].removeprefix("/api/v1"), agent)
    assert ascii_name.headers["Content-Disposition"] == (
        "attachment; filename=\"olt-config.txt\"; filename*=UTF-8''olt-config.txt")


def test_only_readers_of_the_article_get_its_files(api, agent, lead, subscriber):
    internal = factories.approved_article(agent, lead, title="OLT 机房拓扑", visibility="internal")
    draft = factories.article(agent, title="草稿拓扑")
    for article in (internal, draft):
        url = api.upload(f"/articles/{article.id}/attachments", agent, "拓扑.png", PNG).get_json()["url"]
        path = url.removeprefix("/api/v1")
        for who in (subscriber, None):
            r = api.get(path, who)
            assert r.status_code == 404 and error_of(r)["code"] == "not_found"
            assert api.get(f"/articles/{article.id}/attachments", who).status_code == 404
        assert api.raw("GET", path, lead).status_code == 200
    other = factories.approved_article(agent, lead, title="别的文章")
    att_id = int(url.rsplit("/", 1)[-1])
    assert api.get(f"/articles/{other.id}/attachments/{att_id}", agent).status_code == 404
    assert api.get(f"/articles/{other.id}/attachments/99999999999999", agent).status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("病毒.exe", b"MZ\x90\x00", "type not allowed"),
        ("伪装.pdf", PNG, "content does not match the file type"),
        ("假图片.png", b"<svg onload=alert(1)>", "content does not match the file type"),
        ("空.txt", b"", "empty"),
        ("", PNG, None),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(api, s, reference, agent, name, data, reason):
    r = api.upload(f"/articles/{reference.id}/attachments", agent, name, data)
    assert r.status_code == 400, r.get_json()
    assert "file" in error_of(r)["fields"]
    if reason:
        assert error_of(r)["fields"]["file"] == reason
    assert count(s, Attachment) == 0 and count(s, Blob) == 0


def test_upload_refusals(api, s, reference, agent, subscriber):
    path = f"/articles/{reference.id}/attachments"
    r = api.upload(path, subscriber, "图.png", PNG)
    assert r.status_code == 403
    r = api.upload(path, agent, "图.png", PNG, field="attachment")
    assert r.status_code == 400 and error_of(r)["fields"] == {"file": "required"}
    r = api.post(path, agent, json={"file": "图.png"})
    assert r.status_code == 400 and error_of(r)["fields"] == {"file": "required"}
    assert api.upload(path, agent, "图.png", PNG).status_code == 201
    r = api.upload(path, agent, "图.png", PNG + b"\x01")
    assert r.status_code == 400 and error_of(r)["fields"] == {"file": "name taken"}
    assert api.upload("/articles/424242/attachments", agent, "图.png", PNG).status_code == 404
    assert api.upload(path, None, "图.png", PNG).status_code == 401
    assert count(s, Attachment) == 1


def test_uploads_may_exceed_the_json_limit_but_not_the_attachment_limit(api, s, reference, agent):
    from kb.attachments import MAX_BYTES

    path = f"/articles/{reference.id}/attachments"
    three_mb = PNG + b"\x00" * (3 * 1024 * 1024)  # over the 2 MB limit of JSON requests
    assert api.upload(path, agent, "拓扑图.png", three_mb).status_code == 201
    big = PNG + b"\x00" * (MAX_BYTES + 128 * 1024)
    r = api.upload(path, agent, "超大拓扑图.png", big)
    assert r.status_code == 413 and error_of(r)["code"] == "too_large"
    assert count(s, Attachment) == 1 and count(s, Blob) == 1


def test_delete_keeps_shared_files_and_removes_the_last(api, s, reference, agent, lead, subscriber):
    second = factories.approved_article(agent, lead, title="城东片区设备参数")
    first_att = api.upload(f"/articles/{reference.id}/attachments", agent, "拓扑.png", PNG).get_json()
    second_att = api.upload(f"/articles/{second.id}/attachments", agent, "同一张图.png", PNG).get_json()
    assert count(s, Blob) == 1
    path = current_store().path(s.get(Attachment, first_att["id"]).blob.sha256)
    assert path.read_bytes() == PNG
    r = api.delete(f"/articles/{reference.id}/attachments/{first_att['id']}", subscriber)
    assert r.status_code == 403
    r = api.delete(f"/articles/{second.id}/attachments/{first_att['id']}", agent)
    assert r.status_code == 404
    r = api.delete(f"/articles/{reference.id}/attachments/{first_att['id']}", agent)
    assert r.status_code == 200 and r.get_json() == {"id": first_att["id"], "deleted": True}
    check_schema(api, r, "Deleted")
    assert path.exists() and count(s, Blob) == 1
    assert api.get(f"/articles/{reference.id}/attachments/{first_att['id']}", agent).status_code == 404
    r = api.delete(f"/articles/{second.id}/attachments/{second_att['id']}", lead)
    assert r.status_code == 200
    assert not path.exists() and count(s, Blob) == 0 and count(s, Attachment) == 0
    assert api.delete(f"/articles/{second.id}/attachments/{second_att['id']}", lead).status_code == 404


def test_a_missing_stored_file_is_reported_not_a_crash(api, s, reference, agent):
    att = api.upload(f"/articles/{reference.id}/attachments", agent, "拓扑.png", PNG).get_json()
    current_store().path(s.get(Attachment, att["id"]).blob.sha256).unlink()
    r = api.get(att["url"].removeprefix("/api/v1"), agent)
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"
