"""Crash test: the sender process is SIGKILLed at random moments while a backlog drains.

`python -m sync.runner` runs as a real subprocess against the reference platform (through the
fault proxy, unarmed, as a plain loopback hop). It is killed 50 times, each time a random 0-300 ms
after it said it was ready (mid-claim, mid-upload, mid-commit, whatever it was doing), and
restarted at once; the counter keeps adding cases meanwhile. Then it is left to finish. Every
case must be on the platform exactly once, submitted once, each event applied once, and every
page byte-identical.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.config import load_config
from app.context import AppContext, open_context
from app.model import OutboxEvent
from app.storage import crypto
from sync.runner import READY_LINE
from sync.token_store import open_token_store
from tests.sync.fault_proxy import fault_proxy
from tests.sync.platform_server import PlatformServer, run_platform
from tests.sync.test_engine import Remote, assert_arrived_once, make_case, platform_cases, seed_station

pytestmark = pytest.mark.timeout(180)

KILLS = 50
ROOT = Path(__file__).resolve().parents[2]
CHUNK = 8 * 1024  # small chunks: many requests per page, so kills land mid-upload


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[PlatformServer]:
    with run_platform(tmp_path / "platform") as server:
        yield server


def _write_config(home: Path, platform_url: str) -> None:
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "config.toml").write_text(
        "\n".join(
            [
                "[station]",
                'code = "ST001"',
                "[storage]",
                'key_source = "file"',
                "[sync]",
                f'platform_url = "{platform_url}"',
                "idle_timeout_s = 2.0",
                "interval_s = 1",
                "[logging]",
                'level = "WARNING"',
            ]
        ),
        encoding="utf-8",
    )


MIN_BACKLOG_EVENTS = 10


class Runner:
    """One life of the sender subprocess."""

    def __init__(self, home: Path) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sync.runner",
                "--home",
                str(home),
                "--chunk-bytes",
                str(CHUNK),
                "--backoff-base-s",
                "0.05",
                "--lease-s",
                "60",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        self.ready = threading.Event()
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace")
            self.lines.append(line)
            if READY_LINE in line:
                self.ready.set()

    def wait_ready(self) -> None:
        if not self.ready.wait(30):
            self.proc.kill()
            err = self.proc.stderr.read().decode("utf-8", "replace") if self.proc.stderr else ""
            raise AssertionError(f"sync runner did not start: {self.lines} {err}")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)


def _counts(ctx: AppContext) -> dict[str, int]:
    with ctx.db.session() as s:
        rows = s.execute(select(OutboxEvent.status, func.count()).group_by(OutboxEvent.status)).all()
    return {status: int(n) for status, n in rows}


def test_sigkill_at_random_moments_loses_and_duplicates_nothing(
    tmp_path: Path, platform: PlatformServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("YICHUANG_HOME", str(home))
    rng = random.Random(20261122)
    remote = Remote(platform, "ST001", platform.enroll("ST001"))
    with fault_proxy(platform.base_url) as proxy:
        _write_config(home, proxy.url)
        ctx = open_context(load_config())
        try:
            seed_station(ctx.db)
            open_token_store(ctx.config, ctx.db, ctx.cipher).save(remote.token)
            expected = dict(make_case(ctx.db, ctx.blobs, rng, pages=3, size=90_000) for _ in range(30))
            busy_kills = 0
            sent_at_kill: list[int] = []
            for _ in range(KILLS):
                # Keep a backlog: on a fast machine the sender may have drained it between kills,
                # and a kill with nothing to send proves nothing.
                while 2 * len(expected) - _counts(ctx).get("sent", 0) < MIN_BACKLOG_EVENTS:
                    expected.update([make_case(ctx.db, ctx.blobs, rng, pages=2, size=60_000)])
                runner = Runner(home)
                runner.wait_ready()
                # The window keeps working while the sender runs (and dies).
                expected.update([make_case(ctx.db, ctx.blobs, rng, pages=2, size=60_000)])
                time.sleep(rng.uniform(0, 0.3))
                counts = _counts(ctx)
                runner.kill()
                busy_kills += counts.get("sent", 0) < 2 * len(expected)
                sent_at_kill.append(counts.get("sent", 0))
            # The kills really landed while there was work, and the work went on between them.
            assert busy_kills >= KILLS * 0.8, sent_at_kill
            assert sent_at_kill[0] < sent_at_kill[-1], sent_at_kill
            final = Runner(home)
            final.wait_ready()
            deadline = time.monotonic() + 90
            while _counts(ctx) != {"sent": 2 * len(expected)}:
                assert final.proc.poll() is None, final.lines
                assert time.monotonic() < deadline, _counts(ctx)
                time.sleep(0.2)
            final.proc.send_signal(signal.SIGTERM)
            assert final.proc.wait(15) == 0  # a stop request ends it cleanly
        finally:
            ctx.close()
            crypto.set_active_cipher(None)
    assert_arrived_once(remote, expected)
    for row in platform_cases(remote).values():
        assert row.put_count == 2  # each event applied once however often it was re-sent


def test_a_second_sender_for_the_same_station_refuses_to_start(
    tmp_path: Path, platform: PlatformServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("YICHUANG_HOME", str(home))
    _write_config(home, platform.base_url)
    first = Runner(home)
    try:
        first.wait_ready()
        second = subprocess.run(
            [sys.executable, "-m", "sync.runner", "--home", str(home), "--once"],
            cwd=ROOT,
            capture_output=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=60,
        )
        assert second.returncode == 3
        assert "已有一个同步进程在运行" in second.stderr.decode("utf-8")
    finally:
        first.kill()
    # Once the first is gone (even killed), its lock is gone with it.
    once = subprocess.run(
        [sys.executable, "-m", "sync.runner", "--home", str(home), "--once"],
        cwd=ROOT,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert "本轮同步" in once.stdout.decode("utf-8"), once.stderr.decode("utf-8")
