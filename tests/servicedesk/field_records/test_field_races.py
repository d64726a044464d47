"""Two engineers on one incident at the same moment: photos and readings of both are kept, two signatures
saved at once leave one (the later) with both in the history; nobody gets an error. Real sessions on their own
connections in threads, taking the incident row as the pages and the API do."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kb.actors import Role
from kb.attachments import BlobStore
from servicedesk.demo_field import png, site_photo
from servicedesk.incidents import field_records as fr
from servicedesk.incidents import services as svc
from servicedesk.incidents.field_models import FieldMeasurement, FieldPhoto, FieldSignature
from servicedesk.incidents.models import Incident, IncidentEvent
from servicedesk.users.models import User
from tests import factories


def _setup(make: Callable[[], Session]) -> tuple[int, int, int]:
    s = make()
    a = User(username="field.a", display_name="吴刚", role=Role.AGENT, password_hash=factories.password_hash())
    b = User(username="field.b", display_name="何磊", role=Role.AGENT, password_hash=factories.password_hash())
    s.add_all([a, b])
    s.flush()
    inc = svc.create_incident(s, a, factories.INCIDENT)
    s.commit()
    ids = inc.id, a.id, b.id
    s.close()
    return ids


def _at_once(make: Callable[[], Session], incident_id: int, *moves: Callable[[Session, Incident, User], Any],
             users: tuple[int, ...]) -> list[Any]:
    ready = threading.Barrier(len(moves), timeout=30)
    results: list[Any] = [None] * len(moves)

    def run(n: int) -> None:
        s = make()
        try:
            ready.wait()
            me = s.get(User, users[n])
            assert me is not None
            incident = svc.get_incident(s, me, incident_id, for_update=True)
            moves[n](s, incident, me)
            s.commit()
            results[n] = "ok"
        except Exception as exc:  # reported by the caller's assertion
            s.rollback()
            results[n] = exc
        finally:
            s.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(moves))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _forget(make: Callable[[], Session], incident_id: int) -> None:
    """The signature row has no id of its own for the committed fixture's sweep: it goes with its incident."""
    s = make()
    s.execute(delete(FieldSignature).where(FieldSignature.incident_id == incident_id))
    s.commit()
    s.close()


def _count(s: Session, model: Any, incident_id: int) -> int:
    return int(s.scalar(select(func.count()).select_from(model).where(model.incident_id == incident_id)) or 0)


def test_two_engineers_upload_photos_at_once_and_both_are_kept(committed, tmp_path):
    store = BlobStore(tmp_path / "blobs")
    incident_id, a, b = _setup(committed)
    same = site_photo(1) + b"race"  # the same picture sent by both: stored once, shown twice

    def upload(name: str) -> Callable[[Session, Incident, User], Any]:
        return lambda s, inc, me: fr.add_photos(s, store, inc, me, [(name, site_photo(0) + name.encode()),
                                                                    ("同一张.png", same)])
    try:
        assert _at_once(committed, incident_id, upload("吴.png"), upload("何.png"), users=(a, b)) == ["ok", "ok"]
        check = committed()
        names = sorted(check.scalars(select(FieldPhoto.filename).where(FieldPhoto.incident_id == incident_id)))
        assert names == ["何.png", "同一张.png", "同一张.png", "吴.png"]
        blobs = set(check.scalars(select(FieldPhoto.blob_id).where(FieldPhoto.incident_id == incident_id,
                                                                   FieldPhoto.filename == "同一张.png")))
        assert len(blobs) == 1
        assert int(check.scalar(select(func.count()).select_from(IncidentEvent).where(
            IncidentEvent.incident_id == incident_id, IncidentEvent.action == "field_photo")) or 0) == 4
        check.close()
    finally:
        _forget(committed, incident_id)


def test_two_engineers_record_readings_at_once_and_both_are_kept(committed):
    incident_id, a, b = _setup(committed)

    def measure(value: str) -> Callable[[Session, Incident, User], Any]:
        return lambda s, inc, me: fr.record_measurements(s, inc, me, {"optical_power_dbm": value}, fr.Thresholds())
    try:
        assert _at_once(committed, incident_id, measure("-19.5"), measure("-28.1"), users=(a, b)) == ["ok", "ok"]
        check = committed()
        rows = check.scalars(select(FieldMeasurement).where(FieldMeasurement.incident_id == incident_id)).all()
        assert sorted((m.value, m.in_range) for m in rows) == [(-28.1, False), (-19.5, True)]
        assert _count(check, FieldMeasurement, incident_id) == 2
        check.close()
    finally:
        _forget(committed, incident_id)


def test_two_signatures_saved_at_once_leave_one_and_both_in_the_history(committed, tmp_path):
    store = BlobStore(tmp_path / "blobs")
    incident_id, a, b = _setup(committed)

    def sign(name: str, offset: int) -> Callable[[Session, Incident, User], Any]:
        drawing = png(600, 200, lambda x, y: (0, 0, 0, 255) if abs(y - 60 - offset - (x % 50)) < 3 else (0, 0, 0, 0))
        return lambda s, inc, me: fr.save_signature(s, store, inc, me, name, drawing)
    try:
        assert _at_once(committed, incident_id, sign("张伟", 0), sign("刘芳", 40), users=(a, b)) == ["ok", "ok"]
        check = committed()
        kept = check.get(FieldSignature, incident_id)
        history = check.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == incident_id,
                                                            IncidentEvent.action == "signature")
                                .order_by(IncidentEvent.id)).all()
        assert len(history) == 2 and history[0].old is None
        assert kept is not None and kept.signer_name == history[1].new  # the later one stands
        assert history[1].old.startswith(history[0].new)  # and says whose it replaced
        check.close()
    finally:
        _forget(committed, incident_id)
