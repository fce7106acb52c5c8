"""From "card placed" to the applicant fields filled, with the shipped simulated ID reader.

Two ways a clerk gets a card into the form: the reader notices a card by itself (the panel polls
``card_present`` every CARD_POLL_MS), or the clerk presses F2. Both are timed from the moment the
card lands on the reader to the moment the applicant panel shows the masked number, through the
real path: device thread, OpRunner worker, applicant upsert with its audit row, UI thread. The
baseline, in the same process, is the bare read: ``read_card`` on the device thread, nothing else.

    QT_QPA_PLATFORM=offscreen python -m bench.idcard_fill [--runs 10]
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def wait(app: object, done: Callable[[], bool], timeout_s: float = 10.0) -> None:
    end = time.perf_counter() + timeout_s
    while not done():
        app.processEvents()  # type: ignore[attr-defined]
        if time.perf_counter() > end:
            raise TimeoutError("the applicant panel was not filled in time")
        time.sleep(0.001)


def _past(moment: float) -> bool:
    return time.perf_counter() >= moment


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="yc-bench-"))
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text('[ui]\ndemo = true\n[storage]\nkey_source = "file"\n')
    os.environ["YICHUANG_HOME"] = str(home)

    from PySide6.QtWidgets import QApplication

    from app.config import load_config
    from app.context import open_context
    from app.demo.loader import load_demo
    from app.model import Role
    from app.services.actor import Actor
    from devices.manager import DeviceManager
    from ui.counter.applicant_panel import CARD_POLL_MS, ApplicantPanel
    from ui.counter.visit import Visit
    from ui.ops import OpRunner

    app = QApplication.instance() or QApplication(sys.argv)
    ctx = open_context(load_config())
    with ctx.db.session() as s:
        load_demo(s, station_code=ctx.station_code)
    devices = DeviceManager({"idcard": "simulated"}, work_dir=ctx.work_dir)
    devices.start()
    runner = OpRunner()
    visit = Visit(Actor("chuangkou", Role.CLERK, clerk_id=1))
    panel = ApplicantPanel(ctx, runner, visit, devices)

    def remove() -> None:
        devices.submit("idcard", lambda r: r.remove_card()).result(5)

    def place(i: int) -> None:
        devices.submit("idcard", lambda r: r.place_card(i)).result(5)

    bare, by_key, by_itself = [], [], []
    rng = random.Random(5)
    try:
        for run in range(args.runs):
            card = run % 2
            # baseline: the bare chip read on the device thread
            place(card)
            t = time.perf_counter()
            devices.submit("idcard", lambda r: r.read_card(3.0)).result(5)
            bare.append(time.perf_counter() - t)
            # F2: the card is on the reader, the clerk presses the key
            visit.reset()
            wait(app, lambda: visit.applicant is None)
            t = time.perf_counter()
            panel.read_card()
            wait(app, lambda: visit.applicant is not None)
            by_key.append(time.perf_counter() - t)
            # automatic: the card is put down while the panel is polling
            remove()
            visit.reset()
            panel.start_auto_read()
            wait(app, lambda: panel._card_was_present is False)  # the panel has seen the empty reader
            # A card lands at a random moment of the poll cycle, as at a real window.
            settle = time.perf_counter() + rng.uniform(0, CARD_POLL_MS / 1000)
            wait(app, functools.partial(_past, settle))
            t = time.perf_counter()
            place(card)
            wait(app, lambda: visit.applicant is not None)
            by_itself.append(time.perf_counter() - t)
            panel.stop()
    finally:
        panel.stop()
        runner.shutdown()
        devices.stop()
        ctx.close()

    def ms(xs: list[float]) -> float:
        return statistics.median(xs) * 1000

    print(f"ID card to applicant fields, simulated reader, median of {args.runs} runs")
    print(f"{'bare read_card on device thread':40s}{ms(bare):9.1f} ms")
    print(f"{'F2 pressed -> fields filled':40s}{ms(by_key):9.1f} ms   ratio {ms(by_key) / ms(bare):6.1f}")
    print(f"{'card placed -> fields filled (auto)':40s}{ms(by_itself):9.1f} ms   ratio {ms(by_itself) / ms(bare):6.1f}"
          f"   (poll every {CARD_POLL_MS} ms)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
