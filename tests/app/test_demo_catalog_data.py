"""The demo service catalog (演示事项目录) shipped in app/demo/catalog.json.

The loader maps these keys one to one onto ORM columns, so the shape is checked exactly; the
content is checked against the GB/T 39046 code tables so the demo never shows an impossible item.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib import resources
from typing import Any

import pytest
from sqlalchemy import String, Table

from app.model.catalog import MaterialRequirement, ServiceItem
from app.validation import check_uscc

TOP_KEYS = {"version", "region_code", "items", "bundles"}
ITEM_KEYS = {
    "basic_code",
    "impl_code",
    "handle_item_code",
    "name",
    "pinyin_hint",
    "item_type_code",
    "legal_basis",
    "exercise_level_code",
    "authority_division",
    "exercise_content",
    "department",
    "implementing_body",
    "implementing_body_code",
    "implementing_body_nature_code",
    "statutory_limit",
    "statutory_limit_unit",
    "statutory_limit_note",
    "promised_limit",
    "promised_limit_unit",
    "promised_limit_note",
    "case_type_code",
    "acceptance_conditions",
    "procedure",
    "joint_departments",
    "joint_department_codes",
    "handling_body",
    "handling_body_code",
    "intermediary_services",
    "quantity_limit",
    "result_name",
    "result_type",
    "result_sample",
    "fee_charged",
    "fee_basis",
    "fees",
    "crossregion_scope",
    "service_target_codes",
    "service_target",
    "theme",
    "person_theme_code",
    "org_theme_code",
    "handling_form_codes",
    "special_procedures",
    "jurisdiction",
    "jurisdiction_code",
    "appointment_supported",
    "online_payment_supported",
    "courier_supported",
    "online_handling",
    "online_url",
    "system_level",
    "handling_place",
    "office_hours",
    "enquiry_channels",
    "enquiry_phone",
    "supervision_phone",
    "visit_limit",
    "window",
    "category",
    "faq",
    "materials",
}
MATERIAL_KEYS = {
    "name",
    "order",
    "necessity",
    "form",
    "material_type",
    "original_copies",
    "copy_copies",
    "paper_format",
    "source",
    "source_note",
    "issuing_body",
    "acceptance_standard",
    "legal_basis",
    "blank_form",
    "sample_form",
    "fill_instructions",
    "remark",
    "collection",
}
FEE_KEYS = {"name", "standard", "basis", "reducible"}
FAQ_KEYS = {"question", "answer"}
BUNDLE_KEYS = {"code", "name", "description", "lead_department", "items"}

INT_ITEM_KEYS = {"statutory_limit", "promised_limit", "visit_limit"}
BOOL_ITEM_KEYS = {
    "fee_charged",
    "appointment_supported",
    "online_payment_supported",
    "courier_supported",
    "online_handling",
}
LIST_ITEM_KEYS = {"fees", "service_target_codes", "handling_form_codes", "faq", "materials", "card_fields"}
# Keys an item may leave out: card_fields None means "the default card fields" (card_reads.py).
OPTIONAL_ITEM_KEYS = {"card_fields"}

ITEM_TYPES = {f"{n:02d}" for n in range(12)} | {"20"}  # GB/T 39046 A.1
EXERCISE_LEVELS = set("1234567")  # A.2
BODY_NATURES = set("1239")  # A.3
SERVICE_TARGETS = set("123456")  # A.4
HANDLING_FORMS = set("12349")  # A.5
CASE_TYPES = set("129")  # A.6
LIMIT_UNITS = set("12345")  # 工作日 自然日 小时 分钟 月
CROSSREGION_SCOPES = {"", "全国", "跨省", "跨市", "跨县"}
QUEUE_CATEGORIES = set("ABCDEF")
NECESSITIES = set("123")
MATERIAL_FORMS = set("123")
MATERIAL_TYPES = set("123")
COLLECTIONS = {"收原件", "验原件收复印件", "收原件及复印件", "电子证照"}
SOURCES = {"申请人自备", "政府部门核发", "其他"}
RESULT_TYPES = {"证照", "批文", "其他"}

REQUIRED_NAMES = [
    "建筑工程施工许可",
    "农村最低生活保障审核确认",
    "城乡居民养老保险参保登记",
    "临时救助",
    "残疾人证办理（新办）",
    "生育登记",
    "个体工商户设立登记",
    "食品经营许可",
    "城乡居民医保参保登记",
    "特困人员认定",
    "高龄津贴申领",
    "农村宅基地审批",
    "就业创业证申领",
    "灵活就业人员社保登记",
    "独生子女父母奖励",
    "退役军人优待证申领",
    "居住证办理",
    "户口迁移（准迁）",
    "出生医学证明首次签发",
    "残疾人两项补贴",
    "医疗救助",
    "企业职工基本养老保险待遇申领",
    "失业保险金申领",
    "道路运输经营许可",
    "药品零售经营许可",
    "林木采伐许可",
    "取水许可",
    "农机购置补贴",
    "二手房转移登记（不动产）",
    "个人所得税综合所得汇算",
]

_CODE_CHARS = re.compile(r"[0-9A-Z]+")


@pytest.fixture(scope="module")
def catalog() -> dict[str, Any]:
    # Read through importlib.resources: that is how the installed product finds the file.
    text = resources.files("app.demo").joinpath("catalog.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@pytest.fixture(scope="module")
def items(catalog: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = catalog["items"]
    return result


def _materials(items: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [(it["name"], m) for it in items for m in it["materials"]]


def test_file_is_the_demo_county_catalog(catalog: dict[str, Any]) -> None:
    assert set(catalog) == TOP_KEYS
    assert catalog["version"] == 1
    assert catalog["region_code"] == "341122"


def test_enough_items_across_enough_departments(items: list[dict[str, Any]]) -> None:
    assert len(items) >= 30
    assert len({it["department"] for it in items}) >= 10


def test_every_required_item_is_present_once(items: list[dict[str, Any]]) -> None:
    names = Counter(it["name"] for it in items)
    missing = [n for n in REQUIRED_NAMES if names[n] == 0]
    assert missing == []
    assert [n for n, c in names.items() if c > 1] == []


def test_key_sets_match_the_schema_exactly(catalog: dict[str, Any], items: list[dict[str, Any]]) -> None:
    for it in items:
        assert set(it) - OPTIONAL_ITEM_KEYS == ITEM_KEYS, it["name"]
        for m in it["materials"]:
            assert set(m) == MATERIAL_KEYS, (it["name"], m["name"])
        for fee in it["fees"]:
            assert set(fee) == FEE_KEYS, it["name"]
        for qa in it["faq"]:
            assert set(qa) == FAQ_KEYS, it["name"]
    for bundle in catalog["bundles"]:
        assert set(bundle) == BUNDLE_KEYS, bundle["code"]


def test_value_types_fit_the_columns(items: list[dict[str, Any]]) -> None:
    for it in items:
        for key, value in it.items():
            if key in INT_ITEM_KEYS:
                assert type(value) is int and value >= 0, (it["name"], key)
            elif key in BOOL_ITEM_KEYS:
                assert type(value) is bool, (it["name"], key)
            elif key in LIST_ITEM_KEYS:
                assert isinstance(value, list), (it["name"], key)
            else:
                assert isinstance(value, str), (it["name"], key)
        for m in it["materials"]:
            for key in ("order", "original_copies", "copy_copies"):
                assert type(m[key]) is int and m[key] >= 0, (it["name"], m["name"], key)
        for fee in it["fees"]:
            assert type(fee["reducible"]) is bool


def _string_limits(table: Table) -> dict[str, int]:
    return {
        col.name: col.type.length
        for col in table.columns
        if isinstance(col.type, String) and col.type.length is not None
    }


def test_strings_fit_the_orm_column_lengths(items: list[dict[str, Any]]) -> None:
    item_limits = _string_limits(ServiceItem.__table__)  # type: ignore[arg-type]
    material_limits = _string_limits(MaterialRequirement.__table__)  # type: ignore[arg-type]
    too_long: list[tuple[str, ...]] = [
        (it["name"], key)
        for it in items
        for key, limit in item_limits.items()
        if isinstance(it.get(key), str) and len(it[key]) > limit
    ]
    too_long += [
        (name, m["name"], key)
        for name, m in _materials(items)
        for key, limit in material_limits.items()
        if isinstance(m.get(key), str) and len(m[key]) > limit
    ]
    assert too_long == []


def test_codes_are_unique_and_well_formed(items: list[dict[str, Any]]) -> None:
    impl_codes = [it["impl_code"] for it in items]
    assert len(impl_codes) == len(set(impl_codes))
    for it in items:
        assert _CODE_CHARS.fullmatch(it["basic_code"]) and len(it["basic_code"]) <= 10, it["name"]
        assert _CODE_CHARS.fullmatch(it["impl_code"]) and len(it["impl_code"]) <= 36, it["name"]
        assert it["pinyin_hint"] == "", it["name"]  # computed by code at load time
        assert it["jurisdiction_code"] == "341122"


def test_body_codes_are_valid_credit_codes(items: list[dict[str, Any]]) -> None:
    for it in items:
        assert check_uscc(it["implementing_body_code"]) == it["implementing_body_code"], it["name"]
        if it["handling_body_code"]:
            check_uscc(it["handling_body_code"])
        joint_codes = [c for c in it["joint_department_codes"].split(",") if c]
        for code in joint_codes:
            check_uscc(code)
        # one code per named joint department, and none without a name
        assert len(joint_codes) == len([d for d in it["joint_departments"].split("、") if d]), it["name"]


def test_same_body_always_has_the_same_code(items: list[dict[str, Any]]) -> None:
    codes: dict[str, set[str]] = {}
    for it in items:
        codes.setdefault(it["implementing_body"], set()).add(it["implementing_body_code"])
    assert {body: c for body, c in codes.items() if len(c) > 1} == {}
    assert len({next(iter(c)) for c in codes.values()}) == len(codes)


def test_item_codes_are_within_their_code_tables(items: list[dict[str, Any]]) -> None:
    for it in items:
        name = it["name"]
        assert it["item_type_code"] in ITEM_TYPES, name
        assert it["exercise_level_code"] in EXERCISE_LEVELS, name
        assert it["implementing_body_nature_code"] in BODY_NATURES, name
        assert it["statutory_limit_unit"] in LIMIT_UNITS, name
        assert it["promised_limit_unit"] in LIMIT_UNITS, name
        assert it["case_type_code"] in CASE_TYPES, name
        assert it["crossregion_scope"] in CROSSREGION_SCOPES, name
        assert it["category"] in QUEUE_CATEGORIES, name
        assert it["result_type"] in RESULT_TYPES, name
        assert it["service_target_codes"] and set(it["service_target_codes"]) <= SERVICE_TARGETS, name
        assert it["handling_form_codes"] and set(it["handling_form_codes"]) <= HANDLING_FORMS, name


def test_material_codes_are_within_their_code_tables(items: list[dict[str, Any]]) -> None:
    for name, m in _materials(items):
        where = (name, m["name"])
        assert m["necessity"] in NECESSITIES, where
        assert m["form"] in MATERIAL_FORMS, where
        assert m["material_type"] in MATERIAL_TYPES, where
        assert m["collection"] in COLLECTIONS, where
        assert m["source"] in SOURCES, where


def test_the_catalog_mixes_item_types(items: list[dict[str, Any]]) -> None:
    assert {"01", "05", "07", "10", "20"} <= {it["item_type_code"] for it in items}


def test_statutory_limit_is_never_shorter_than_the_promise(items: list[dict[str, Any]]) -> None:
    same_unit = [it for it in items if it["statutory_limit_unit"] == it["promised_limit_unit"]]
    assert len(same_unit) == len(items)  # the demo keeps units comparable
    assert [it["name"] for it in same_unit if it["statutory_limit"] < it["promised_limit"]] == []


def test_immediate_cases_are_promised_zero(items: list[dict[str, Any]]) -> None:
    for it in items:
        assert (it["case_type_code"] == "1") == (it["promised_limit"] == 0), it["name"]
        assert it["statutory_limit_note"] and it["promised_limit_note"], it["name"]
    assert sum(it["case_type_code"] == "1" for it in items) >= 5


def test_fees_agree_with_fee_charged(items: list[dict[str, Any]]) -> None:
    for it in items:
        if it["fee_charged"]:
            assert it["fees"] and it["fee_basis"], it["name"]
            assert all(f["name"] and f["standard"] and f["basis"] for f in it["fees"]), it["name"]
        else:
            assert it["fees"] == [] and it["fee_basis"] == "", it["name"]
    assert any(it["fee_charged"] for it in items)


def test_online_handling_agrees_with_its_address(items: list[dict[str, Any]]) -> None:
    for it in items:
        online_forms = {"2", "3"} & set(it["handling_form_codes"])
        if it["online_handling"]:
            assert it["online_url"].startswith("https://") and online_forms, it["name"]
        else:
            assert it["online_url"] == "" and not online_forms, it["name"]


def test_service_target_text_names_its_codes(items: list[dict[str, Any]]) -> None:
    labels = {
        "1": "自然人",
        "2": "企业法人",
        "3": "事业法人",
        "4": "社会组织法人",
        "5": "行政机关",
        "6": "其他组织",
    }
    for it in items:
        assert it["service_target"] == "、".join(labels[c] for c in it["service_target_codes"]), it["name"]


def test_materials_are_realistic_lists(items: list[dict[str, Any]]) -> None:
    for it in items:
        mats = it["materials"]
        assert 3 <= len(mats) <= 9, it["name"]
        assert [m["order"] for m in mats] == list(range(1, len(mats) + 1)), it["name"]
        names = [m["name"] for m in mats]
        assert len(names) == len(set(names)), it["name"]
        assert any(m["necessity"] == "1" for m in mats), it["name"]
    deferrable = [it["name"] for it in items if any(m["necessity"] == "3" for m in it["materials"])]
    assert len(deferrable) >= 8
    assert any(m["necessity"] == "2" for _, m in _materials(items))


def test_identity_cards_are_checked_not_taken(items: list[dict[str, Any]]) -> None:
    ids = [m for _, m in _materials(items) if m["name"] == "申请人居民身份证"]
    assert len(ids) >= 20
    for m in ids:
        assert m["source"] == "政府部门核发" and m["collection"] == "验原件收复印件"


def test_shared_materials_are_described_the_same_everywhere(items: list[dict[str, Any]]) -> None:
    # merge-without-duplicates in 一件事 bundles keys on the name; the rest must not contradict itself
    seen: dict[str, tuple[str, str, str]] = {}
    for name, m in _materials(items):
        shape = (m["material_type"], m["source"], m["collection"])
        assert seen.setdefault(m["name"], shape) == shape, (name, m["name"])


def test_bundles_reference_existing_items(catalog: dict[str, Any], items: list[dict[str, Any]]) -> None:
    by_code = {it["impl_code"]: it for it in items}
    departments = {it["department"] for it in items}
    bundles = catalog["bundles"]
    assert len({b["code"] for b in bundles}) == len(bundles)
    for b in bundles:
        assert len(b["items"]) >= 2 and len(set(b["items"])) == len(b["items"]), b["name"]
        assert all(code in by_code for code in b["items"]), b["name"]
        assert b["lead_department"] in departments, b["name"]


def _bundle(catalog: dict[str, Any], name: str) -> list[dict[str, Any]]:
    by_code = {it["impl_code"]: it for it in catalog["items"]}
    (bundle,) = [b for b in catalog["bundles"] if b["name"] == name]
    return [by_code[c] for c in bundle["items"]]


def _shared_names(bundle_items: list[dict[str, Any]]) -> set[str]:
    counts = Counter(name for it in bundle_items for name in {m["name"] for m in it["materials"]})
    return {name for name, n in counts.items() if n >= 2}


def test_restaurant_bundle_shares_materials(catalog: dict[str, Any]) -> None:
    bundle_items = _bundle(catalog, "我要开饭店")
    assert {"个体工商户设立登记", "食品经营许可"} <= {it["name"] for it in bundle_items}
    assert {"申请人居民身份证", "经营场所使用证明", "营业执照"} <= _shared_names(bundle_items)


def test_newborn_bundle_shares_materials(catalog: dict[str, Any]) -> None:
    bundle_items = _bundle(catalog, "新生儿出生一件事")
    assert {"出生医学证明首次签发", "户口登记（出生）", "城乡居民医保参保登记"} <= {
        it["name"] for it in bundle_items
    }
    assert {"父母双方居民身份证", "《出生医学证明》", "居民户口簿"} <= _shared_names(bundle_items)
