"""The conversation on an incident: public replies (staff and the reporter) and staff's internal notes."""
