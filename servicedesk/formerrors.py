"""How a service's refusal (a DomainError) reaches a person: translated, beside the field it names.

The services speak English to logs and the API; the pages say the same in the user's language.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from kb.errors import DomainError
from servicedesk.web import STATUS_LABELS

# The services' terse per-field reasons, said in full (and marked for translation).
FIELD_MESSAGES: dict[str, Any] = {
    "required": _l("This field is required."),
    "1 to 4": _l("The tier is a whole number from 1 to 4."),
    "1 to 5": _l("The rating is 1 to 5 stars."),
    "not staff": _l("Incidents can only be assigned to active staff."),
    "not a solution": _l("Only a solution article can solve an incident."),
    "fixed": _l("The type of an approved article cannot change."),
    "a rejection needs a reason": _l("A rejection needs a reason."),
    "approval needs both the content check and the form check":
        _l("Approval needs both the content check and the form check."),
    "must be a boolean": _l("Choose yes or no."),
    "too long": _l("This text is too long."),
    "no such article": _l("There is no article with this number."),
    "no such user": _l("No active user has this username."),
    "unknown zone": _l("No zone has this code."),
    "taken": _l("This username is already taken."),
    "wrong password": _l("This is not your current password."),
}

# Rules the services enforce, by their stable code, said as a sentence above the form.
CODE_MESSAGES: dict[str, Any] = {
    "self_lockout": _l("You cannot remove your own administrator access."),
    "username_taken": _l("This username is already taken."),
    "invalid_transition": _l("This incident has changed in the meantime; here is its current state."),
    "reopen_window_passed": _l("This incident was closed too long ago to reopen; please report the fault again."),
    "incident_not_open": _l("An appointment is made while the incident is open (not resolved, closed or cancelled)."),
    "no_appointment": _l("There is no appointment to cancel."),
    "problem_resolved": _l("This problem is already resolved."),
    "outage_ended": _l("This outage notice has already ended."),
    "no_cluster": _l("These reports no longer form a cluster: they may already be in a problem."),
    "own_change": _l("A change is approved by a lead or an administrator other than its requester."),
    "frozen_period": _l("The window falls in a change freeze; only an emergency change may."),
    "change_not_ended": _l("The change has not ended yet: review it once it is completed, failed or rolled back."),
    "already_linked_change": _l("This incident is already linked to another change."),
    "solution_not_approved": _l("The problem's solution has not been approved by a technical lead."),
}

def N_(message: str) -> str:
    """Marks a string for the catalog without translating it here (a keyword pybabel knows)."""
    return message


# The services' messages are English literals in core code; listing them here lets the catalog
# carry their Chinese, and gettext() finds them at run time by their exact text.
SERVICE_MESSAGES = frozenset({
    N_("A known error needs its workaround."),
    N_("Only a solution article can fix a problem."),
    N_("Say why the appointment moves."),
    N_("Say why the appointment is cancelled."),
    N_("The engineer must be an active staff member."),
    N_("The window must end after it starts."),
    N_("A window is at most 12 hours long."),
    N_("The window cannot start in the past."),
    N_("The window must start within 60 days."),
    N_("Give the start and the end of the window, with their offset."),
    N_("No solution is linked to this incident."),
    N_("The linked solution has not been approved by a technical lead (content and form review)."),
    N_("The reporting user has not verified the fix (self-service or call-back)."),
    N_("This incident is already closed."),
    N_("Incidents can only be assigned to active staff."),
    N_("The tier is a whole number from 1 to 4."),
    N_("The rating is 1 to 5 stars."),
    N_("This solution is retired and can no longer be linked."),
    N_("Only a solution article can solve an incident."),
    N_("Someone else saved this article meanwhile; reload it and apply your changes again."),
    N_("This revision is under review; wait for the decision before editing."),
    N_("This article is retired and can no longer be edited."),
    N_("There is no draft to submit; edit the article first."),
    N_("This revision is already waiting for review."),
    N_("Authors never review their own articles; ask another technical lead."),
    N_("This article has no revision waiting for review."),
    N_("An article needs a body or, for a solution, its symptom and steps."),
    N_("The type of an approved article cannot change."),
    N_("This article is already retired."),
    N_("This article is retired."),
    N_("Only a technical lead reviews articles."),
    N_("Only a technical lead or an administrator retires articles."),
    N_("Staff record a verification as a call-back: method 'callback'."),
})


def domain_message(exc: DomainError, status: object = None) -> str:
    """The error's message for people, in their language where the catalog has it."""
    if exc.code == "invalid_transition" and status is not None:
        key = getattr(status, "value", status)
        return _("This action is not possible while the incident is “%(status)s”.",
                 status=STATUS_LABELS.get(str(key), key))
    if exc.code in CODE_MESSAGES:
        return str(CODE_MESSAGES[exc.code])
    if exc.message in SERVICE_MESSAGES:
        return _(exc.message)
    if exc.fields:
        return _("Please correct the fields marked below.")
    if exc.status == 409:
        return _("The change conflicts with the current state and was not saved.")
    return _(exc.message)


def attach_domain_error(form: FlaskForm, exc: DomainError, aliases: dict[str, str] | None = None, *,
                        summary: bool = False) -> None:
    """Puts each field the service named beside the matching form field; the rest become form errors.

    With summary, the refusal's sentence also stands above the form (for pages that do not flash it).
    """
    placed = False
    for name, reason in exc.fields.items():
        if reason in FIELD_MESSAGES:
            text = str(FIELD_MESSAGES[reason])
        elif len(exc.fields) == 1:
            text = _(exc.message)  # one field: the service's full sentence says more than its short reason
        else:
            text = _(reason)
        field = form._fields.get((aliases or {}).get(name, name))
        if field is not None:
            field.errors = [*field.errors, text]
            placed = True
        else:
            form.form_errors.append(f"{name}: {text}")
    if summary and (exc.code in CODE_MESSAGES or not placed):
        form.form_errors.append(domain_message(exc))
