"""Issue 12, finding 3: bidirectional-formatting and control characters never reach a stored title or file
name; one function (kb.validation.strip_unsafe, behind clean_text and clean_filename) cleans every path."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.attachments import clean_filename
from kb.models import Article, Attachment
from kb.validation import clean_list, clean_text, strip_unsafe
from servicedesk.incidents.models import Incident
from tests.servicedesk.api.helpers import Api
from tests.servicedesk.security.conftest import PNG, Desk

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
C0 = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r") + "\x7f"
C1 = "".join(chr(c) for c in range(0x80, 0xA0))


def test_strip_unsafe_removes_bidi_c0_c1_and_lone_surrogates() -> None:
    assert strip_unsafe(f"光猫{BIDI}红灯{C0}闪{C1}烁\ud800") == "光猫红灯闪烁"
    assert strip_unsafe("第一行\n第二行\t缩进\r\n") == "第一行\n第二行\t缩进\r\n"  # text may keep its lines
    assert strip_unsafe("第一行\n\n第二行\t缩进", single_line=True) == "第一行 第二行 缩进"
    assert strip_unsafe("Ünïcødé 😀 中文 עברית") == "Ünïcødé 😀 中文 עברית"  # letters of any script stay


@pytest.mark.parametrize("raw, clean", [
    ("invoice\u202efdp.exe", "invoicefdp.exe"),
    ("报告\u2066.png\u2069.exe", "报告.png.exe"),
    ("a\u200fb\x85c.txt", "abc.txt"),
    ("拓扑\t图\n.png", "拓扑 图 .png"),
    ("..\\..\\etc/pass\x00wd.txt", "passwd.txt"),
])
def test_file_names_lose_their_controls(raw: str, clean: str) -> None:
    assert clean_filename(raw) == clean


def test_clean_text_and_lists_share_it() -> None:
    assert clean_text(f" {BIDI}光猫 LOS 红灯 ", "title", max_len=20) == "光猫 LOS 红灯"
    assert clean_text("标题\u202e", "title", max_len=20, single_line=True) == "标题"
    assert clean_list(["光猫\u202e", "LOS\x85"], "tags") == ["光猫", "LOS"]


def test_incident_titles_are_cleaned_on_every_path(api: Api, s: Session, desk: Desk,
                                                   as_user: Callable[..., FlaskClient]) -> None:
    r = api.post("/incidents", desk.people["subscriber"], json={
        "title": "光猫\u202e灯红\u2066闪烁\x85", "service": "broadband", "category": "fault", "area": "urban"})
    assert r.status_code == 201 and r.get_json()["title"] == "光猫灯红闪烁"
    desk_page = as_user(desk.people["agent"]).post("/desk/incidents/new", data={
        "title": "机顶盒\u202e无信号", "description": "说明\u2067文字", "service": "iptv", "category": "fault",
        "area": "urban", "channel": "hotline", "priority": "normal"})
    assert desk_page.status_code == 302, desk_page.get_data(as_text=True)[:500]
    titles = set(s.scalars(select(Incident.title)))
    assert {"光猫灯红闪烁", "机顶盒无信号"} <= titles
    assert not any(ch in "".join(titles) for ch in BIDI)


def test_article_titles_are_cleaned(api: Api, s: Session, desk: Desk) -> None:
    r = api.post("/articles", desk.people["agent"], json={
        "type": "reference", "title": "\u202eOLT 配置\u200f手册", "body": "正文", "visibility": "internal"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["title"] == "OLT 配置手册"
    article = s.get(Article, r.get_json()["id"])
    assert article is not None
    r = api.patch(f"/articles/{article.id}", desk.people["agent"], json={"title": "OLT\u2066 配置手册（修订）"})
    assert r.status_code == 200 and r.get_json()["title"] == "OLT 配置手册（修订）"


def test_uploaded_file_names_are_cleaned(api: Api, s: Session, desk: Desk,
                                         as_user: Callable[..., FlaskClient]) -> None:
    article = desk.path_values["article_id"]
    r = api.upload(f"/articles/{article}/attachments", desk.people["agent"], "拓扑\u202egnp.png", PNG + b"\x02")
    assert r.status_code == 201 and r.get_json()["filename"] == "拓扑gnp.png"
    page = as_user(desk.people["agent"]).post(f"/kb/{article}/files", data={
        "file": (io.BytesIO(PNG + b"\x03"), "机房\u2067照片\u2069.png")}, content_type="multipart/form-data")
    assert page.status_code == 302
    names = set(s.scalars(select(Attachment.filename)))
    assert {"拓扑gnp.png", "机房照片.png"} <= names
