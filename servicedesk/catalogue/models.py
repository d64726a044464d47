"""A service of the catalogue: its code (kept for ever: incidents, articles and figures name it), its labels in
both languages, the SLA category a report for it gets unless the agent chooses one, whether new reports may
choose it, and its place in the lists."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kb.orm import Base, utcnow


class CatalogueService(Base):
    __tablename__ = "catalogue_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label_zh: Mapped[str] = mapped_column(String(60))
    label_en: Mapped[str] = mapped_column(String(60))
    default_category: Mapped[str] = mapped_column(String(20), default="fault")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort: Mapped[int] = mapped_column(Integer, default=100)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
