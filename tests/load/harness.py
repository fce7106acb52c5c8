"""Running kiosk and window worker processes against one database, and judging what they did.

Used by ``tests/load/test_queue_processes.py`` (the rules) and ``bench/queue_load.py`` (the latencies),
so both put the same load on the same hall: the demo station ST001 with 20 windows whose work
profiles cover the six default categories, some kiosks issuing priority tickets.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import selectors
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from app.clock import LOCAL_TZ
from app.demo.loader import load_demo
from app.model import Station, Ticket, Window
from app.storage.db import Database, upgrade

ROOT = Path(__file__).resolve().parents[2]
STATION = "ST001"
CATEGORIES = "ABCDEF"
PRIORITY_BURST = 3


@dataclass(frozen=True)
class KioskSpec:
    number: int
    priority: str = ""  # comma-separated priorities issued in turn; "" = normal tickets only
    rate: float = 5.0  # tickets per second


@dataclass(frozen=True)
class Load:
    kiosks: tuple[KioskSpec, ...]
    windows: tuple[int, ...]
    seconds: float
    service_ms: float  # time between start and finish at a window
    idle_ms: float = 200.0  # a window with nobody waiting asks again after this
    burst: int = PRIORITY_BURST

    @property
    def processes(self) -> int:
        return len(self.kiosks) + len(self.windows)


def hall_load(seconds: float) -> Load:
    """A hall: 4 kiosks (three of them mostly issuing priority tickets) and 20 windows on PostgreSQL.

    Arrivals (20/s) outrun what 20 windows with 1.5 s of service each can serve, and three quarters
    of them are priority tickets, so both queues grow and every window keeps meeting the interleave
    rule (3 priority calls, then a normal one).
    """
    kiosks = (
        KioskSpec(1, ""),
        KioskSpec(2, "elderly"),
        KioskSpec(3, "appointment,disabled"),
        KioskSpec(4, "green,elderly"),
    )
    return Load(kiosks=kiosks, windows=tuple(range(1, 21)), seconds=seconds, service_ms=1500)


def station_load(seconds: float) -> Load:
    """A village station on SQLite: 1 kiosk and 2 windows (3 processes), arrivals outrunning service."""
    kiosks = (KioskSpec(1, "normal,elderly,green,appointment", rate=10.0),)
    return Load(kiosks=kiosks, windows=(1, 2), seconds=seconds, service_ms=600)


# --- The hall ---------------------------------------------------------------------------------


def window_profile(number: int) -> list[str]:
    """Work profile of window ``number`` beyond the demo's three: its own category, then the next."""
    first = CATEGORIES[number % len(CATEGORIES)]
    second = CATEGORIES[(number + 1) % len(CATEGORIES)]
    return [first, second]


def prepare_hall(db: Database, windows: int) -> dict[int, list[str]]:
    """Migrate, load the demo station and make ``windows`` windows exist; returns their profiles."""
    upgrade(db)
    with db.session() as s:
        load_demo(s, station_code=STATION)
        station = s.execute(select(Station).where(Station.code == STATION)).scalar_one()
        have = {w.number for w in station.windows}
        for n in range(1, windows + 1):
            if n not in have:
                station.windows.append(Window(number=n, name=f"{n}号窗口", categories=window_profile(n)))
        s.flush()
        rows = s.execute(select(Window).where(Window.station_id == station.id)).scalars()
        return {w.number: list(w.categories or []) for w in rows}


def create_pg_database(admin_url: str) -> tuple[str, str]:
    """A new empty database on the server of ``admin_url``; returns (name, url)."""
    name = f"yc_load_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return name, make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(admin_url: str, name: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    engine.dispose()


# --- Running the workers ----------------------------------------------------------------------


class LoadFailed(RuntimeError):
    """A worker process died, hung, or never became ready."""


