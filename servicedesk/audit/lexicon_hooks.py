"""Audit events for the search dictionary. kb/ imports no Flask, so its services are not called from here:
the words and synonym groups a flush adds or deletes are recorded in that same flush (same transaction)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from kb.lexicon import DictionaryWord, SynonymGroup
from servicedesk.audit import services as audit  # a module: its loading may be what loads this one


@event.listens_for(Session, "before_flush")
def _record_lexicon_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.new):
        if isinstance(obj, DictionaryWord):
            _record(session, "lexicon.term_added", "lexicon_word", obj.id, obj.word, {"word": [None, obj.word]})
        elif isinstance(obj, SynonymGroup):
            terms = [t.term for t in obj.terms]
            _record(session, "synonym.group_added", "synonym_group", obj.id, " = ".join(terms),
                    {"terms": [None, terms]})
    for obj in list(session.deleted):
        if isinstance(obj, DictionaryWord):
            _record(session, "lexicon.term_removed", "lexicon_word", obj.id, obj.word, {"word": [obj.word, None]})
        elif isinstance(obj, SynonymGroup):
            terms = list(obj.texts)
            _record(session, "synonym.group_removed", "synonym_group", obj.id, " = ".join(terms),
                    {"terms": [terms, None]})


def _record(session: Session, action: str, object_type: str, object_id: int | None, label: str,
            changes: dict[str, list[Any]]) -> None:
    # Inside a flush: the flush under way writes the event, in the dictionary change's transaction.
    audit.record_change(session, None, action, object_type=object_type, object_id=object_id or "",
                        object_label=label, changes=changes, flush=False)
