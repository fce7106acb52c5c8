"""Catalog search per keystroke over a generated 20,000-item catalog, against a plain substring scan.

The clerk types ``jzgcsg`` one key at a time; each prefix is one search, as the counter does it
(``app.services.catalog.search_items`` on SQLite: name, codes, department, pinyin; frequent items
first; capped at 50 rows). The baseline scans the same 20,000 rows held in a Python list for the
same prefixes (substring in name or initials), in the same process. The ratio says what the
database round trip, ranking and the 50-row cap cost on top of the simplest possible search.

    python -m bench.catalog_search [--items 20000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from app.model import ServiceItem
from app.services.catalog import pinyin_full, pinyin_initials, search_items
from app.storage.db import Database, upgrade

WORDS = ("建筑", "工程", "施工", "许可", "农村", "最低", "生活", "保障", "养老", "保险", "登记", "临时", "救助", "残疾人",
         "证", "办理", "生育", "个体", "工商户", "设立", "食品", "经营", "医疗", "户口", "迁移", "补贴", "申领", "审批",
         "变更", "注销", "延续", "备案", "确认", "核发", "林木", "采伐", "取水", "道路", "运输", "药品")  # fmt: skip
DEPARTMENTS = (
    "住房和城乡建设局",
    "民政局",
    "人力资源和社会保障局",
    "市场监督管理局",
    "公安局",
    "医疗保障局",
    "卫生健康委员会",
)
KEYSTROKES = "jzgcsg"


def make_names(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    names = ["建筑工程施工许可"]
    while len(names) < n:
        names.append("".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5))) + f"（{len(names)}）")
    return names


def build_db(path: Path, names: list[str]) -> Database:
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    with db.session() as s:
        for i, name in enumerate(names):
            s.add(
                ServiceItem(
                    basic_code=f"{i:010d}",
                    impl_code=f"BENCH{i:012d}",
                    name=name,
                    pinyin_initials=pinyin_initials(name),
                    pinyin_full=pinyin_full(name),
                    item_type_code="01",
                    department="示范县" + DEPARTMENTS[i % len(DEPARTMENTS)],
                    implementing_body="示范县",
                    implementing_body_code="x",
                    use_count=i % 13,
                )
            )
    return db


def time_per_keystroke(fn: object, repeat: int) -> float:
    """Median seconds for one keystroke's search (all prefixes, repeated)."""
    samples = []
    for _ in range(repeat):
        for k in range(1, len(KEYSTROKES) + 1):
            t = time.perf_counter()
            fn(KEYSTROKES[:k])  # type: ignore[operator]
            samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    names = make_names(args.items)
    initials = [pinyin_initials(n) for n in names]
    with tempfile.TemporaryDirectory() as tmp:
        db = build_db(Path(tmp) / "bench.sqlite3", names)

        def counter_search(q: str) -> int:
            with db.session() as s:
                return len(search_items(s, q))

        def substring_scan(q: str) -> int:
            return sum(1 for n, p in zip(names, initials, strict=True) if q in n or q in p)

        assert counter_search("jzgc") >= 1
        ours = time_per_keystroke(counter_search, args.repeat)
        base = time_per_keystroke(substring_scan, args.repeat)
        db.dispose()
    print(
        f"catalog search per keystroke, {args.items} items, keys {KEYSTROKES!r}, median of {args.repeat} rounds"
    )
    print(f"{'plain substring scan (list)':32s}{base * 1000:9.2f} ms")
    print(f"{'counter search (SQLite)':32s}{ours * 1000:9.2f} ms")
    print(f"{'ratio counter / scan':32s}{ours / base:9.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