def _worker_cmd(url: str, role: str, number: int, load: Load, out: Path, go: Path) -> list[str]:
    cmd = [sys.executable, "-m", "tests.load.worker", role, url, STATION, str(number), str(load.seconds),
           str(out), "--go-file", str(go), "--burst", str(load.burst)]  # fmt: skip
    if role == "kiosk":
        spec = next(k for k in load.kiosks if k.number == number)
        cmd += ["--rate", str(spec.rate)]
        if spec.priority:
            cmd += ["--priority", spec.priority]
    else:
        cmd += ["--service-ms", str(load.service_ms), "--idle-ms", str(load.idle_ms)]
    return cmd


def run_workers(url: str, load: Load, workdir: Path, *, ready_timeout: float = 240.0) -> list[dict[str, Any]]:
    """Start every worker, let them all begin together, wait for them; returns their JSON reports."""
    workdir.mkdir(parents=True, exist_ok=True)
    go = workdir / "go"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    jobs = [("kiosk", k.number) for k in load.kiosks] + [("window", n) for n in load.windows]
    procs: list[tuple[str, subprocess.Popen[bytes], Path, Path]] = []
    try:
        for role, number in jobs:
            out = workdir / f"{role}{number}.json"
            err = workdir / f"{role}{number}.stderr"
            with err.open("wb") as err_file:
                p = subprocess.Popen(
                    _worker_cmd(url, role, number, load, out, go),
                    cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err_file,
                )  # fmt: skip
            procs.append((f"{role}{number}", p, out, err))
        _wait_ready(procs, ready_timeout)
        go.touch()
        deadline = time.monotonic() + load.seconds + 120
        for name, p, _, err in procs:
            try:
                p.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                raise LoadFailed(f"{name} still running 120 s after its time was up; {_tail(err)}") from None
        reports = []
        for name, _, out, err in procs:
            if not out.exists():
                raise LoadFailed(f"{name} wrote no report; {_tail(err)}")
            reports.append(json.loads(out.read_text(encoding="utf-8")))
        return reports
    finally:
        for _, p, _, _ in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
            if p.stdout is not None:
                p.stdout.close()


def _wait_ready(procs: list[tuple[str, subprocess.Popen[bytes], Path, Path]], timeout: float) -> None:
    sel = selectors.DefaultSelector()
    for name, p, _, err in procs:
        assert p.stdout is not None
        sel.register(p.stdout, selectors.EVENT_READ, (name, err))
    waiting = len(procs)
    deadline = time.monotonic() + timeout
    try:
        while waiting:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LoadFailed(f"{waiting} workers not ready after {timeout:.0f} s")
            for key, _ in sel.select(timeout=left):
                name, err = key.data
                line = key.fileobj.readline()  # type: ignore[union-attr]
                if line.strip() != b"ready":
                    raise LoadFailed(f"{name} failed while starting: {line!r}; {_tail(err)}")
                sel.unregister(key.fileobj)
                waiting -= 1
    finally:
        sel.close()


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "stderr: " + "\n".join(
            path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        )
    except OSError:
        return "no stderr"


# --- Judging ----------------------------------------------------------------------------------


@dataclass
class Verdict:
    problems: list[str] = field(default_factory=list)
    issued: int = 0
    called: int = 0
    waiting_left: int = 0
    priority_issued: int = 0
    interleave_checked: int = 0  # calls made with a full priority streak while a normal ticket waited
    refused: int = 0


