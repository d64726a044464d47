"""The portal services' refusals, said in full and in the reader's language beside the field they name."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from kb.errors import DomainError
from servicedesk.auth.forms import apply_domain_error


def N_(message: str) -> str:
    """Marks a string for the catalog without translating it here (a keyword pybabel knows)."""
    return message


# The portal services' short per-field reasons, as sentences.
FIELD_REASONS: dict[str, Any] = {
    "not a phone number": _l("Enter a phone number we can call (digits only, e.g. 13812345678)."),
    "not an image": _l("Only a photo (JPEG, PNG, GIF or WebP) can be sent with a report."),
    "too large": _l("The photo is too large; choose a smaller one."),
    "empty": _l("The photo is empty."),
    "does not match the account": _l("The account number and phone number do not match our records."),
    "already registered": _l("This account already has a login. Log in with it, or call the hotline for help."),
    "not an account number": _l("An account number is 4 to 40 letters and digits, as printed on your bill."),
    "invalid": _l("The report form is incomplete; reload it and send it again."),
    "unknown zone": _l("No zone has this code."),
}

# Whole-sentence refusals of the portal services; listed so the catalog carries them.
SERVICE_MESSAGES = (
    N_("Enter a phone number we can call (digits only, e.g. 13812345678)."),
    N_("Only a photo (JPEG, PNG, GIF or WebP) can be sent with a report."),
    N_("The photo is empty."),
    N_("The account number and phone number do not match our records."),
    N_("This account already has a login. Log in with it, or call the hotline for help."),
    N_("An account number is 4 to 40 letters and digits, as printed on your bill."),
    N_("The report form is incomplete; reload it and send it again."),
    N_("No such photo."),
    N_("Only subscribers and visitors answer whether an article solved their problem."),
    N_("A username is 2 to 64 letters, digits or . _ - @."),
)


def place_error(form: FlaskForm, exc: DomainError) -> None:
    """The refusal beside the fields it names (in full sentences), its summary above the form."""
    fields = {name: str(FIELD_REASONS.get(reason, reason)) for name, reason in exc.fields.items()}
    sentences = type(exc)(exc.message, code=exc.code, fields=fields)
    if len(fields) == 1 and next(iter(exc.fields.values())) in FIELD_REASONS:
        sentences.message = next(iter(fields.values()))
    apply_domain_error(form, sentences)
