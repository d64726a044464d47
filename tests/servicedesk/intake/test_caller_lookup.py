"""The caller lookup read by index (phone_rev for the last digits, lower(account) for an account's start, a
bounded scan for a part of a name), with the answers it gave before: by the last digits or the whole phone,
an account's start in any case, a name or a part of one (two Chinese characters, or one), exact hits first,
a changed phone found by its new digits, and %, _ typed by the agent taken literally."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, insert, select, text

from servicedesk.incidents import intake
from servicedesk.org import services as org
from servicedesk.org.models import Subscriber, reversed_digits
from tests.migrating import migrating


@pytest.fixture
def base(s, admin):
    def add(account: str, name: str, phone: str = "") -> Subscriber:
        return org.upsert_subscriber(s, admin, {"account": account, "name": name, "phone": phone})

    add("KD-CD-0510001", "王芳", "13912345678")
    add("KD-CD-0510002", "王芳芳", "13800005678")
    add("KD-CD-0510003", "李王芳", "13711112222")
    add("KD-NH-0520001", "张建国", "15955550001")
    add("JK-ZX-0388", "城东第二中学", "0512-86600388")
    add("kd-qs-0530001", "刘芳", "18600001234")
    s.commit()
    return add


def found(s, q: str, **kw) -> list[str]:
    return [sub.account for sub in intake.lookup_callers(s, q, **kw)]


def test_by_the_last_four_digits_or_the_whole_phone(s, base):
    assert found(s, "5678") == ["KD-CD-0510001", "KD-CD-0510002"]
    assert found(s, "0388") == ["JK-ZX-0388"]  # the digits of a number written with a dash
    assert found(s, "13912345678") == ["KD-CD-0510001"]
    assert found(s, "139 1234 5678") == ["KD-CD-0510001"]
    assert found(s, "0512-86600388") == ["JK-ZX-0388"]
    assert found(s, "86600388") == ["JK-ZX-0388"]
    assert found(s, "1391234") == ["KD-CD-0510001"]  # the start of a number
    assert found(s, "678") == []  # fewer than MIN_DIGITS: not a phone lookup


def test_by_the_start_of_an_account_in_any_case(s, base):
    assert found(s, "kd-cd-05") == ["KD-CD-0510001", "KD-CD-0510002", "KD-CD-0510003"]
    assert found(s, "KD-QS") == ["kd-qs-0530001"]
    assert found(s, "jk-zx-0388") == ["JK-ZX-0388"]
    assert found(s, "CD-05") == []  # the start, not a part


def test_by_a_two_character_name_or_one_character_of_it(s, base):
    assert found(s, "王芳") == ["KD-CD-0510001", "KD-CD-0510002", "KD-CD-0510003"]
    assert found(s, "芳") == ["KD-CD-0510001", "KD-CD-0510002", "KD-CD-0510003", "kd-qs-0530001"]
    assert found(s, "建") == ["KD-NH-0520001"]
    assert found(s, "第二中") == ["JK-ZX-0388"]
    assert found(s, "王伟") == []


def test_exact_hits_come_first_even_beyond_the_limit(s, base):
    assert found(s, "王芳芳") == ["KD-CD-0510002"]
    assert found(s, "王芳")[0] == "KD-CD-0510001"
    for n in range(8):  # many whose name holds the query, all before the exact one by account
        base(f"AA-{n:02d}", f"王芳{n}号")
    base("ZZ-99", "周敏")
    base("ZZ-01", "周敏芳")
    s.commit()
    assert found(s, "周敏", limit=2) == ["ZZ-99", "ZZ-01"]
    assert found(s, "王芳", limit=2)[0] == "KD-CD-0510001"
    assert found(s, "zz-99", limit=1) == ["ZZ-99"]


def test_a_changed_phone_is_found_by_its_new_digits(s, admin, base):
    base("KD-NH-0520001", "张建国", "13566667777")
    s.commit()
    assert found(s, "7777") == ["KD-NH-0520001"]
    assert found(s, "0001") == []
    sub = s.scalar(select(Subscriber).where(Subscriber.account == "KD-NH-0520001"))
    sub.phone = "+86 135-0000-4321"
    s.commit()
    assert sub.phone_rev == "1234000053168"
    assert found(s, "4321") == ["KD-NH-0520001"] and found(s, "7777") == []


def test_a_bulk_insert_fills_phone_rev_by_the_default(s, base):
    s.execute(insert(Subscriber), [{"account": "BULK-1", "name": "赵磊", "phone": "17700009999"},
                                   {"account": "BULK-2", "name": "赵磊磊"}])
    s.commit()
    assert found(s, "9999") == ["BULK-1"]
    assert s.scalar(select(Subscriber.phone_rev).where(Subscriber.account == "BULK-2")) == ""


def test_wildcards_typed_are_taken_literally(s, base):
    base("KD_X1", "李%明")
    base("KDAX2", "李_明")
    s.commit()
    assert found(s, "%") == ["KD_X1"]
    assert found(s, "_") == ["KDAX2"]
    assert found(s, "kd_") == ["KD_X1"]
    assert found(s, "李%") == ["KD_X1"]
    assert found(s, "李_") == ["KDAX2"]
    assert found(s, "%5678") == []
    assert found(s, "李\U0010ffff") == []  # a character with no next one: no upper bound for the range


def test_the_migration_fills_phone_rev_for_existing_rows(engine: Engine, database_url: str, tmp_path: Path):
    with migrating(database_url, tmp_path, "lookup_migration_check") as m:
        command.upgrade(m.cfg, "0039")
        m.conn.execute(text("INSERT INTO subscribers (account, name, phone, address, service_level, created_at)"
                            " VALUES ('A1', '王芳', '139-1234 5678', '', 'normal', '2026-01-01'),"
                            " ('A2', '李娜', '', '', 'normal', '2026-01-01')"))
        command.upgrade(m.cfg, "0040")
        rows = m.conn.execute(text("SELECT account, phone_rev FROM subscribers ORDER BY account")).all()
        assert [tuple(r) for r in rows] == [("A1", reversed_digits("13912345678")), ("A2", "")]
        # SQLite's reflection skips an index on an expression, so the model comparison cannot see this one.
        indexes = m.conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'index'" if m.schema is None else
            f"SELECT indexname FROM pg_indexes WHERE schemaname = '{m.schema}'")).scalars().all()
        assert {"ix_subscribers_account_lower", "ix_subscribers_phone_rev", "ix_subscribers_name"} <= set(indexes)
        command.downgrade(m.cfg, "0039")


def test_the_lookup_finds_callers_in_a_database_made_with_a_chinese_collation(database_url: str, tmp_path: Path):
    """An operator's PostgreSQL is often made with a zh_CN collation. There "starts with 8769" read as the range
    ['8769', '876:') is empty (':' sorts before the digits) and ['王', '玌') misses 王芳, unless the looked-up
    columns compare in byte order: a database of its own, made so, migrated to head, then looked up in."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite compares text in byte order (BINARY) unless told otherwise")
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.orm import Session as OrmSession

    name = f"lookup_zh_collation_{os.getpid()}"  # two suites on one server do not meet
    server = create_engine(make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        try:
            conn.execute(text(f"CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu "
                              "ICU_LOCALE 'zh-Hans-CN' LOCALE 'C.UTF-8'"))
        except DBAPIError as exc:  # a server built without ICU
            pytest.skip(f"this PostgreSQL cannot make a zh-Hans-CN database: {exc.orig}")
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    try:
        with migrating(url, tmp_path, "lookup") as m:
            # The database's own collation really breaks such a range; the columns' does not.
            assert m.conn.execute(text("SELECT '87691' < '876:'")).scalar() is False
            command.upgrade(m.cfg, "head")
            with OrmSession(bind=m.conn) as s:
                s.add_all([Subscriber(account="KD-CD-0510001", name="王芳", phone="13912349678"),
                           Subscriber(account="kd-cd-0510009", name="张伟", phone="13800001239")])
                s.flush()
                assert found(s, "9678") == ["KD-CD-0510001"]
                assert found(s, "1239") == ["kd-cd-0510009"]
                assert found(s, "王") == ["KD-CD-0510001"]
                assert found(s, "张伟") == ["kd-cd-0510009"]
                assert found(s, "KD-CD-05") == ["KD-CD-0510001", "kd-cd-0510009"]
    finally:
        with server.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        server.dispose()
