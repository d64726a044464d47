"""The service catalogue over HTTP: everyone signed in reads it; administrators add and change services.
A code is kept for ever (no delete: deactivate instead); 409 duplicate_code, 409 stale_version."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from servicedesk.api import bp
from servicedesk.api.common import commit, session, user
from servicedesk.api.contract import WRITE, Input, Output, body, operation
from servicedesk.catalogue import services as catalogue

CategoryCode = Literal["fault", "complaint", "request", "consultation"]


class _RowOut(Output):
    code: str
    label_zh: str
    label_en: str
    active: bool = Field(description="Offered for new reports")
    sort: int
    version: int = Field(description="Send back as 'version' on a change; 409 stale_version if it moved on")
    updated_at: str


class ServiceOut(_RowOut):
    default_category: str = Field(description="The SLA category of a report for it unless one is chosen")


class ServiceList(Output):
    items: list[ServiceOut]


class _RowInput(Input):
    code: str = Field(min_length=2, max_length=40, pattern=r"^[a-z][a-z0-9_]{1,39}$",
                      description="Kept for ever (incidents name it)")
    label_zh: str = Field(min_length=1, max_length=catalogue.LABEL_MAX)
    label_en: str = Field(min_length=1, max_length=catalogue.LABEL_MAX)
    active: bool = True
    sort: int | None = Field(None, ge=0, le=10_000)


class ServiceInput(_RowInput):
    default_category: CategoryCode = "fault"


class _RowPatch(Input):
    label_zh: str | None = Field(None, min_length=1, max_length=catalogue.LABEL_MAX)
    label_en: str | None = Field(None, min_length=1, max_length=catalogue.LABEL_MAX)
    active: bool | None = None
    sort: int | None = Field(None, ge=0, le=10_000)
    version: int | None = Field(None, ge=1)


class ServicePatch(_RowPatch):
    default_category: CategoryCode | None = None


@bp.get("/catalogue/services")
@operation("list_services", tag="catalogue", summary="The service catalogue, in its order",
           responses={200: ServiceList}, errors=(401,))
def list_services() -> dict[str, Any]:
    user()
    return {"items": [catalogue.service_data(r) for r in catalogue.services(session())]}


@bp.post("/catalogue/services")
@operation("create_service", tag="catalogue", summary="Add a service (administrators)", body=ServiceInput,
           responses={201: ServiceOut}, errors=WRITE,
           description="Offered for new reports and filters at once, in every worker; 409 duplicate_code.")
def create_service() -> tuple[dict[str, Any], int]:
    data = body(ServiceInput).model_dump(exclude_none=True)
    service = catalogue.create_service(session(), user(), data)
    commit()
    return catalogue.service_data(service), 201


@bp.get("/catalogue/services/<code>")
@operation("get_service", tag="catalogue", summary="One service of the catalogue", responses={200: ServiceOut},
           errors=(401, 404))
def get_service(code: str) -> dict[str, Any]:
    user()
    return catalogue.service_data(catalogue.get_service(session(), code))


@bp.patch("/catalogue/services/<code>")
@operation("update_service", tag="catalogue", summary="Change a service's labels, default, order or active flag "
           "(administrators)", body=ServicePatch, responses={200: ServiceOut}, errors=WRITE,
           description="The code stays; deactivate a service instead of deleting it. 409 stale_version.")
def update_service(code: str) -> dict[str, Any]:
    data = body(ServicePatch).model_dump(exclude_unset=True)
    version = data.pop("version", None)
    service = catalogue.get_service(session(), code)
    catalogue.update_service(session(), user(), service, data, version)
    commit()
    return catalogue.service_data(service)


class ReportTypeOut(_RowOut):
    service: str
    sla_category: str = Field(description="The SLA category a report of this type counts as (its targets and "
                                          "figures), unless the agent chooses one")


class ReportTypeList(Output):
    items: list[ReportTypeOut]


class ReportTypeInput(_RowInput):
    sla_category: CategoryCode = "fault"


class ReportTypePatch(_RowPatch):
    sla_category: CategoryCode | None = None


@bp.get("/catalogue/services/<code>/report-types")
@operation("list_report_types", tag="catalogue", summary="A service's report types, in their order",
           responses={200: ReportTypeList}, errors=(401, 404))
def list_report_types(code: str) -> dict[str, Any]:
    user()
    service = catalogue.get_service(session(), code)
    return {"items": [catalogue.report_type_data(r) for r in catalogue.report_types(session(), service.code)]}


@bp.post("/catalogue/services/<code>/report-types")
@operation("create_report_type", tag="catalogue", summary="Add a report type under a service (administrators)",
           body=ReportTypeInput, responses={201: ReportTypeOut}, errors=WRITE,
           description="Offered on the report forms at once, in every worker; 409 duplicate_code.")
def create_report_type(code: str) -> tuple[dict[str, Any], int]:
    data = body(ReportTypeInput).model_dump(exclude_none=True)
    service = catalogue.get_service(session(), code)
    row = catalogue.create_report_type(session(), user(), service, data)
    commit()
    return catalogue.report_type_data(row), 201


@bp.patch("/catalogue/services/<code>/report-types/<type_code>")
@operation("update_report_type", tag="catalogue", summary="Change a report type's labels, SLA category, order "
           "or active flag (administrators)", body=ReportTypePatch, responses={200: ReportTypeOut}, errors=WRITE,
           description="The code stays; deactivate a type instead of deleting it. 409 stale_version.")
def update_report_type(code: str, type_code: str) -> dict[str, Any]:
    data = body(ReportTypePatch).model_dump(exclude_unset=True)
    version = data.pop("version", None)
    row = catalogue.get_report_type(session(), code, type_code)
    catalogue.update_report_type(session(), user(), row, data, version)
    commit()
    return catalogue.report_type_data(row)
