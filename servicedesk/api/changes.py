"""/api/v1/changes: change management (servicedesk.problems.changes): CHG… records, their approval (never by the
requester: 409 own_change), states, post-implementation review, and the incidents they caused."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import request
from pydantic import Field

from kb.errors import NotFound, ValidationError
from servicedesk.api import bp
from servicedesk.api import schemas as sch
from servicedesk.api.common import commit, id_exists, page_args, session, user
from servicedesk.api.contract import READ, WRITE, Input, Output, body, operation
from servicedesk.incidents.services import NOTE_MAX, TITLE_MAX, _require_staff
from servicedesk.problems import changes
from servicedesk.problems.models import Change as ChangeRow
from servicedesk.problems.models import ChangeKind, ChangeRisk, ChangeStatus
from servicedesk.problems.services import TEXT_MAX


class ChangeInput(Input):
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str | None = Field(None, max_length=TEXT_MAX)
    kind: ChangeKind = ChangeKind.NORMAL
    risk: ChangeRisk = ChangeRisk.MEDIUM
    cutover: bool = Field(False, description="A cut-over (割接) interrupts the service: its outage notice is "
                                             "published for the window when the change is approved")
    services: list[str] = Field(min_length=1, max_length=20, description="Service codes")
    zones: list[str] = Field(min_length=1, max_length=200, description="Zone codes")
    planned_start: datetime = Field(description="With its offset")
    planned_end: datetime = Field(description="After the start, within 14 days of it")
    implementer: str | None = Field(None, max_length=64, description="A staff member's username")
    artefact_ids: list[int] = Field(default_factory=list, max_length=20,
                                    description="Knowledge-base change articles (change request, test plan, "
                                                "technical plan, cut-over plan)")


class NoteInput(Input):
    note: str | None = Field(None, max_length=NOTE_MAX)


class ScheduleInput(Input):
    implementer: str | None = Field(None, max_length=64)
    planned_start: datetime | None = None
    planned_end: datetime | None = None


class FinishInput(Input):
    outcome: Literal["completed", "failed", "rolled_back"]
    note: str = Field(min_length=1, max_length=NOTE_MAX)


class ReviewInput(Input):
    review: str = Field(min_length=1, max_length=TEXT_MAX, description="The post-implementation review")


class IncidentIds(Input):
    incident_ids: list[int] = Field(min_length=1, max_length=changes.MAX_LINK)


class ChangeOut(Output):
    id: int
    number: str | None
    title: str
    description: str
    kind: ChangeKind
    risk: ChangeRisk
    cutover: bool
    services: list[str]
    zones: list[str]
    artefact_ids: list[int]
    planned_start: datetime
    planned_end: datetime
    status: ChangeStatus
    requested_by: str
    implementer: str | None
    approved_by: str | None
    approved_at: datetime | None
    outage_id: int | None
    review: str
    reviewed_at: datetime | None
    incident_ids: list[int] = Field(description="Incidents caused by the change")
    overlaps: list[str] = Field(description="Numbers of live changes whose window overlaps on a service and zone")
    created_at: datetime
    updated_at: datetime


class ChangeQuery(sch.Paged):
    status: ChangeStatus | None = None


class ChangePage(sch.Page):
    items: list[ChangeOut]


def _load(change_id: int) -> ChangeRow:
    _require_staff(user(), "work with changes")
    if not id_exists(change_id):
        raise NotFound("No such change.")
    return changes.get_change(session(), change_id, for_update=True)


def _answer(change: ChangeRow) -> dict[str, Any]:
    commit()
    return changes.change_data(session(), change)


@bp.post("/changes")
@operation("create_change", tag="changes", summary="Request a change (staff)", body=ChangeInput,
           responses={201: ChangeOut}, errors=WRITE)
def create_change() -> tuple[dict[str, Any], int]:
    data = body(ChangeInput)
    change = changes.create_change(session(), user(), data.model_dump())
    return _answer(change), 201


@bp.get("/changes")
@operation("list_changes", tag="changes", summary="Changes, latest window first (staff)", query=ChangeQuery,
           responses={200: ChangePage}, errors=(400, 401, 403))
def list_changes() -> dict[str, Any]:
    _require_staff(user(), "read changes")
    errors: dict[str, str] = {}
    page, per_page = page_args(errors)
    status = request.args.get("status") or None
    if status is not None and status not in {st.value for st in ChangeStatus}:
        errors["status"] = "unknown status"
    if errors:
        raise ValidationError("Bad query values.", fields=errors)
    rows, total = changes.list_changes(session(), status=status, limit=per_page, offset=(page - 1) * per_page)
    return {"items": [changes.change_data(session(), c) for c in rows], "total": total, "page": page,
            "per_page": per_page}


@bp.get("/changes/<int:change_id>")
@operation("get_change", tag="changes", summary="One change (staff)", responses={200: ChangeOut}, errors=READ)
def get_change(change_id: int) -> dict[str, Any]:
    _require_staff(user(), "read changes")
    if not id_exists(change_id):
        raise NotFound("No such change.")
    return changes.change_data(session(), changes.get_change(session(), change_id))


@bp.post("/changes/<int:change_id>/approve")
@operation("approve_change", tag="changes", summary="Approve a change (lead or admin, never its requester)",
           body=NoteInput, responses={200: ChangeOut}, errors=WRITE,
           description="409 own_change for the requester; an approved cut-over publishes its outage notice.")
def approve_change(change_id: int) -> dict[str, Any]:
    data = body(NoteInput)
    change = _load(change_id)
    changes.approve_change(session(), change, user(), data.note)
    return _answer(change)


@bp.post("/changes/<int:change_id>/schedule")
@operation("schedule_change", tag="changes", summary="Schedule an approved change (staff)", body=ScheduleInput,
           responses={200: ChangeOut}, errors=WRITE)
def schedule_change(change_id: int) -> dict[str, Any]:
    data = body(ScheduleInput)
    change = _load(change_id)
    changes.schedule_change(session(), change, user(), data.model_dump(exclude_none=True))
    return _answer(change)


@bp.post("/changes/<int:change_id>/start")
@operation("start_change", tag="changes", summary="The work begins (staff)", body=NoteInput,
           responses={200: ChangeOut}, errors=WRITE, description="The body may be left out.")
def start_change(change_id: int) -> dict[str, Any]:
    data = body(NoteInput)
    change = _load(change_id)
    changes.start_change(session(), change, user(), data.note)
    return _answer(change)


@bp.post("/changes/<int:change_id>/finish")
@operation("finish_change", tag="changes", summary="Completed, failed or rolled back (staff)", body=FinishInput,
           responses={200: ChangeOut}, errors=WRITE)
def finish_change(change_id: int) -> dict[str, Any]:
    data = body(FinishInput)
    change = _load(change_id)
    changes.finish_change(session(), change, user(), data.outcome, data.note)
    return _answer(change)


@bp.post("/changes/<int:change_id>/review")
@operation("review_change", tag="changes", summary="The post-implementation review (staff)", body=ReviewInput,
           responses={200: ChangeOut}, errors=WRITE, description="409 change_not_ended before the work has ended.")
def review_change(change_id: int) -> dict[str, Any]:
    data = body(ReviewInput)
    change = _load(change_id)
    changes.review_change(session(), change, user(), data.review)
    return _answer(change)


@bp.post("/changes/<int:change_id>/incidents")
@operation("link_change_incidents", tag="changes", summary="Incidents the change caused (staff)", body=IncidentIds,
           responses={200: ChangeOut}, errors=WRITE,
           description="All or none; an incident is linked to at most one change (409 already_linked_change).")
def link_change_incidents(change_id: int) -> dict[str, Any]:
    data = body(IncidentIds)
    change = _load(change_id)
    changes.link_incidents(session(), change, user(), data.incident_ids)
    return _answer(change)
