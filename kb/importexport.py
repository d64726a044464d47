"""Markdown files with YAML front matter in, and out again.

A file looks like:

    ---
    key: ftth-los-red            # optional; the file name (without .md) otherwise
    type: solution
    title: 光猫 LOS 灯红色闪烁的处理
    services: [broadband]
    category: FTTH
    tags: [光猫, LOS]
    codes: [LOS]
    device_models: [HG8245H]
    visibility: public
    symptom: |
      用户无法上网，LOS 灯红色闪烁
    cause: 入户光纤弯折
    steps: |
      1. 检查尾纤
    ---
    正文（Markdown）

A change artefact (type: change) may also say change_kind (change_request, test_plan, technical_plan,
cutover_plan), change_ref (变更单号) and its planned window, planned_start and planned_end, as ISO 8601
times with their offset (2024-05-20T01:00:00+08:00); other types refuse these fields.

Import checks every file before writing anything: one bad file and nothing is imported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.actors import Actor
from kb.errors import ValidationError
from kb.models import Article
from kb.services import clean_article_fields, create_article, submit_article, update_article
from kb.workflow import ArticleStatus

MAX_FILE_BYTES = 512 * 1024
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)(.*)\Z", re.DOTALL)
_KEY = re.compile(r"^[\w\-.]{1,200}$")
# front-matter name -> article field
_ALIASES = {"codes": "fault_codes", "fault_codes": "fault_codes"}
_FRONT_FIELDS = ("type", "title", "services", "category", "tags", "fault_codes", "device_models", "visibility",
                 "symptom", "cause", "steps", "change_kind", "change_ref", "planned_start", "planned_end")


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Parsed:
    path: Path
    key: str
    fields: dict[str, Any]


def parse_file(path: Path) -> tuple[str, dict[str, Any]]:
    """(key, cleaned article fields) of one Markdown file, or a ValidationError saying what is wrong."""
    raw = path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        raise ValidationError(f"larger than {MAX_FILE_BYTES // 1024} KiB")
    if b"\x00" in raw:
        raise ValidationError("not a text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("not UTF-8 text") from None
    m = _FRONT.match(text.replace("\r\n", "\n"))
    if m is None:
        raise ValidationError("no front matter: the file must start with a '---' block")
    try:
        meta = yaml.safe_load(m.group(1))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise ValidationError(f"front matter is not valid YAML{where}") from None
    if not isinstance(meta, dict):
        raise ValidationError("front matter must be a mapping of names to values")
    key = str(meta.pop("key", path.stem)).strip()
    if not _KEY.match(key):
        raise ValidationError("key may hold letters, digits, '-', '_' and '.' only")
    data: dict[str, Any] = {}
    for name, value in meta.items():
        target = _ALIASES.get(str(name), str(name))
        if target not in _FRONT_FIELDS:
            raise ValidationError(f"unknown front-matter field '{name}'")
        data[target] = "" if value is None else value
    data["body"] = m.group(2).strip()
    try:
        return key, clean_article_fields(data, partial=False)
    except ValidationError as exc:
        detail = "; ".join(f"{k}: {v}" for k, v in exc.fields.items()) or exc.message
        raise ValidationError(detail) from None


def _differs(article: Article, fields: dict[str, Any]) -> bool:
    rev = article.latest
    if fields.get("type", article.type) != article.type:
        return True
    return any(getattr(rev, name) != value for name, value in fields.items() if name != "type")


def import_directory(s: Session, author: Actor, directory: Path, *, submit: bool = False,
                     progress: Callable[[int], None] | None = None) -> ImportReport:
    """Imports every *.md file under directory, all or nothing; importing the same files again changes nothing."""
    report = ImportReport()
    files = sorted(p for p in directory.rglob("*.md") if p.is_file())
    parsed: list[_Parsed] = []
    seen: dict[str, Path] = {}
    for path in files:
        name = str(path.relative_to(directory))
        try:
            key, fields = parse_file(path)
        except ValidationError as exc:
            report.errors.append((name, exc.message))
            continue
        if key in seen:
            report.errors.append((name, f"key '{key}' is used by {seen[key].relative_to(directory)} too"))
            continue
        seen[key] = path
        parsed.append(_Parsed(path, key, fields))
    if report.errors:
        return report
    existing = {a.source_key: a for a in s.scalars(select(Article).where(Article.source_key.in_(list(seen))))}
    for item in parsed:
        name = str(item.path.relative_to(directory))
        article = existing.get(item.key)
        if article is None:
            article = create_article(s, author, item.fields)
            article.source_key = item.key
            report.created.append(name)
        elif not _differs(article, item.fields):
            report.unchanged.append(name)
            if progress:
                progress(1)
            continue
        elif article.status == ArticleStatus.RETIRED or (
            article.working_revision is not None and article.working_revision.status.value == "in_review"
        ):
            report.errors.append((name, f"article {article.id} is {article.status.value} or under review"))
            if progress:
                progress(1)
            continue
        else:
            update_article(s, article, author, item.fields)
            report.updated.append(name)
        if submit:
            submit_article(s, article, author)
        if progress:
            progress(1)
    s.flush()
    return report


def _slug(text: str) -> str:
    return re.sub(r"[^\w\-]+", "-", text, flags=re.UNICODE).strip("-")[:60] or "article"


def article_to_markdown(article: Article, tz: tzinfo = UTC) -> str:
    """The article's readers' version (live revision, else newest) as front matter plus body; times in tz."""
    rev = article.current
    meta: dict[str, Any] = {
        "key": article.source_key,
        "type": article.type.value,
        "title": rev.title,
        "services": list(rev.services),
        "category": rev.category,
        "tags": list(rev.tags),
        "codes": list(rev.fault_codes),
        "device_models": list(rev.device_models),
        "visibility": rev.visibility.value,
    }
    for name in ("symptom", "cause", "steps", "change_ref"):
        if getattr(rev, name):
            meta[name] = getattr(rev, name)
    if rev.change_kind is not None:
        meta["change_kind"] = rev.change_kind.value
    for name in ("planned_start", "planned_end"):
        moment = getattr(rev, name)
        if moment is not None:
            meta[name] = moment.astimezone(tz).isoformat()
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{front}---\n{rev.body}\n"


def export_directory(s: Session, directory: Path, *, statuses: Iterable[ArticleStatus] | None = None,
                     progress: Callable[[int], None] | None = None, tz: tzinfo = UTC) -> list[Path]:
    """Writes one Markdown file per article (of these statuses, default all but retired); returns the paths.
    Times are written in tz, with their offset.

    Articles without a key get one now, so importing the export again updates them instead of duplicating.
    """
    wanted = list(statuses or [st for st in ArticleStatus if st != ArticleStatus.RETIRED])
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for article in s.scalars(select(Article).where(Article.status.in_(wanted)).order_by(Article.id)):
        if article.source_key is None:
            article.source_key = f"article-{article.id}"
        path = directory / f"{article.id:05d}-{_slug(article.current.title)}.md"
        path.write_text(article_to_markdown(article, tz), encoding="utf-8")
        written.append(path)
        if progress:
            progress(1)
    return written
