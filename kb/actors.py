"""Who acts on the knowledge base: roles and the minimal shape of an acting user."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class Role(StrEnum):
    USER = "user"  # subscriber / end user
    AGENT = "agent"  # first-line (L1)
    SPECIALIST = "specialist"  # L2-L4
    LEAD = "lead"  # technical lead: reviews articles
    ADMIN = "admin"  # manager / administrator


STAFF_ROLES = frozenset({Role.AGENT, Role.SPECIALIST, Role.LEAD, Role.ADMIN})


class Actor(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def role(self) -> Role: ...


def is_staff(actor: Actor | None) -> bool:
    return actor is not None and actor.role in STAFF_ROLES
