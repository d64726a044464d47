"""The demo's field visit is played through the services and shows every part of the field record."""

from __future__ import annotations

from kb.actors import Role
from servicedesk.attachments import current_store
from servicedesk.demo_field import load_field_visit
from servicedesk.incidents import booking, field_records
from tests import factories
from tests.conftest import login_client


def test_the_demo_visit_has_an_appointment_photos_a_signature_and_one_reading_out_of_range(app, s):
    users = {name: factories.user(role, name, display_name=name) for name, role in (
        ("zhangwei", Role.USER), ("agent.chen", Role.AGENT), ("agent.wu", Role.AGENT))}
    inc = load_field_visit(s, users, current_store())
    assert booking.history(s, inc) and inc.field_work is not None
    assert inc.field_work.arrived_at < inc.field_work.completed_at
    assert len(field_records.list_photos(s, inc)) == 2
    signature = field_records.signature_of(s, inc)
    assert signature is not None and signature.signer_name == users["zhangwei"].name
    readings = field_records.list_measurements(s, inc)
    assert [(m.kind, m.value) for m in readings if not m.in_range] == [("optical_power", -28.6)]
    assert len(readings) == 5
    s.commit()
    page = login_client(app, users["agent.wu"]).get(f"/desk/incidents/{inc.id}/work-order").get_data(as_text=True)
    assert "入户皮线冷接子松动进水" in page and 'data-in-range="no"' in page and 'id="wo-signature"' in page
