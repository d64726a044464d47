"""A service of the catalogue: its code (kept for ever: incidents, articles and figures name it), its labels in
both languages, the SLA category a report for it gets unless the agent chooses one, whether new reports may
choose it, and its place in the lists."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
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


class CatalogueReportType(Base):
    """A kind of report under one service (光猫 LOS 红灯 under broadband, 马赛克 under cable TV): its code
    (kept for ever within its service: incidents name it), its labels, the SLA category a report of this type
    counts as, whether new reports may choose it, and its place in the service's list."""

    __tablename__ = "catalogue_report_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    service: Mapped[str] = mapped_column(String(40), ForeignKey("catalogue_services.code"))
    code: Mapped[str] = mapped_column(String(40))
    label_zh: Mapped[str] = mapped_column(String(60))
    label_en: Mapped[str] = mapped_column(String(60))
    sla_category: Mapped[str] = mapped_column(String(20), default="fault")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort: Mapped[int] = mapped_column(Integer, default=100)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("service", "code", name="uq_catalogue_report_types_service_code"),)
