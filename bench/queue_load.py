"""Issue and call-next latency under hall load, against the same calls made alone.

The load is the one of ``tests/load/test_queue_processes.py``: on PostgreSQL 4 kiosk and 20 window
processes (a hall), on SQLite 1 kiosk and 2 window processes on one file (a village station), for
``--seconds`` each. Each kiosk issues 5 tickets a second (the station's 10), each window loops
call next → start → finish with a simulated service time. Latency is one service call in its own
transaction, as a screen makes it, measured in the worker process.

The baseline, measured in the same run on a fresh database of the same kind: one process alone
issues tickets, then calls, starts and finishes them, with nobody else connected. The ratio says
what contention (locks on the counter, the window, the audit head; 24 processes on the machine's
cores) adds to each call.

    python -m bench.queue_load [--seconds 60] [--pg postgresql+psycopg://…/postgres] [--no-sqlite]

Without ``--pg`` (or YC_TEST_PG_URL) a private PostgreSQL server is started with tools/pg.sh in a
temporary folder and stopped afterwards.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.model import Role
from app.services import queue as q
from app.services.actor import Actor
from app.storage.db import Database
from tests.load.harness import (
    ROOT,
    STATION,
    Load,
    create_pg_database,
    drop_pg_database,
    hall_load,
    judge,
    latencies,
    percentile,
    prepare_hall,
    run_workers,
    station_load,
)

BASELINE_TICKETS = 200


def baseline(url: str) -> dict[str, list[float]]:
    """Issue and call-next latencies of one process alone on a fresh hall database."""
    db = Database(url)
    prepare_hall(db, windows=1)
    actor = Actor(username="bench", role=Role.CLERK)
    where: dict[str, Any] = {"station_code": STATION, "window_number": 1}
    out: dict[str, list[float]] = {"issue": [], "call_next": []}
    for i in range(BASELINE_TICKETS):
        t = time.perf_counter()
        with db.session() as s:
            q.issue_ticket(
                s, station_code=STATION, category="AB"[i % 2], priority=("normal", "elderly")[i % 2]
            )
        out["issue"].append(time.perf_counter() - t)
    for _ in range(BASELINE_TICKETS):
        t = time.perf_counter()
        with db.session() as s:
            called = q.call_next(s, actor, **where)
        out["call_next"].append(time.perf_counter() - t)
        assert called is not None
        with db.session() as s:
            q.start_service(s, actor, **where)
        with db.session() as s:
            q.finish(s, actor, **where)
    db.dispose()
    return out


def under_load(url: str, load: Load, workdir: Path) -> tuple[dict[str, list[float]], str]:
    db = Database(url)
    profiles = prepare_hall(db, windows=max(load.windows))
    reports = run_workers(url, load, workdir)
    verdict = judge(db, reports, profiles, load.burst)
    db.dispose()
    rules = "rules held" if not verdict.problems else f"RULES BROKEN: {verdict.problems[:3]}"
    summary = (f"{verdict.issued} issued ({verdict.priority_issued} priority), {verdict.called} called, "
               f"{verdict.waiting_left} left waiting, {verdict.interleave_checked} interleave checks; {rules}")  # fmt: skip
    lat = {kind: latencies(reports, kind) for kind in ("issue", "call_next", "call_next_empty")}
    return lat, summary


def report(
    title: str, load: Load, base: dict[str, list[float]], lat: dict[str, list[float]], summary: str
) -> None:
    print(f"\n{title}: {len(load.kiosks)} kiosk + {len(load.windows)} window processes, {load.seconds:.0f} s")
    print(f"  {summary}")
    print(f"  {'':22s}{'n':>7s}{'p50 ms':>10s}{'p99 ms':>10s}{'alone p50':>11s}{'p50 ×':>8s}{'p99 ×':>8s}")
    for kind, label in (("issue", "issue (取号)"), ("call_next", "call next (叫号)")):
        values, alone = lat[kind], base[kind]
        if not values:
            print(f"  {label:22s}   none")
            continue
        p50, p99, b50 = percentile(values, 50), percentile(values, 99), percentile(alone, 50)
        print(f"  {label:22s}{len(values):7d}{p50 * 1000:10.1f}{p99 * 1000:10.1f}{b50 * 1000:11.1f}"
              f"{p50 / b50:8.1f}{p99 / b50:8.1f}")  # fmt: skip


@contextmanager
def postgres(given: str | None) -> Iterator[str]:
    """The admin URL of a PostgreSQL server: the given one, or a private one for this run."""
    if given:
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="yc-bench-pg-") as tmp:
        os.chmod(tmp, 0o777)  # tools/pg.sh runs the server as the postgres user when we are root
        env = {**os.environ, "YC_PG_DIR": tmp, "YC_PG_PORT": os.environ.get("YC_BENCH_PG_PORT", "55437")}
        pg = str(ROOT / "tools" / "pg.sh")
        url = subprocess.run(
            [pg, "start"], env=env, check=True, capture_output=True, text=True
        ).stdout.strip()
        try:
            yield url
        finally:
            subprocess.run([pg, "stop"], env=env, check=False)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--pg", default=os.environ.get("YC_TEST_PG_URL"), help="PostgreSQL admin URL")
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--no-sqlite", action="store_true")
    args = ap.parse_args()
    print(f"queue load: latency per service call under load; ratio to the same call made alone "
          f"(same run, same database kind, {BASELINE_TICKETS} tickets); {os.cpu_count()} CPUs")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="yc-bench-queue-") as tmp:
        work = Path(tmp)
        if not args.no_pg:
            with postgres(args.pg) as admin:
                names: list[str] = []
                try:
                    name, url = create_pg_database(admin)
                    names.append(name)
                    base = baseline(url)
                    name, url = create_pg_database(admin)
                    names.append(name)
                    load = hall_load(args.seconds)
                    lat, summary = under_load(url, load, work / "pg")
                finally:
                    for name in names:
                        drop_pg_database(admin, name)
                report("PostgreSQL (hall)", load, base, lat, summary)
        if not args.no_sqlite:
            base = baseline(f"sqlite:///{work / 'alone.sqlite3'}")
            load = station_load(args.seconds)
            lat, summary = under_load(f"sqlite:///{work / 'station.sqlite3'}", load, work / "sqlite")
            report("SQLite (village station)", load, base, lat, summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
