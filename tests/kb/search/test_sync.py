"""The index follows the database: written after commit, never after a rollback, rebuildable."""

from __future__ import annotations

from kb import services as kb
from kb.search import service
from kb.search.sync import rebuild_index, reconcile_index
from servicedesk.incidents.services import incident_counts_for
from servicedesk.search import current_index
from tests import factories


def found(text, actor, **kw):
    return [h.id for h in service.search_articles(current_index(), actor, text, **kw).items]


def test_an_approved_article_is_searchable_after_commit(s, agent, lead, subscriber):
    a = factories.approved_article(agent, lead, title="光猫 LOS 红灯闪烁（城东片区）")
    assert a.id not in found("城东片区", subscriber)  # not before the commit
    s.commit()
    assert found("城东片区", subscriber) == [a.id]
    assert found("光帽 红灯", subscriber)[0] == a.id


def test_drafts_are_indexed_for_staff_only(s, agent, subscriber):
    a = factories.article(agent, title="户户通 E-04 信号中断的处理", fault_codes=["E-04"], services=["satellite_tv"])
    s.commit()
    assert found("E-04", agent) == []  # staff see approved articles unless they ask
    assert found("E-04", agent, status="draft") == [a.id]
    assert found("E-04", subscriber, status="draft") == []


def test_a_rolled_back_change_never_reaches_the_index(s, agent, lead):
    a = factories.approved_article(agent, lead, title="机顶盒黑屏的处理")
    s.commit()
    kb.update_article(s, a, agent, {"title": "机顶盒黑屏（回滚的修改）"})
    s.flush()
    s.rollback()
    ix = current_index()
    assert found("回滚", agent, status="draft,approved") == []
    b = factories.article(agent, title="不会提交的草稿 W-102")
    s.flush()
    s.rollback()
    assert found("W-102", agent, status="draft") == []
    assert ix.doc_count() == 1
    s.expire_all()
    assert found("机顶盒黑屏", agent) == [a.id]
    del b


def test_editing_an_approved_article_keeps_the_live_version_searchable(s, agent, lead, subscriber):
    a = factories.approved_article(agent, lead, title="宽带拨号错误 691 的处理")
    s.commit()
    kb.update_article(s, a, agent, {"title": "宽带拨号错误 691 的处理（修订中）"})
    s.commit()
    hits = service.search_articles(current_index(), subscriber, "691").items
    assert [h.title for h in hits] == ["宽带拨号错误 691 的处理"]


def test_retiring_removes_an_article_from_search(s, agent, lead, subscriber):
    a = factories.approved_article(agent, lead, title="IPTV 卡顿马赛克的处理", services=["iptv"])
    s.commit()
    assert found("马赛克", subscriber) == [a.id]
    kb.retire_article(s, a, lead)
    s.commit()
    assert found("马赛克", subscriber) == []
    assert found("马赛克", lead, status="retired") == [a.id]


def test_linking_incidents_updates_most_used(s, agent, lead, subscriber):
    used = factories.approved_article(agent, lead, title="光猫 LOS 灯红色闪烁的处理")
    other = factories.approved_article(agent, lead, title="光猫 LOS 告警的排查")
    s.commit()
    factories.resolved_incident(agent, subscriber, solution=used)
    s.commit()
    assert found("光猫 LOS", agent, sort="most_used") == [used.id, other.id]


def test_rebuild_reproduces_the_same_results(s, agent, lead, subscriber):
    factories.approved_article(agent, lead, title="光猫 LOS 灯红色闪烁的处理")
    factories.approved_article(agent, lead, title="宽带拨号错误 691", tags=["拨号"], fault_codes=["691"])
    factories.approved_article(agent, lead, title="机顶盒 E-102 无信号", services=["cable_tv"], fault_codes=["E-102"],
                               tags=["机顶盒"], visibility="internal")
    factories.article(agent, title="OLT 割接方案", type="change", body="城东片区 OLT 割接。")
    s.commit()
    queries = [("光猫", agent, {}), ("691", subscriber, {}), ("E-102", agent, {}), ("割接", agent, {"status": "draft"}),
               ("", agent, {})]
    before = [service.search_articles(current_index(), actor, q, **kw) for q, actor, kw in queries]
    assert rebuild_index(s, current_index(), count_incidents=incident_counts_for) == 4
    after = [service.search_articles(current_index(), actor, q, **kw) for q, actor, kw in queries]
    for b, a in zip(before, after, strict=True):
        assert [h.id for h in a.items] == [h.id for h in b.items]
        assert a.total == b.total and a.facets == b.facets


def test_reconcile_repairs_what_a_crash_left_behind(s, agent, lead, subscriber):
    a = factories.approved_article(agent, lead, title="路由器 WiFi 信号弱")
    b = factories.approved_article(agent, lead, title="话机 W-102 注册失败", services=["voice"])
    s.commit()
    ix = current_index()
    # A crash between commit and index update: the index still holds an older state of a, lost b.
    ix.apply([], [b.id])
    kb.retire_article(s, a, lead)
    ix.background_merge = False
    saved = ix.apply
    ix.apply = lambda *args, **kw: None  # type: ignore[method-assign]
    try:
        s.commit()
    finally:
        ix.apply = saved  # type: ignore[method-assign]
    assert found("WiFi", subscriber) == [a.id]
    assert reconcile_index(s, ix, count_incidents=incident_counts_for) == 2
    assert found("WiFi", subscriber) == []
    assert found("W-102", subscriber) == [b.id]
    assert reconcile_index(s, ix) == 0


def test_a_rolled_back_savepoint_drops_only_its_own_changes(s, agent, lead, subscriber):
    kept = factories.approved_article(agent, lead, title="光猫 LOS 红灯（保留）")
    s.flush()
    try:
        with s.begin_nested():
            factories.approved_article(agent, lead, title="光猫 LOS 红灯（回滚）")
            s.flush()
            raise RuntimeError("roll the savepoint back")
    except RuntimeError:
        pass
    with s.begin_nested():
        inner = factories.approved_article(agent, lead, title="光猫 LOS 红灯（保存点提交）")
    assert found("光猫", subscriber) == []  # a released savepoint is not a commit
    s.commit()
    assert sorted(found("光猫", subscriber)) == sorted([kept.id, inner.id])
    assert found('"回滚"', subscriber) == []


def test_searching_while_publishing_from_other_threads(s, agent, lead, subscriber):
    import threading

    factories.approved_article(agent, lead, title="光猫 LOS 红灯闪烁")
    s.commit()
    ix = current_index()
    from kb.search.schema import make_document

    errors: list[BaseException] = []

    def search() -> None:
        try:
            for _ in range(30):
                assert service.search_articles(ix, subscriber, "光猫 红灯").total >= 1
        except BaseException as exc:
            errors.append(exc)

    def publish() -> None:
        from datetime import datetime

        try:
            for n in range(15):
                ix.apply([make_document(id=10_000 + n, type="solution", status="approved", visibility="public",
                                        author=1, title=f"光猫红灯 第{n}条", updated=datetime(2025, 1, 1))])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=search) for _ in range(3)] + [threading.Thread(target=publish)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ix.wait_for_merges()
    assert errors == []
    assert service.search_articles(ix, subscriber, "光猫 红灯").total == 16
