"""Import and export of Markdown articles with YAML front matter."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from kb.importexport import export_directory, import_directory
from kb.models import Article, ArticleRevision
from kb.workflow import ArticleStatus
from tests import factories

GOOD = """---
key: ftth-los-red
type: solution
title: 光猫 LOS 灯红色闪烁的处理
services: [broadband]
category: FTTH
tags: [光猫, LOS]
codes: [los]
visibility: public
symptom: 用户无法上网，LOS 灯红色闪烁
steps: |
  1. 检查尾纤是否弯折
  2. 测量收光功率
---
参考《宽带网维护抢修规范》。
"""

PROC = """---
type: procedure
title: 用户报修处理程序
services: [broadband, cable_tv]
visibility: internal
---
受理 → 派单 → 处理 → 回访，30 分钟内响应。
"""


def _write(d: Path, name: str, text: str) -> None:
    (d / name).write_text(text, encoding="utf-8")


def _count(s, model) -> int:
    return int(s.scalar(select(func.count()).select_from(model)))


def test_import_creates_drafts_and_is_idempotent(s, agent, tmp_path):
    _write(tmp_path, "los.md", GOOD)
    _write(tmp_path, "baoxiu.md", PROC)
    report = import_directory(s, agent, tmp_path)
    assert report.ok and sorted(report.created) == ["baoxiu.md", "los.md"]
    los = s.scalar(select(Article).where(Article.source_key == "ftth-los-red"))
    assert los.status == ArticleStatus.DRAFT
    assert los.latest.fault_codes == ["LOS"] and los.latest.steps.startswith("1. 检查尾纤")
    assert s.scalar(select(Article).where(Article.source_key == "baoxiu")) is not None

    again = import_directory(s, agent, tmp_path)
    assert again.ok and again.created == [] and sorted(again.unchanged) == ["baoxiu.md", "los.md"]
    assert _count(s, Article) == 2 and _count(s, ArticleRevision) == 2


def test_changed_file_updates_and_approved_article_gets_a_revision(s, agent, lead, tmp_path):
    _write(tmp_path, "los.md", GOOD)
    import_directory(s, agent, tmp_path, submit=True)
    los = s.scalar(select(Article).where(Article.source_key == "ftth-los-red"))
    from kb import services

    services.review_article(s, los, lead, content_ok=True, form_ok=True, decision="approve")
    _write(tmp_path, "los.md", GOOD.replace("测量收光功率", "用光功率计测量收光功率"))
    report = import_directory(s, agent, tmp_path)
    assert report.updated == ["los.md"]
    assert los.status == ArticleStatus.APPROVED and los.latest.number == 2
    assert "光功率计" not in los.current.steps  # the approved revision stays live until reviewed


def test_one_bad_file_imports_nothing_and_names_every_problem(s, agent, tmp_path):
    _write(tmp_path, "los.md", GOOD)
    _write(tmp_path, "nofront.md", "只有正文，没有 front matter")
    _write(tmp_path, "badyaml.md", "---\ntitle: [未闭合\n---\n正文")
    _write(tmp_path, "badenum.md", "---\ntype: faq\ntitle: 标题\n---\n正文")
    _write(tmp_path, "unknown.md", "---\ntype: solution\ntitle: 标题\ncolour: red\n---\n正文")
    (tmp_path / "binary.md").write_bytes(b"\x00\x01\x02")
    report = import_directory(s, agent, tmp_path)
    bad = dict(report.errors)
    assert set(bad) == {"nofront.md", "badyaml.md", "badenum.md", "unknown.md", "binary.md"}
    assert "front matter" in bad["nofront.md"]
    assert "YAML" in bad["badyaml.md"]
    assert "type" in bad["badenum.md"]
    assert "colour" in bad["unknown.md"]
    assert _count(s, Article) == 0


def test_export_then_import_round_trips(s, agent, lead, tmp_path):
    factories.approved_article(agent, lead)
    topology = "| OLT | 端口 |\n|---|---|\n| A1 | 1/1/1 |"
    factories.article(agent, type="reference", title="某区网络拓扑说明", body=topology)
    out = tmp_path / "export"
    paths = export_directory(s, out)
    assert len(paths) == 2
    text = paths[0].read_text(encoding="utf-8")
    assert text.startswith("---\nkey: article-") and "光猫" in text
    report = import_directory(s, agent, out)
    assert report.ok and report.created == [] and len(report.unchanged) == 2


def test_cli_import_reports_and_rolls_back(app, s, agent, tmp_path):
    s.commit()  # the agent exists for the CLI's own unit of work
    _write(tmp_path, "los.md", GOOD)
    _write(tmp_path, "bad.md", "no front matter")
    result = app.test_cli_runner().invoke(args=["kb", "import", str(tmp_path), "--as", agent.username])
    assert result.exit_code != 0
    assert "bad.md" in result.output and "nothing was imported" in result.output
    (tmp_path / "bad.md").unlink()
    result = app.test_cli_runner().invoke(args=["kb", "import", str(tmp_path), "--as", agent.username])
    assert result.exit_code == 0, result.output
    assert "created 1" in result.output
    assert s.scalar(select(Article).where(Article.source_key == "ftth-los-red")) is not None
