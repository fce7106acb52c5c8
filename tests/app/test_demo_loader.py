"""The demo catalog loads into both databases and is searchable the way a clerk searches."""

from __future__ import annotations

from sqlalchemy import func, select

from app.demo.loader import DEMO_ACCOUNTS, load_demo
from app.errors import DomainError
from app.model import Clerk, ItemBundle, ServiceItem
from app.services.catalog import item_materials, list_bundles, pinyin_initials, search_items
from app.services.clerks import sign_in
from app.storage.db import Database


def test_load_counts_and_idempotence(demo_db: Database) -> None:
    with demo_db.session() as s:
        items = s.execute(select(func.count()).select_from(ServiceItem)).scalar_one()
        assert items >= 30
        assert s.execute(select(func.count()).select_from(ItemBundle)).scalar_one() >= 2
        assert s.execute(select(func.count()).select_from(Clerk)).scalar_one() == len(DEMO_ACCOUNTS)
        again = load_demo(s, station_code="ST001")
    assert again.items_added == 0 and again.items_skipped == items and again.bundles_added == 0


def test_search_by_pinyin_initials_name_department_and_code(demo_db: Database) -> None:
    assert pinyin_initials("建筑工程施工许可") == "jzgcsgxk"
    with demo_db.session() as s:
        by_initials = search_items(s, "jzgc")
        assert by_initials and by_initials[0].name.startswith("建筑工程施工许可")
        assert any("最低生活保障" in i.name for i in search_items(s, "低保") + search_items(s, "最低生活"))
        dept = search_items(s, "残疾人联合会")
        assert dept and all("残疾人联合会" in i.department for i in dept)
        code = by_initials[0].impl_code
        assert [i.impl_code for i in search_items(s, code)] == [code]


def test_item_materials_with_labels(demo_db: Database) -> None:
    with demo_db.session() as s:
        item = search_items(s, "jzgc")[0]
        mats = item_materials(s, item.impl_code)
        assert mats and {m.necessity_label for m in mats} <= {"必要", "非必要", "容缺后补"}
        try:
            item_materials(s, "NO-SUCH-CODE")
        except DomainError as e:
            assert "找不到" in str(e)
        else:
            raise AssertionError("unknown item accepted")


def test_bundles_listed_with_items(demo_db: Database) -> None:
    with demo_db.session() as s:
        bundles = list_bundles(s)
    names = {b.name for b in bundles}
    assert "我要开饭店" in names and "新生儿出生一件事" in names
    assert all(len(b.item_names) >= 2 for b in bundles)


def test_demo_accounts_sign_in_and_wrong_password_is_refused(demo_db: Database) -> None:
    with demo_db.session() as s:
        actor = sign_in(s, "daiban", "123456")
    assert actor.role == "station_staff"
    try:
        with demo_db.session() as s:
            sign_in(s, "daiban", "wrong")
    except DomainError as e:
        assert "密码不正确" in str(e)
    else:
        raise AssertionError("wrong password accepted")


def test_search_sees_catalog_changes_and_ranks_prefix_first(demo_db: Database) -> None:
    from app.model import ServiceItem

    with demo_db.session() as s:
        assert search_items(s, "测试新增事项") == []
        s.add(ServiceItem(basic_code="X", impl_code="NEW-1", name="测试新增事项", item_type_code="20",
                          department="示范县民政局", implementing_body="示范县民政局", implementing_body_code="x",
                          pinyin_initials=pinyin_initials("测试新增事项")))  # fmt: skip
    with demo_db.session() as s:
        assert [i.impl_code for i in search_items(s, "测试新增")] == ["NEW-1"]
        assert search_items(s, "csxz")[0].impl_code == "NEW-1"
        # a department match that is not a name/initials prefix ranks after prefix matches
        hits = search_items(s, "民政")
        assert hits and all("民政" in h.department or "民政" in h.name for h in hits)
        item = s.execute(select(ServiceItem).where(ServiceItem.impl_code == "NEW-1")).scalar_one()
        item.active = False
    with demo_db.session() as s:
        assert search_items(s, "测试新增") == []
