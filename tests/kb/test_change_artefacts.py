"""Change artefacts carry their kind, change reference and planned window on each revision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from kb import services as kb
from kb.diff import diff_revisions
from kb.errors import ValidationError
from kb.importexport import export_directory, import_directory
from kb.models import Article
from kb.workflow import ArticleType, ChangeKind
from tests import factories

BEIJING = timezone(timedelta(hours=8))
CUTOVER = {
    "type": "change", "title": "城西 OLT 割接方案", "body": "## 割接步骤\n1. 备份配置\n2. 倒换上联",
    "services": ["broadband"], "category": "割接", "visibility": "internal",
    "change_kind": "cutover_plan", "change_ref": "BG-2024-0518",
    "planned_start": "2024-05-20T01:00:00+08:00", "planned_end": "2024-05-20T05:00:00+08:00",
}


def test_change_fields_are_stored_on_the_revision(s, agent):
    art = kb.create_article(s, agent, CUTOVER)
    rev = art.latest
    assert rev.change_kind == ChangeKind.CUTOVER_PLAN and rev.change_ref == "BG-2024-0518"
    assert rev.planned_start == datetime(2024, 5, 19, 17, 0, tzinfo=UTC)
    assert rev.planned_end == datetime(2024, 5, 19, 21, 0, tzinfo=UTC)
    s.expire_all()
    assert art.latest.planned_start == datetime(2024, 5, 20, 1, 0, tzinfo=BEIJING)


def test_other_types_refuse_change_fields(s, agent):
    with pytest.raises(ValidationError) as exc:
        kb.create_article(s, agent, {**CUTOVER, "type": "procedure"})
    assert set(exc.value.fields) == {"change_kind", "change_ref", "planned_start", "planned_end"}
    solution = factories.article(agent)
    with pytest.raises(ValidationError) as exc:
        kb.update_article(s, solution, agent, {"change_ref": "BG-1"})
    assert exc.value.fields == {"change_ref": "only for change artefacts"}
    # Empty values are not change fields: a client sending the whole shape of an article is fine.
    kb.update_article(s, solution, agent, {"change_ref": "", "planned_start": None})


@pytest.mark.parametrize(("start", "end", "field", "reason"), [
    ("2024-05-20T05:00:00+08:00", "2024-05-20T01:00:00+08:00", "planned_end", "must be after the start"),
    ("2024-05-20T01:00:00+08:00", "2024-05-20T01:00:00+08:00", "planned_end", "must be after the start"),
    ("2024-05-20T01:00:00+08:00", None, "planned_end", "both start and end"),
    ("2024-05-20 01:00", "2024-05-20T05:00:00+08:00", "planned_start", "needs a UTC offset"),
    ("下周二凌晨", "2024-05-20T05:00:00+08:00", "planned_start", "an ISO 8601 date-time"),
])
def test_bad_windows_are_refused_naming_the_field(s, agent, start, end, field, reason):
    with pytest.raises(ValidationError) as exc:
        kb.create_article(s, agent, {**CUTOVER, "planned_start": start, "planned_end": end})
    assert exc.value.fields == {field: reason}


def test_a_partial_edit_is_checked_against_the_whole_window(s, agent):
    art = kb.create_article(s, agent, CUTOVER)
    with pytest.raises(ValidationError) as exc:
        kb.update_article(s, art, agent, {"planned_end": "2024-05-19T23:00:00+08:00"})
    assert exc.value.fields == {"planned_end": "must be after the start"}


def test_new_revision_copies_them_and_the_diff_shows_them(s, agent, lead):
    art = factories.approved_article(agent, lead, **CUTOVER, symptom="", cause="",
                                     steps="")
    rev2 = kb.update_article(s, art, agent, {"planned_end": "2024-05-20T06:00:00+08:00"})
    assert rev2.number == 2 and rev2.change_ref == "BG-2024-0518" and rev2.change_kind == ChangeKind.CUTOVER_PLAN
    changes = {d.field: d.lines for d in diff_revisions(art.live_revision, rev2)}
    assert changes == {"planned_end": [("-", "2024-05-19T21:00:00+00:00"), ("+", "2024-05-19T22:00:00+00:00")]}
    restored = kb.restore_revision(s, art, agent, 1)
    assert restored is rev2 and rev2.planned_end == datetime(2024, 5, 19, 21, 0, tzinfo=UTC)


def test_leaving_the_change_type_drops_the_change_fields(s, agent):
    art = kb.create_article(s, agent, CUTOVER)
    kb.update_article(s, art, agent, {"type": "procedure"})
    assert art.type == ArticleType.PROCEDURE
    assert (art.latest.change_kind, art.latest.change_ref, art.latest.planned_start) == (None, "", None)


def test_import_and_export_round_trip(s, agent, tmp_path: Path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "olt.md").write_text("""---
key: olt-cutover
type: change
title: 城西 OLT 割接方案
services: [broadband]
change_kind: cutover_plan
change_ref: BG-2024-0518
planned_start: 2024-05-20T01:00:00+08:00
planned_end: '2024-05-20T05:00:00+08:00'
---
1. 备份配置
""", encoding="utf-8")
    report = import_directory(s, agent, tmp_path / "in")
    assert report.ok, report.errors
    art = s.scalar(select(Article).where(Article.source_key == "olt-cutover"))
    assert art.latest.change_kind == ChangeKind.CUTOVER_PLAN and art.latest.change_ref == "BG-2024-0518"
    assert art.latest.planned_end - art.latest.planned_start == timedelta(hours=4)

    paths = export_directory(s, tmp_path / "out", tz=BEIJING)
    text = paths[0].read_text(encoding="utf-8")
    assert "change_kind: cutover_plan" in text and "change_ref: BG-2024-0518" in text
    assert "2024-05-20T01:00:00+08:00" in text and "2024-05-20T05:00:00+08:00" in text
    again = import_directory(s, agent, tmp_path / "out")
    assert again.ok and again.unchanged == [paths[0].name]


def test_import_names_a_bad_window_and_change_fields_on_other_types(s, agent, tmp_path: Path):
    (tmp_path / "bad.md").write_text("---\ntype: change\ntitle: 割接\nplanned_start: 2024-05-20T05:00:00+08:00\n"
                                     "planned_end: 2024-05-20T01:00:00+08:00\n---\n正文\n", encoding="utf-8")
    (tmp_path / "proc.md").write_text("---\ntype: procedure\ntitle: 流程\nchange_ref: BG-1\n---\n正文\n",
                                      encoding="utf-8")
    report = import_directory(s, agent, tmp_path)
    assert dict(report.errors) == {"bad.md": "planned_end: must be after the start",
                                   "proc.md": "change_ref: only for change artefacts"}
