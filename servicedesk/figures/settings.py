"""The targets the figures are held against, and the operator's counting rules. Managers (admins) set them;
every change is an audit event in the same transaction. Services flush; callers commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kb.actors import Role
from kb.errors import Forbidden, ValidationError
from kb.orm import utcnow
from servicedesk.audit.services import record_change
from servicedesk.figures.definitions import PERCENT_RATES, RATES, FiguresError
from servicedesk.figures.models import FigureRule, FigureTarget
from servicedesk.formerrors import N_

# The operators' own (seeds 003): satisfaction with repairs 90 % baseline (98 % stretch); the repair
# timeliness target the desk proposes until a manager sets the operator's. One target per figure: the baseline.
DEFAULT_TARGETS: dict[str, float] = {"satisfaction": 0.90, "repair_timeliness": 0.90}
UNRATED_AS = "unrated_as"


def _upsert(s: Session, model: Any, key: str, values: dict[str, Any]) -> None:
    """Insert or update one row by its primary key, in one statement (two managers at once: the later wins)."""
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    pk = model.__table__.primary_key.columns.keys()[0]
    stmt = insert(model).values(**{pk: key}, **values)
    s.execute(stmt.on_conflict_do_update(index_elements=[pk], set_=values))


def _require_manager(actor: Any) -> None:
    if getattr(actor, "role", None) != Role.ADMIN:
        raise Forbidden("Only a manager (administrator) sets the figures' targets and rules.", code="admin_only")


def targets(s: Session) -> dict[str, float]:
    """figure -> target: the stored ones over the defaults."""
    out = dict(DEFAULT_TARGETS)
    out.update({f: float(t) for f, t in s.execute(select(FigureTarget.figure, FigureTarget.target))})
    return out


def set_target(s: Session, actor: Any, figure: str, value: float) -> None:
    """Sets a rate's target (a share in [0, 1]; 万投比 per 10,000 subscribers, >= 0); admins only, audited."""
    _require_manager(actor)
    if figure not in RATES:
        raise FiguresError(N_("Targets are set for rates only."), code="bad_figure", field="figure")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ValidationError("The target is a number.", fields={"target": "must be a number"})
    high = 1.0 if figure in PERCENT_RATES else 10_000.0
    if not 0 <= value <= high:
        raise ValidationError(f"The target is from 0 to {high:g}.", fields={"target": f"from 0 to {high:g}"})
    old = targets(s).get(figure)
    _upsert(s, FigureTarget, figure, {"target": float(value), "updated_at": utcnow(),
                                      "updated_by_id": getattr(actor, "id", None)})
    record_change(s, actor, "figure_target.set", object_type="figure_target", object_id=figure, object_label=figure,
                  changes={"target": [old, float(value)]})


def unrated_as(s: Session) -> int | None:
    """The stars an unrated closure counts as in satisfaction; None (the default): left out."""
    return s.scalar(select(FigureRule.value).where(FigureRule.name == UNRATED_AS))


def set_unrated_as(s: Session, actor: Any, value: int | None) -> None:
    """Sets how satisfaction treats closures without a rating (None: left out; 1-5: counted as that many
    stars); participation always counts real ratings. Admins only, audited."""
    _require_manager(actor)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5):
        raise ValidationError("Unrated closures count as 1 to 5 stars, or are left out.",
                              fields={"unrated_as": "null or 1 to 5"})
    old = unrated_as(s)
    _upsert(s, FigureRule, UNRATED_AS, {"value": value, "updated_at": utcnow(),
                                        "updated_by_id": getattr(actor, "id", None)})
    record_change(s, actor, "figure_rule.set", object_type="figure_rule", object_id=UNRATED_AS,
                  object_label=UNRATED_AS, changes={"value": [old, value]})
