"""SLA policies as rows: the rules in force for a unit of work, and the administrator's edits of them.

The rows are read once per transaction (a web request or CLI command is one) and kept in the session's
info; every edit drops that copy, so the next incident is timed by the rules just saved, and a rollback
or another transaction reads them afresh.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kb.actors import Role
from kb.errors import Conflict, Forbidden, ValidationError
from kb.orm import utcnow
from servicedesk.audit.services import created, diff, record_change, snapshot
from servicedesk.incidents.sla import ANY, DEFAULT_POLICY, MAX_MINUTES, SlaCalendar, SlaPolicy
from servicedesk.incidents.workflow import Area, Category
from servicedesk.org.models import ServiceLevel, SlaPolicyRule
from servicedesk.users.models import User

_CACHE = "sla_rules"
CHOICES: dict[str, tuple[str, ...]] = {
    "category": (ANY, *(c.value for c in Category)),
    "area": (ANY, *(a.value for a in Area)),
    "service_level": (ANY, *(v.value for v in ServiceLevel)),
    "calendar": tuple(c.value for c in SlaCalendar),
}
FIELDS = ("category", "area", "service_level", "respond_minutes", "resolve_minutes", "calendar")


def policy_in_force(s: Session, base: SlaPolicy | None = None) -> SlaPolicy:
    """The desk's policy (business hours from its configuration) with the stored rules, read once per transaction."""
    if base is None:
        found = current_app.extensions.get("sla_policy") if has_app_context() else None
        base = found if isinstance(found, SlaPolicy) else DEFAULT_POLICY
    cached = s.info.get(_CACHE)
    if cached is not None and cached[0] is not None and cached[0] is s.get_transaction():
        rules = cached[1]
    else:
        rules = tuple(row.as_rule() for row in s.scalars(select(SlaPolicyRule)))
        s.info[_CACHE] = (s.get_transaction(), rules)
    # An empty table (a database built without the migrations' seed) runs on the built-in defaults.
    return base.with_rules(rules) if rules else base


def list_sla_policies(s: Session) -> list[SlaPolicyRule]:
    """Every stored policy, the general ones first."""
    rows = list(s.scalars(select(SlaPolicyRule)))
    return sorted(rows, key=lambda r: (r.as_rule().specificity, r.category, r.area, r.service_level))


def _require_admin(actor: User) -> None:
    if actor.role != Role.ADMIN:
        raise Forbidden("Only an administrator changes the SLA policies.")


def _minutes(value: object, name: str, errors: dict[str, str]) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        errors[name] = "a whole number of minutes"
        return None
    if not 0 < value <= MAX_MINUTES:
        errors[name] = f"more than 0 and at most {MAX_MINUTES}"
        return None
    return int(value)


def _clean(data: Mapping[str, Any], current: SlaPolicyRule | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name in FIELDS:
        given = data.get(name, getattr(current, name, None) if current is not None else None)
        if given is None or given == "":
            errors[name] = "required"
        elif name.endswith("_minutes"):
            values[name] = _minutes(given, name, errors)
        elif given not in CHOICES[name]:
            errors[name] = "one of: " + ", ".join(CHOICES[name])
        else:
            values[name] = SlaCalendar(given) if name == "calendar" else given
    if "respond_minutes" not in errors and "resolve_minutes" not in errors \
            and values["respond_minutes"] > values["resolve_minutes"]:
        errors["respond_minutes"] = "not more than the resolve target"
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"Please correct the SLA policy ({first}: {errors[first]}).", fields=errors)
    return values


def _save(s: Session, rule: SlaPolicyRule, values: dict[str, Any]) -> SlaPolicyRule:
    """Writes values into rule unless another row holds the same key; the rule is untouched on refusal."""
    key = (values["category"], values["area"], values["service_level"])
    conflict = Conflict("A policy for this category, area and service level exists; edit that one.",
                        code="policy_exists", fields={"category": "already has a policy with this area and level"})
    with s.no_autoflush:
        taken = s.scalar(select(SlaPolicyRule.id).where(
            SlaPolicyRule.category == key[0], SlaPolicyRule.area == key[1], SlaPolicyRule.service_level == key[2],
            SlaPolicyRule.id != (rule.id or 0)))
    if taken is not None:
        raise conflict
    try:
        with s.begin_nested():  # two administrators saving the same key at once: the loser is told
            for name, value in values.items():
                setattr(rule, name, value)
            rule.updated_at = utcnow()
            s.add(rule)
            s.flush()
    except IntegrityError:
        raise conflict from None
    s.info.pop(_CACHE, None)
    return rule


def create_sla_policy(s: Session, actor: User, data: Mapping[str, Any]) -> SlaPolicyRule:
    """A new policy row; refused when a row with the same category, area and service level exists."""
    _require_admin(actor)
    values = _clean(data, None)
    rule = _save(s, SlaPolicyRule(), values)
    record_change(s, actor, "sla_policy.created", object_type="sla_policy", object_id=rule.id,
                  changes=created(snapshot(rule, values)))
    return rule


def update_sla_policy(s: Session, actor: User, rule: SlaPolicyRule, data: Mapping[str, Any]) -> SlaPolicyRule:
    """Changes a policy (fields not given keep their value); incidents already open keep their due times."""
    _require_admin(actor)
    values = _clean(data, rule)
    before = snapshot(rule, values)
    _save(s, rule, values)
    changes = diff(before, snapshot(rule, values))
    if changes:
        record_change(s, actor, "sla_policy.updated", object_type="sla_policy", object_id=rule.id, changes=changes)
    return rule


def delete_sla_policy(s: Session, actor: User, rule: SlaPolicyRule) -> None:
    """Removes a policy; the incidents it matched fall to the next most specific one."""
    _require_admin(actor)
    record_change(s, actor, "sla_policy.deleted", object_type="sla_policy", object_id=rule.id,
                  changes={k: [v, None] for k, v in snapshot(rule, FIELDS).items()})
    s.delete(rule)
    s.flush()
    s.info.pop(_CACHE, None)
