"""The leads' search dictionary and synonym groups, on top of the shipped files.

Words change how Chinese text is cut, so the articles that contain a word are indexed again
after the commit that adds or removes it (kb.search.sync does that). Synonyms are expanded in
the query, so a group works from the next search. Every change gives the lexicon a new version;
each worker process compares it with the one it loaded (one primary-key read per request) and
reloads when they differ.
"""

from __future__ import annotations

import json
import threading
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import DDL, ForeignKey, Integer, String, Text, cast, event, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from kb.actors import Actor, Role
from kb.errors import Forbidden, NotFound, ValidationError
from kb.models import ArticleRevision
from kb.orm import Base, utcnow
from kb.search import analyzer, synonyms

if TYPE_CHECKING:
    from servicedesk.users.models import User

WORD_MAX = 20
TERM_MAX = 40
TERMS_TEXT_MAX = 500
GROUP_MAX_TERMS = 20


class DictionaryWord(Base):
    """A word a lead taught the segmenter (Chinese characters only)."""

    __tablename__ = "search_words"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(WORD_MAX), unique=True)
    freq: Mapped[int] = mapped_column(Integer)  # fixed when added, so every worker cuts text the same way
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User] = relationship()


class SynonymGroup(Base):
    """Terms a lead declared equivalent in search (光猫 = ONU = 光调制解调器)."""

    __tablename__ = "synonym_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User] = relationship()
    terms: Mapped[list[SynonymTerm]] = relationship(
        order_by="SynonymTerm.position", lazy="selectin", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(t.term for t in self.terms)


class SynonymTerm(Base):
    """One term of a group; a term belongs to at most one of the leads' groups."""

    __tablename__ = "synonym_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("synonym_groups.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    term: Mapped[str] = mapped_column(String(TERM_MAX))
    term_key: Mapped[str] = mapped_column(String(TERM_MAX), unique=True)  # lower-cased: ONU and onu are one


class LexiconState(Base):
    """One row: the lexicon's version, new with every change, which workers compare with theirs."""

    __tablename__ = "search_lexicon_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(32), default="")
    updated_at: Mapped[datetime | None]


STATE_ID = 1
LEXICON_MODELS = (DictionaryWord, SynonymGroup, SynonymTerm, LexiconState)
event.listen(LexiconState.__table__, "after_create",
             DDL("INSERT INTO search_lexicon_state (id, version) VALUES (1, '')"))


def can_manage_lexicon(actor: Actor | None) -> bool:
    return actor is not None and actor.role in (Role.LEAD, Role.ADMIN)


def _require(actor: Actor) -> None:
    if not can_manage_lexicon(actor):
        raise Forbidden("Only a technical lead or an administrator manages the search dictionary.")


def _bump(s: Session) -> None:
    # Locking the row first serialises changes (PostgreSQL), so the checks below see every
    # committed word and term.
    state = s.execute(select(LexiconState).where(LexiconState.id == STATE_ID).with_for_update()).scalar_one_or_none()
    if state is None:
        state = LexiconState(id=STATE_ID)
        s.add(state)
    state.version = uuid.uuid4().hex
    state.updated_at = utcnow()


# Why an entry is refused, by code; the pages translate the same text with the same parameters.
MESSAGES: dict[str, str] = {
    "word_required": "Enter a word.",
    "word_too_long": "A word has at most %(max)d characters.",
    "word_has_space": "A word has no spaces inside; add each word on its own.",
    "word_has_punctuation": "A word has no punctuation or symbols.",
    "word_not_chinese": "Only Chinese characters: English words, numbers and codes are always kept whole.",
    "word_too_short": "A word has at least two characters.",
    "word_shipped": "%(word)s is already in the shipped dictionary.",
    "word_taken": "%(word)s is already in the dictionary.",
    "word_known": "Search already keeps %(word)s as one word.",
    "terms_required": "Enter the terms of the group, separated by “=”.",
    "terms_too_long": "At most %(max)d characters.",
    "term_too_long": "%(term)s is longer than %(max)d characters.",
    "term_repeated": "%(term)s appears twice in the group.",
    "term_single_char": "%(term)s: a single Chinese character is too ambiguous for a synonym.",
    "term_not_searchable": "%(term)s has nothing search can match.",
    "too_few_terms": "A group needs at least two different terms.",
    "too_many_terms": "A group has at most %(max)d terms.",
    "term_taken": "%(term)s is already in the group %(group)s; remove that group first.",
    "terms_conflict": "One of these terms was just added to another group.",
}


def _invalid(code: str, field: str, **params: str | int) -> ValidationError:
    return ValidationError(MESSAGES[code] % params, code=code, fields={field: code}, **params)


# -- dictionary words ------------------------------------------------------------------------------


def clean_word(value: object) -> str:
    """The word as a lead may add it, or a ValidationError naming what is wrong with it."""
    word = value.strip() if isinstance(value, str) else ""
    if not word:
        raise _invalid("word_required", "word")
    if len(word) > WORD_MAX:
        raise _invalid("word_too_long", "word", max=WORD_MAX)
    if any(c.isspace() for c in word):
        raise _invalid("word_has_space", "word")
    if any(unicodedata.category(c)[0] in "PS" for c in word):
        raise _invalid("word_has_punctuation", "word")
    if not all(analyzer.is_cjk(c) for c in word):
        raise _invalid("word_not_chinese", "word")
    if len(word) < 2:
        raise _invalid("word_too_short", "word")
    return word


def add_word(s: Session, actor: Actor, value: object) -> DictionaryWord:
    """Adds a word to the leads' dictionary; after the commit, articles containing it are indexed again."""
    _require(actor)
    word = clean_word(value)
    _bump(s)
    if word in analyzer.shipped_words():
        raise _invalid("word_shipped", "word", word=word)
    if s.scalar(select(DictionaryWord.id).where(DictionaryWord.word == word)) is not None:
        raise _invalid("word_taken", "word", word=word)
    if word not in analyzer.lead_words() and analyzer.is_whole_word(word):
        raise _invalid("word_known", "word", word=word)
    entry = DictionaryWord(word=word, freq=analyzer.suggested_freq(word), created_by_id=actor.id)
    try:
        with s.begin_nested():
            s.add(entry)
    except IntegrityError:
        raise _invalid("word_taken", "word", word=word) from None
    return entry


def remove_word(s: Session, actor: Actor, word_id: int) -> str:
    """Removes a lead's word; after the commit, articles containing it are indexed again. Returns the word."""
    _require(actor)
    entry = s.get(DictionaryWord, word_id)
    if entry is None:
        raise NotFound("No such word in the dictionary.")
    _bump(s)
    s.delete(entry)
    s.flush()
    return entry.word


def list_words(s: Session) -> list[DictionaryWord]:
    """The leads' words, newest first."""
    return list(s.scalars(select(DictionaryWord).order_by(DictionaryWord.created_at.desc(), DictionaryWord.id.desc())))


def articles_mentioning(s: Session, words: Iterable[str]) -> set[int]:
    """Ids of the articles any revision of which contains one of the words in an analysed field."""
    conditions = []
    for word in words:
        escaped = json.dumps(word)[1:-1]  # lists are stored as JSON, Chinese as \\u escapes
        for column in (ArticleRevision.title, ArticleRevision.body, ArticleRevision.symptom,
                       ArticleRevision.cause, ArticleRevision.steps, ArticleRevision.category):
            conditions.append(column.contains(word, autoescape=True))
        for listed in (ArticleRevision.tags, ArticleRevision.device_models):
            text = cast(listed, Text)
            conditions.append(text.contains(word, autoescape=True))
            conditions.append(text.contains(escaped, autoescape=True))
    if not conditions:
        return set()
    return set(s.scalars(select(ArticleRevision.article_id).where(or_(*conditions)).distinct()))


# -- synonym groups --------------------------------------------------------------------------------


def _term_key(term: str) -> str:
    return term.lower()


def clean_terms(value: object) -> list[str]:
    """The terms of a group as a lead may add it ('光猫 = ONU = 光调制解调器', or a list)."""
    if isinstance(value, str):
        if len(value) > TERMS_TEXT_MAX:
            raise _invalid("terms_too_long", "terms", max=TERMS_TEXT_MAX)
        terms = synonyms.split_terms(value)
    elif isinstance(value, Sequence) and all(isinstance(t, str) for t in value):
        terms = [t for raw in value for t in synonyms.split_terms(raw)]
    else:
        raise _invalid("terms_required", "terms")
    if not terms:
        raise _invalid("terms_required", "terms")
    seen: set[str] = set()
    for term in terms:
        if len(term) > TERM_MAX:
            raise _invalid("term_too_long", "terms", term=term[:10] + "…", max=TERM_MAX)
        if _term_key(term) in seen:
            raise _invalid("term_repeated", "terms", term=term)
        seen.add(_term_key(term))
        if len(term) == 1 and analyzer.is_cjk(term):
            raise _invalid("term_single_char", "terms", term=term)
        if not analyzer.tokens(term):
            raise _invalid("term_not_searchable", "terms", term=term)
    if len(terms) < 2:
        raise _invalid("too_few_terms", "terms")
    if len(terms) > GROUP_MAX_TERMS:
        raise _invalid("too_many_terms", "terms", max=GROUP_MAX_TERMS)
    return terms


def add_synonym_group(s: Session, actor: Actor, value: object) -> SynonymGroup:
    """Adds a group of equivalent terms; searches expand them from the next query on."""
    _require(actor)
    terms = clean_terms(value)
    _bump(s)
    taken = s.scalars(select(SynonymTerm).where(SynonymTerm.term_key.in_([_term_key(t) for t in terms]))).first()
    if taken is not None:
        other = s.get_one(SynonymGroup, taken.group_id)
        raise _invalid("term_taken", "terms", term=taken.term, group=" = ".join(other.texts))
    group = SynonymGroup(created_by_id=actor.id,
                         terms=[SynonymTerm(position=i, term=t, term_key=_term_key(t)) for i, t in enumerate(terms)])
    try:
        with s.begin_nested():
            s.add(group)
    except IntegrityError:
        raise _invalid("terms_conflict", "terms") from None
    return group


def remove_synonym_group(s: Session, actor: Actor, group_id: int) -> tuple[str, ...]:
    """Removes a lead's synonym group; returns its terms."""
    _require(actor)
    group = s.get(SynonymGroup, group_id)
    if group is None:
        raise NotFound("No such synonym group.")
    _bump(s)
    terms = group.texts
    s.delete(group)
    s.flush()
    return terms


def list_synonym_groups(s: Session) -> list[SynonymGroup]:
    """The leads' synonym groups, newest first."""
    return list(s.scalars(select(SynonymGroup).order_by(SynonymGroup.created_at.desc(), SynonymGroup.id.desc())))


# -- what each process has loaded ------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """The leads' lexicon as one transaction saw it."""

    version: str
    words: dict[str, int] = field(default_factory=dict)
    groups: tuple[tuple[str, ...], ...] = ()


_lock = threading.Lock()
_loaded: str | None = None  # the version this process applied; None before the first load


def lexicon_version(s: Session) -> str:
    """The version of the lexicon in the database (one primary-key read)."""
    return s.scalar(select(LexiconState.version).where(LexiconState.id == STATE_ID)) or ""


def read_snapshot(s: Session) -> Snapshot:
    """The lexicon in the database; the version is read first, so a later change is never missed."""
    version = lexicon_version(s)
    words: dict[str, int] = {}
    for word, freq in s.execute(select(DictionaryWord.word, DictionaryWord.freq).order_by(DictionaryWord.id)):
        words[word] = freq
    groups: dict[int, list[str]] = {}
    for group_id, term in s.execute(select(SynonymTerm.group_id, SynonymTerm.term)
                                    .order_by(SynonymTerm.group_id, SynonymTerm.position)):
        groups.setdefault(group_id, []).append(term)
    return Snapshot(version, words, tuple(tuple(g) for g in groups.values()))


def apply_snapshot(snapshot: Snapshot) -> None:
    """Makes this process segment and expand synonyms as the snapshot says."""
    global _loaded
    with _lock:
        words_changed = analyzer.set_lead_words(snapshot.words)
        if words_changed or tuple(synonyms.extra_groups()) != snapshot.groups:
            # Terms are matched by their tokens, which the new words may have changed.
            synonyms.set_extra_groups(snapshot.groups)
        _loaded = snapshot.version


def applied_snapshot() -> Snapshot:
    """The lexicon this process cuts and expands with now (version "" before the first load)."""
    return Snapshot(_loaded or "", analyzer.lead_words(), tuple(tuple(g) for g in synonyms.extra_groups()))


def loaded_version() -> str | None:
    """The version this process applied, None before the first load."""
    return _loaded


def refresh_lexicon(s: Session) -> bool:
    """Loads the lexicon when the database holds another version than this process; True if it did."""
    if _loaded is not None and lexicon_version(s) == _loaded:
        return False
    apply_snapshot(read_snapshot(s))
    return True


def forget_loaded() -> None:
    """Makes the next refresh_lexicon() load from the database (a fresh worker, in tests)."""
    global _loaded
    _loaded = None
