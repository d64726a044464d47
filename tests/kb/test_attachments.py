"""Attachments: checked by content, stored once, cleaned up when the last reference goes."""

from __future__ import annotations

import io
import zipfile

import pytest

from kb.attachments import add_attachment, drop_orphan_blobs, remove_attachment, stray_files
from kb.errors import Forbidden, TooLarge, ValidationError
from kb.models import Blob
from servicedesk.attachments import current_store
from tests import factories

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"1 0 obj\n" * 10


def _xlsx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


def test_same_bytes_are_stored_once(s, agent, lead):
    store = current_store()
    a = factories.approved_article(agent, lead)
    b = factories.article(agent, type="reference", title="城东片区网络拓扑", body="见附件拓扑图")
    first = add_attachment(s, store, a, agent, "拓扑图.png", PNG)
    second = add_attachment(s, store, b, agent, "topology.png", PNG)
    assert first.blob_id == second.blob_id and first.is_image
    assert store.path(first.blob.sha256).read_bytes() == PNG
    add_attachment(s, store, b, agent, "参数表.xlsx", _xlsx())
    add_attachment(s, store, b, agent, "割接方案.pdf", PDF)
    assert {x.filename for x in b.attachments} == {"topology.png", "割接方案.pdf", "参数表.xlsx"}
    assert s.query(Blob).count() == 3


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("脚本.exe", b"MZ\x90\x00", "type not allowed"),
        ("假图片.png", b"<script>alert(1)</script>", "content does not match the file type"),
        ("伪装.pdf", PNG, "content does not match the file type"),
        ("表格.xlsx", b"PK\x03\x04not really a zip", "content does not match the file type"),
        ("二进制.txt", b"\x00\x01\x02", "content does not match the file type"),
        ("空.png", b"", "empty"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(s, agent, name, data, reason):
    a = factories.article(agent)
    with pytest.raises(ValidationError) as exc:
        add_attachment(s, current_store(), a, agent, name, data)
    assert exc.value.fields == {"file": reason}
    assert a.attachments == [] and s.query(Blob).count() == 0
    assert stray_files(s, current_store()) == []


def test_size_limit_and_roles(s, agent, subscriber, monkeypatch):
    import kb.attachments as mod

    monkeypatch.setattr(mod, "MAX_BYTES", 100)
    a = factories.article(agent)
    with pytest.raises(TooLarge):
        add_attachment(s, current_store(), a, agent, "大图.png", PNG + b"\x00" * 200)
    with pytest.raises(Forbidden):
        add_attachment(s, current_store(), a, subscriber, "图.png", PNG)


def test_path_is_stripped_from_the_name(s, agent):
    a = factories.article(agent)
    att = add_attachment(s, current_store(), a, agent, "../../etc/拓扑.png", PNG)
    assert att.filename == "拓扑.png"


def test_last_reference_removes_the_file_after_commit(s, agent, lead):
    store = current_store()
    a = factories.approved_article(agent, lead)
    b = factories.article(agent, title="另一篇")
    att_a = add_attachment(s, store, a, agent, "图.png", PNG)
    att_b = add_attachment(s, store, b, agent, "图.png", PNG)
    path = store.path(att_a.blob.sha256)
    s.commit()
    remove_attachment(s, a, agent, att_a.id)
    s.commit()
    assert path.exists()  # b still refers to it
    remove_attachment(s, b, agent, att_b.id)
    assert path.exists()  # not before the commit
    s.commit()
    assert not path.exists() and s.query(Blob).count() == 0


def test_rollback_keeps_the_file(s, agent):
    store = current_store()
    a = factories.article(agent)
    att = add_attachment(s, store, a, agent, "图.png", PNG)
    s.commit()
    remove_attachment(s, a, agent, att.id)
    s.rollback()
    assert store.path(att.blob.sha256).exists()
    assert drop_orphan_blobs(s) == 0
