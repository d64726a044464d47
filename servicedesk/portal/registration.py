"""Self-registration of subscribers with their account number (staff can also create accounts).

When the operator has a record of the account, the phone number given must match it and the record
is linked to the new login; an account without a record is kept as the user's stated account.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.actors import Role
from kb.errors import Conflict, ValidationError
from kb.validation import clean_text
from servicedesk.org.models import Subscriber
from servicedesk.portal.models import SubscriberRegistration
from servicedesk.portal.services import clean_phone, phone_digits
from servicedesk.users.models import User
from servicedesk.users.services import create_user

ACCOUNT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{3,39}$")


def clean_account(value: object) -> str:
    """A subscriber account number: 4 to 40 letters, digits, - or _ (as printed on the bill)."""
    text = clean_text(value, "account", max_len=40)
    if not ACCOUNT_RE.match(text):
        raise ValidationError("An account number is 4 to 40 letters and digits, as printed on your bill.",
                              fields={"account": "not an account number"})
    return text


def register_subscriber(s: Session, *, username: str, password: str, display_name: str, phone: str,
                        account: str) -> User:
    """A new subscriber login for an account number; with an operator record, only if the phone matches it."""
    errors: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    checks = (("account", lambda: clean_account(account)), ("phone", lambda: clean_phone(phone, "phone")))
    for name, check in checks:
        try:
            cleaned[name] = check()
        except ValidationError as exc:
            errors.update(exc.fields)
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"Please correct the registration ({first}: {errors[first]}).", fields=errors)
    subscriber = s.scalar(select(Subscriber).where(Subscriber.account == cleaned["account"]))
    if subscriber is not None:
        if not subscriber.phone or phone_digits(subscriber.phone) != phone_digits(cleaned["phone"]):
            raise ValidationError("The account number and phone number do not match our records.",
                                  fields={"phone": "does not match the account"})
        if subscriber.user_id is not None:
            raise Conflict("This account already has a login. Log in with it, or call the hotline for help.",
                           code="account_registered", fields={"account": "already registered"})
    user = create_user(s, username, Role.USER, password, display_name=display_name, phone=cleaned["phone"])
    if subscriber is not None:
        subscriber.user_id = user.id
    s.add(SubscriberRegistration(user_id=user.id, account=cleaned["account"], verified=subscriber is not None))
    s.flush()
    return user
