"""Article and revision states, and the legal moves between them, as data."""

from __future__ import annotations

from enum import StrEnum


class ArticleType(StrEnum):
    SOLUTION = "solution"
    PROCEDURE = "procedure"
    CHANGE = "change"
    REFERENCE = "reference"


class ChangeKind(StrEnum):
    """What a change artefact is: the request, or one of the plans that go with it."""

    CHANGE_REQUEST = "change_request"
    TEST_PLAN = "test_plan"
    TECHNICAL_PLAN = "technical_plan"
    CUTOVER_PLAN = "cutover_plan"


class Visibility(StrEnum):
    INTERNAL = "internal"
    PUBLIC = "public"


class ArticleStatus(StrEnum):
    """The article as a whole: what it counts as for incidents and search."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETIRED = "retired"


class RevisionStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # was approved, then a newer revision was approved


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


# action -> (revision states it may start from, revision state it leads to)
REVISION_MOVES: dict[str, tuple[frozenset[RevisionStatus], RevisionStatus]] = {
    "edit": (frozenset({RevisionStatus.DRAFT, RevisionStatus.REJECTED}), RevisionStatus.DRAFT),
    "submit": (frozenset({RevisionStatus.DRAFT, RevisionStatus.REJECTED}), RevisionStatus.IN_REVIEW),
    "approve": (frozenset({RevisionStatus.IN_REVIEW}), RevisionStatus.APPROVED),
    "reject": (frozenset({RevisionStatus.IN_REVIEW}), RevisionStatus.REJECTED),
}

# Revisions still being worked on; at most one per article, always the newest.
WORKING_STATES = frozenset({RevisionStatus.DRAFT, RevisionStatus.IN_REVIEW, RevisionStatus.REJECTED})
