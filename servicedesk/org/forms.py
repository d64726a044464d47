"""Forms of the organisation, subscriber and notification pages: shape only, the services decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from servicedesk.incidents.sla import ANY, MAX_MINUTES
from servicedesk.web import AREA_LABELS, CATEGORY_LABELS

LEVEL_LABELS: dict[str, Any] = {"normal": _l("Normal"), "vip": _l("VIP"), "enterprise": _l("Enterprise")}


def _people(staff: list[Any], blank: Any) -> list[tuple[str, Any]]:
    return [("", blank), *[(str(u.id), f"{u.name} ({u.username})") for u in staff]]


class StationForm(FlaskForm):
    name = StringField(_l("Station name"), validators=[DataRequired(_l("Name the station.")), Length(max=100)])


class GroupForm(FlaskForm):
    station = SelectField(_l("Station"), validators=[DataRequired(_l("Choose the station."))])
    name = StringField(_l("Group name"), validators=[DataRequired(_l("Name the group.")), Length(max=100)])
    leader = SelectField(_l("Group leader"), validators=[Optional()])

    def fill(self, stations: list[Any], staff: list[Any]) -> GroupForm:
        self.station.choices = [(str(st.id), st.name) for st in stations]
        self.leader.choices = _people(staff, _l("Nobody yet"))
        return self


class GroupEditForm(FlaskForm):
    name = StringField(_l("Group name"), validators=[DataRequired(_l("Name the group.")), Length(max=100)])
    leader = SelectField(_l("Group leader"), validators=[Optional()])

    def fill(self, staff: list[Any]) -> GroupEditForm:
        self.leader.choices = _people(staff, _l("Nobody yet"))
        return self


class ZoneForm(FlaskForm):
    group = SelectField(_l("Maintenance group"), validators=[DataRequired(_l("Choose the group."))])
    code = StringField(_l("Zone code"), validators=[DataRequired(_l("Give the zone a code.")), Length(max=40)])
    name = StringField(_l("Zone name"), validators=[DataRequired(_l("Name the zone.")), Length(max=100)])
    manager = SelectField(_l("Community manager"), validators=[Optional()])
    area = SelectField(_l("Area"), default="urban")

    def fill(self, groups: list[Any], staff: list[Any]) -> ZoneForm:
        self.group.choices = [(str(g.id), f"{g.station.name} · {g.name}") for g in groups]
        self.manager.choices = _people(staff, _l("Nobody yet"))
        self.area.choices = list(AREA_LABELS.items())
        return self


class ZoneEditForm(ZoneForm):
    code = None  # a zone's code never changes: incidents and filters use it


class SubscriberForm(FlaskForm):
    account = StringField(_l("Account"), validators=[DataRequired(_l("Give the account number.")), Length(max=40)])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the subscriber's name.")), Length(max=100)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    zone = StringField(_l("Zone code"), validators=[Optional(), Length(max=40)])
    service_level = SelectField(_l("Service level"), default="normal", choices=list(LEVEL_LABELS.items()))

    def subscriber_data(self) -> dict[str, Any]:
        """The record's fields as sent; the service level only when it was sent (the page shows it as text to
        those who may not change it, and the record then keeps its level)."""
        data = {name: (self[name].data or "").strip() for name in ("name", "phone", "address", "zone")}
        if self.service_level.raw_data:
            data["service_level"] = self.service_level.data
        return data


ANY_LABEL = _l("Any")
CALENDAR_LABELS: dict[str, Any] = {"24x7": _l("7×24"), "business": _l("Business hours")}


class SlaPolicyForm(FlaskForm):
    category = SelectField(_l("Category"), default=ANY, choices=[(ANY, ANY_LABEL), *CATEGORY_LABELS.items()])
    area = SelectField(_l("Area"), default=ANY, choices=[(ANY, ANY_LABEL), *AREA_LABELS.items()])
    service_level = SelectField(_l("Service level"), default=ANY, choices=[(ANY, ANY_LABEL), *LEVEL_LABELS.items()])
    respond_minutes = IntegerField(_l("Respond within (minutes)"), validators=[
        InputRequired(_l("Give the minutes to respond.")),
        NumberRange(min=1, max=MAX_MINUTES, message=_l("A whole number of minutes, at least 1."))])
    resolve_hours = DecimalField(_l("Resolve within (hours)"), places=2, validators=[
        InputRequired(_l("Give the hours to resolve.")),
        NumberRange(min=Decimal(1) / 60, max=Decimal(MAX_MINUTES) / 60,
                    message=_l("A number of hours greater than 0, at most a year."))])
    calendar = RadioField(_l("Clock"), default="24x7", choices=list(CALENDAR_LABELS.items()))

    def validate_respond_minutes(self, field: IntegerField) -> None:
        if field.data and self.resolve_hours.data and field.data > self.resolve_hours.data * 60:
            raise ValidationError(_l("The response target cannot be later than the resolve target."))

    def policy_data(self) -> dict[str, Any]:
        return {"category": self.category.data, "area": self.area.data, "service_level": self.service_level.data,
                "respond_minutes": self.respond_minutes.data, "calendar": self.calendar.data,
                "resolve_minutes": round(self.resolve_hours.data * 60)}
