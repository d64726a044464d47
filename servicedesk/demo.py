"""Demo data (filled in below)."""

from sqlalchemy.orm import Session


def load_demo(s: Session) -> list[str]:
    return []