def judge(db: Database, reports: list[dict[str, Any]], profiles: dict[int, list[str]], burst: int) -> Verdict:
    """Check the queue rules on what the workers say they did and what the database holds."""
    v = Verdict()
    kiosks = [r for r in reports if r["role"] == "kiosk"]
    windows = [r for r in reports if r["role"] == "window"]
    for r in reports:
        for e in r["errors"][:5]:
            v.problems.append(f"{r['role']} {r['number']} error: {e}")
    issued = [t for r in kiosks for t in r["issued"]]
    calls = [c for r in windows for c in r["calls"]]
    v.issued, v.called = len(issued), len(calls)
    v.priority_issued = sum(1 for t in issued if t["priority"] != "normal")
    v.refused = sum(len(r["refused"]) for r in kiosks)

    for (day, cat, number), n in Counter((t["day"], t["category"], t["number"]) for t in issued).items():
        if n > 1:
            v.problems.append(f"number {number} ({cat}) handed out {n} times on {day}")
    with db.session() as s:
        rows = s.execute(
            select(
                Ticket.id, Ticket.number, Ticket.category, Ticket.service_day, Ticket.state, Window.number
            ).outerjoin(Window, Ticket.window_id == Window.id)
        ).all()
    for (day, cat, number), n in Counter((r[3], r[2], r[1]) for r in rows).items():
        if n > 1:
            v.problems.append(f"database holds {number} ({cat}) {n} times on {day}")
    in_db = {r[0]: r for r in rows}
    reported = {t["id"] for t in issued}
    for tid in sorted(reported - in_db.keys()):
        v.problems.append(f"ticket id {tid} was issued but is not in the database (lost)")
    for tid in sorted(in_db.keys() - reported):
        v.problems.append(f"ticket {in_db[tid][1]} is in the database but no kiosk issued it")

    called_by: dict[int, list[int]] = defaultdict(list)
    for c in calls:
        called_by[c["id"]].append(c["window"])
    for tid, row in in_db.items():
        wins = called_by.get(tid, [])
        number, state, db_window = row[1], row[4], row[5]
        if len(wins) > 1:
            v.problems.append(f"ticket {number} called {len(wins)} times, by windows {sorted(wins)}")
        elif len(wins) == 1 and (state != "done" or db_window != wins[0]):
            v.problems.append(
                f"ticket {number} called by window {wins[0]} but is {state} at window {db_window}"
            )
        elif not wins and state != "waiting":
            v.problems.append(f"ticket {number} was never called but is {state}")
    v.waiting_left = sum(1 for r in rows if r[4] == "waiting")

    checked, violations = _interleave(issued, calls, profiles, burst)
    v.interleave_checked = checked
    v.problems += violations[:10]
    return v


def _interleave(
    issued: list[dict[str, Any]], calls: list[dict[str, Any]], profiles: dict[int, list[str]], burst: int
) -> tuple[int, list[str]]:
    """After ``burst`` priority calls in a row a window must call a normal ticket if one waits for it.

    A normal ticket surely waited through a call when its kiosk had committed it before the call
    began and no other window began calling it before that call ended (or this call took it); only
    such tickets count, so timing noise between processes can hide a violation but never invent one.
    """
    called_at = {c["id"]: c["t_start"] for c in calls}
    normals = [
        (t["id"], t["category"], t["day"], t["t_end"], called_at.get(t["id"], math.inf))
        for t in issued
        if t["priority"] == "normal"
    ]
    checked = 0
    violations: list[str] = []
    by_window: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for c in calls:
        by_window[c["window"]].append(c)
    for window, its_calls in by_window.items():
        mine = set(profiles.get(window, []))
        streak, streak_day = 0, ""
        for c in sorted(its_calls, key=lambda c: c["t_start"]):
            day = dt.datetime.fromtimestamp(c["t_start"], LOCAL_TZ).date().isoformat()
            if day != streak_day:  # the streak counter restarts with the service day
                streak, streak_day = 0, day
            if streak >= burst:
                waited = any(
                    cat in mine
                    and tday == day
                    and issued_end < c["t_start"]
                    and (taken > c["t_end"] or tid == c["id"])  # still waiting after, or taken by this call
                    for tid, cat, tday, issued_end, taken in normals
                )
                if waited:
                    checked += 1
                    if c["priority"] != "normal":
                        violations.append(
                            f"window {window} called priority {c['number']} after {streak} priority calls "
                            "while a normal ticket waited"
                        )
            streak = streak + 1 if c["priority"] != "normal" else 0
    return checked, violations


# --- Latencies --------------------------------------------------------------------------------


def latencies(reports: list[dict[str, Any]], kind: str) -> list[float]:
    return [x for r in reports for x in r["latencies"].get(kind, [])]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]
