"""The desk services' refusals, marked for the catalog (gettext finds them at run time by their text).

The services speak English; the pages pass a refusal through gettext beside the field it names
(servicedesk.formerrors), so every fixed sentence and terse per-field reason is listed here.
"""

from __future__ import annotations

from servicedesk.formerrors import N_

DESK_MESSAGES = frozenset({
    # services, lifecycle, field work, audits
    N_("The version is a whole number."),
    N_("A time needs its time zone."),
    N_("This time is in the future."),
    N_("This time is before the fix."),
    N_("This time is before the report."),
    N_("This time is before the sample was drawn."),
    N_("Name the team or the person who takes the incident over."),
    N_("Someone else changed this incident at the same moment; nothing of yours was saved. "
       "Here is its current state."),
    N_("No incident has this number."),
    N_("An incident cannot be a duplicate of itself."),
    N_("Choose at least one incident."),
    N_("Only a technical lead or an administrator draws an audit sample."),
    # org services (servicedesk.org.services.save_subscriber), shown on the subscriber page
    N_("Only an administrator changes a subscriber's service level."),
    N_("Please correct the sample's size or period."),
    N_("Only service-desk staff record call-backs."),
    N_("This audit call-back is already recorded."),
    N_("The zone manager must be staff."),
    N_("The group leader must be staff."),
    N_("Only an administrator manages the organisation."),
    N_("Only staff maintain subscriber records."),
    # terse per-field reasons, shown when a form has several bad fields at once
    N_("in the future"),
    N_("before the report"),
    N_("before the arrival"),
    N_("before the fix"),
    N_("1 to 4094"),
    N_("for leased lines only"),
    N_("an IPv4 or IPv6 address"),
    N_("like 00:1A:2B:3C:4D:5E"),
    N_("an ISO date-time"),
    N_("digits, spaces and dashes"),
    N_("no such incident"),
    N_("a team or a person"),
    N_("not open"),
})
