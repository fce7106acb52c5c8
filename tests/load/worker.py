"""One kiosk or one window, hammering the queue for a fixed time and recording what it did.

    python -m tests.load.worker kiosk  URL STATION KIOSK_NO  SECONDS out.json [--priority elderly,green]
    python -m tests.load.worker window URL STATION WINDOW_NO SECONDS out.json [--service-ms 20]

A kiosk issues tickets (categories round-robin; priorities from ``--priority`` in turn, one per
round over the categories, else normal) at ``--rate`` per second. A window loops call_next → start_service → finish, each in its own
transaction as the counter screen makes them, and waits ``--idle-ms`` when nobody is waiting.

Every operation is logged with wall-clock start/end (``time.time()``, shared by all processes on the
machine, so the checker can order one process's call against another's issue) and its latency
(``perf_counter``). With ``--go-file`` the worker sets up, prints ``ready`` and waits for that file
to appear, so all workers start their clock together. The queue services never touch encrypted
columns, so no field cipher is set up here.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from app.clock import LOCAL_TZ
from app.errors import DomainError
from app.model import Role
from app.services import queue as q
from app.services.actor import Actor
from app.storage.db import Database

PRIORITY_BURST = 3


def _args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m tests.load.worker")
    ap.add_argument("role", choices=("kiosk", "window"))
    ap.add_argument("url")
    ap.add_argument("station")
    ap.add_argument("number", type=int, help="kiosk number (kiosk) or window number (window)")
    ap.add_argument("seconds", type=float)
    ap.add_argument("out", type=Path)
    ap.add_argument("--categories", default="A,B,C,D,E,F", help="kiosk: categories to issue, in turn")
    ap.add_argument("--priority", default="", help="kiosk: priorities to issue in turn (default normal)")
    ap.add_argument("--rate", type=float, default=5.0, help="kiosk: tickets per second")
    ap.add_argument("--service-ms", type=float, default=0.0, help="window: time between start and finish")
    ap.add_argument("--idle-ms", type=float, default=200.0, help="window: wait when nobody is waiting")
    ap.add_argument("--burst", type=int, default=PRIORITY_BURST, help="window: priority_burst of call_next")
    ap.add_argument("--go-file", type=Path, default=None)
    return ap.parse_args(argv)


def _wait_for_go(go_file: Path | None) -> None:
    print("ready", flush=True)
    if go_file is None:
        return
    while not go_file.exists():
        time.sleep(0.01)


def run_kiosk(db: Database, a: argparse.Namespace) -> dict[str, Any]:
    categories = [c.strip() for c in a.categories.split(",") if c.strip()]
    priorities = [p.strip() for p in a.priority.split(",") if p.strip()] or ["normal"]
    issued: list[dict[str, Any]] = []
    refused: list[str] = []
    errors: list[str] = []
    period = 1.0 / a.rate if a.rate > 0 else 0.0
    _wait_for_go(a.go_file)
    t_begin = time.time()
    deadline = t_begin + a.seconds
    i = a.number  # kiosks start at different categories, as applicants pick different buttons
    next_at = time.perf_counter()
    while time.time() < deadline:
        category = categories[i % len(categories)]
        # Priorities change per round over the categories, so every category sees every priority.
        priority = priorities[(i // len(categories)) % len(priorities)]
        i += 1
        t0 = time.time()
        p0 = time.perf_counter()
        try:
            with db.session() as s:
                view = q.issue_ticket(s, station_code=a.station, category=category, priority=priority)
        except DomainError as exc:  # daily cap or numbers used up: the kiosk says so, no ticket
            refused.append(str(exc))
        except Exception as exc:  # recorded; the test fails on any
            errors.append(f"{type(exc).__name__}: {exc}")
        else:
            latency = time.perf_counter() - p0
            issued.append(
                {"id": view.id, "number": view.number, "category": view.category, "priority": view.priority,
                 "day": view.issued_at.astimezone(LOCAL_TZ).date().isoformat(),
                 "t_start": t0, "t_end": time.time(), "latency": latency}
            )  # fmt: skip
        next_at += period
        pause = next_at - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        else:
            next_at = time.perf_counter()  # fell behind: do not try to catch up in a burst
    latencies = {"issue": [t["latency"] for t in issued]}
    return {
        "issued": issued,
        "refused": refused,
        "errors": errors,
        "latencies": latencies,
        "t_begin": t_begin,
    }


def run_window(db: Database, a: argparse.Namespace) -> dict[str, Any]:
    actor = Actor(username=f"load{a.number}", role=Role.CLERK)
    where = {"station_code": a.station, "window_number": a.number}
    calls: list[dict[str, Any]] = []
    empty = 0
    # call_next that found a ticket and one that found nobody are different work: kept apart.
    latencies: dict[str, list[float]] = {"call_next": [], "call_next_empty": [], "start": [], "finish": []}
    errors: list[str] = []
    _wait_for_go(a.go_file)
    t_begin = time.time()
    deadline = t_begin + a.seconds
    while time.time() < deadline:
        try:
            t0 = time.time()
            p0 = time.perf_counter()
            with db.session() as s:
                view = q.call_next(s, actor, priority_burst=a.burst, **where)
            latency = time.perf_counter() - p0
            if view is None:
                latencies["call_next_empty"].append(latency)
                empty += 1
                time.sleep(a.idle_ms / 1000)
                continue
            latencies["call_next"].append(latency)
            calls.append(
                {"id": view.id, "number": view.number, "category": view.category, "priority": view.priority,
                 "day": view.issued_at.astimezone(LOCAL_TZ).date().isoformat(),
                 "window": a.number, "t_start": t0, "t_end": time.time()}
            )  # fmt: skip
            for name, action in (("start", q.start_service), ("finish", q.finish)):
                if name == "finish" and a.service_ms > 0:
                    time.sleep(a.service_ms / 1000)
                p0 = time.perf_counter()
                with db.session() as s:
                    action(s, actor, **where)
                latencies[name].append(time.perf_counter() - p0)
        except Exception as exc:  # recorded; the test fails on any
            errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(a.idle_ms / 1000)
    return {
        "calls": calls,
        "empty_calls": empty,
        "latencies": latencies,
        "errors": errors,
        "t_begin": t_begin,
    }


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING)
    a = _args(argv)
    db = Database(a.url)
    with db.session() as s:  # connect (and import everything) before the clock starts
        if a.role == "window":
            q.current_ticket(s, station_code=a.station, window_number=a.number)
        q.waiting_by_category(s, station_code=a.station)
    result = run_kiosk(db, a) if a.role == "kiosk" else run_window(db, a)
    db.dispose()
    result.update({"role": a.role, "number": a.number, "seconds": a.seconds, "burst": a.burst})
    tmp = a.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result), encoding="utf-8")
    tmp.replace(a.out)
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
