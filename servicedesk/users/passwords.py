"""The password policy every path that sets a password goes through, and hashing that costs the same for all.

A password has at least MIN_PASSWORD characters, is not one of the most common passwords (the list ships
with the package, common_passwords.txt), is not built on the username, and has at least three different
characters. The problems are named by stable reasons, which the pages say in the reader's language.
"""

from __future__ import annotations

import secrets
from functools import cache
from importlib import resources

from werkzeug.security import check_password_hash, generate_password_hash

from kb.errors import ValidationError

MIN_PASSWORD = 10
MAX_PASSWORD = 200
MIN_BESIDE_USERNAME = 6  # a password may hold the username only with this many characters of its own
MIN_DISTINCT = 3

# Stable reasons (the API's `fields` values), each with the sentence the services say.
TOO_SHORT = "too short"
TOO_LONG = "too long"
TOO_COMMON = "too common"
LIKE_USERNAME = "like the username"
TOO_REPETITIVE = "too repetitive"

MESSAGES = {
    TOO_SHORT: f"The password needs at least {MIN_PASSWORD} characters.",
    TOO_LONG: f"The password may have at most {MAX_PASSWORD} characters.",
    TOO_COMMON: "This password is one of the most common passwords; choose one that is harder to guess.",
    LIKE_USERNAME: f"The password is too close to the username: add at least {MIN_BESIDE_USERNAME} "
                   "characters of your own besides it.",
    TOO_REPETITIVE: f"The password needs at least {MIN_DISTINCT} different characters.",
}


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of the most common passwords, in lower case."""
    text = resources.files("servicedesk.users").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str, username: str = "") -> str | None:
    """The first reason the policy refuses password (for this username), or None when it is acceptable."""
    if len(password) < MIN_PASSWORD:
        return TOO_SHORT
    if len(password) > MAX_PASSWORD:
        return TOO_LONG
    folded = password.casefold()
    if len(set(folded)) < MIN_DISTINCT:
        return TOO_REPETITIVE
    if folded.strip() in common_passwords():
        return TOO_COMMON
    name = username.strip().casefold()
    if len(name) >= 3 and name in folded and len(folded.replace(name, "")) < MIN_BESIDE_USERNAME:
        return LIKE_USERNAME
    return None


def check_policy(password: str, username: str = "", field: str = "password") -> None:
    """Raises a ValidationError naming field when the policy refuses password."""
    problem = password_problem(password, username)
    if problem is not None:
        raise ValidationError(MESSAGES[problem], fields={field: problem})


def hash_password(password: str) -> str:
    return generate_password_hash(password)


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether password matches the hash; with no hash (no such user) it checks a dummy one, so an unknown
    name costs what a known one does and the answer's timing tells nothing."""
    if not password_hash:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)
