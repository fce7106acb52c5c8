"""同步进程: the long-running sender (``python -m sync.runner --home DIR`` / ``yichuang sync run``).

One round (:meth:`SyncRunner.run_once`): send every due outbox row; if the link works, pull the
changes feed, refresh reference data whose ETag changed and purge page files past retention.
Between rounds it sleeps ``sync.interval_s`` (less while offline, to notice the link coming
back, and less when a retry falls due sooner); the UI or an OS network signal can wake it early
through :meth:`~sync.engine.SyncEngine.link_restored`.

One sender per data folder: a lock file refuses a second runner (the OS drops the lock when the
process dies, even by SIGKILL). On start the runner takes back the rows it had claimed before a
crash, so a killed sender loses nothing and delays nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

from app import paths
from app.config import Config, load_config
from app.context import AppContext, open_context
from app.errors import SyncError, UserFacingError
from app.logs import setup_logging
from sync import protocol
from sync.client import PlatformClient, PlatformError, settings_from_config
from sync.engine import RoundReport, SyncEngine
from sync.pull import PullReport, pull_changes, pull_references
from sync.purge import PurgeReport, purge_confirmed_pages
from sync.token_store import TokenStore, open_token_store

log = logging.getLogger(__name__)

LOCK_FILE_NAME = "sync-runner.lock"
LOG_FILE_NAME = "sync.log"
#: While offline, the link is probed at least this often (seconds).
OFFLINE_PROBE_S = 10.0
READY_LINE = "同步进程已启动"
#: Retention is counted in days: looking for purgeable page files hourly is often enough.
PURGE_EVERY_S = 3600.0


@dataclass
class RunReport:
    send: RoundReport
    pull: PullReport | None = None
    references: list[str] = field(default_factory=list)
    purge: PurgeReport | None = None
    errors: list[str] = field(default_factory=list)


def node_id() -> str:
    """This sender's name in ``claimed_by``: host plus data folder, stable across restarts."""
    folder = str(paths.data_dir().absolute())
    return f"{socket.gethostname()[:60]}/{hashlib.sha256(folder.encode('utf-8')).hexdigest()[:12]}"


class SyncRunner:
    """Rounds of send, pull, reference refresh and purge for one AppContext."""

    def __init__(
        self,
        ctx: AppContext,
        client: PlatformClient,
        tokens: TokenStore,
        engine: SyncEngine,
        *,
        interval_s: float,
        retention_days: int,
    ) -> None:
        self.ctx = ctx
        self.client = client
        self.tokens = tokens
        self.engine = engine
        self.interval_s = interval_s
        self.retention_days = retention_days
        self._last_purge: float | None = None

    def run_once(self) -> RunReport:
        stored = self.tokens.load()
        if stored and stored != self.client.token:
            # Enrolled (again) in the counter since the last round: rows refused for the old
            # token are due now.
            self.client.token = stored
            self.engine.link_restored()
        report = RunReport(send=self.engine.run_once())
        if not report.send.link_ok:
            return report
        try:
            report.pull = pull_changes(self.ctx.db, self.client)
            report.references = pull_references(self.ctx.db, self.client)
        except PlatformError as exc:
            log.info("pull stopped: %s %s", exc.kind, exc.code)
            report.errors.append(str(exc))
        now = time.monotonic()
        if self._last_purge is None or now - self._last_purge >= PURGE_EVERY_S:
            self._last_purge = now
            report.purge = purge_confirmed_pages(
                self.ctx.db, self.ctx.blobs, retention_days=self.retention_days
            )
        return report

    def pause_after(self, report: RunReport) -> float:
        """Seconds to sleep before the next round."""
        pause = self.interval_s if report.send.link_ok else min(self.interval_s, OFFLINE_PROBE_S)
        due = self.engine.next_due_in()
        if due is not None:
            pause = min(pause, due)
        return max(0.05, pause)

    def run_forever(self, stop: threading.Event) -> None:
        self.engine.release_own_claims()
        while not stop.is_set():
            report = self.run_once()
            if stop.is_set():
                break
            self.engine.wait(self.pause_after(report))


def build_runner(
    ctx: AppContext,
    *,
    chunk_bytes: int = protocol.MAX_CHUNK_BYTES,
    lease_s: float = 300.0,
    backoff_base_s: float = 5.0,
    backoff_cap_s: float = 1800.0,
) -> SyncRunner:
    config = ctx.config
    tokens = open_token_store(config, ctx.db, ctx.cipher)
    client = PlatformClient(settings_from_config(config), token=tokens.load())
    engine = SyncEngine(
        ctx.db,
        client,
        ctx.blobs,
        station_code=ctx.station_code,
        node_id=node_id(),
        lease_s=lease_s,
        backoff_base_s=backoff_base_s,
        backoff_cap_s=backoff_cap_s,
        chunk_bytes=chunk_bytes,
    )
    return SyncRunner(
        ctx,
        client,
        tokens,
        engine,
        interval_s=float(config.get_int("sync.interval_s")),
        retention_days=config.get_int("sync.retention_days"),
    )


def _hold_lock(path: Path) -> IO[bytes] | None:
    """An exclusive lock on ``path`` for as long as the returned file stays open; None if taken."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+b")  # noqa: SIM115 - held open for the life of the process on purpose
    try:
        if sys.platform == "win32":
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def run(
    config: Config,
    *,
    once: bool = False,
    chunk_bytes: int = protocol.MAX_CHUNK_BYTES,
    lease_s: float = 300.0,
    backoff_base_s: float = 5.0,
) -> int:
    """Run the sender (``once``: a single round); returns the process exit code."""
    if not config.get_str("sync.platform_url"):
        print("错误：尚未设置省级平台地址（配置项 sync.platform_url），同步进程没有启动。", file=sys.stderr)
        return 2
    lock = _hold_lock(paths.data_dir() / LOCK_FILE_NAME)
    if lock is None:
        print("错误：本机已有一个同步进程在运行，无需重复启动。", file=sys.stderr)
        return 3
    ctx = open_context(config)
    runner: SyncRunner | None = None
    try:
        runner = build_runner(ctx, chunk_bytes=chunk_bytes, lease_s=lease_s, backoff_base_s=backoff_base_s)
        if once:
            runner.engine.release_own_claims()
            report = runner.run_once()
            print(
                f"本轮同步：发送成功 {report.send.sent}，失败 {report.send.failed}，"
                f"平台退回 {report.send.quarantined}。{report.send.message}"
            )
            return 0 if report.send.link_ok else 1
        stop = threading.Event()

        engine = runner.engine

        def _stop(_signum: int, _frame: FrameType | None) -> None:
            stop.set()
            engine.wake()  # so the sleeping loop sees the stop flag now

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        print(f"{READY_LINE}（节点 {node_id()}），按 Ctrl+C 停止。", flush=True)
        runner.run_forever(stop)
        return 0
    finally:
        if runner is not None:
            runner.client.close()
        ctx.close()
        lock.close()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m sync.runner", description="一窗同步进程：向省级平台发送待同步数据"
    )
    p.add_argument("--home", type=Path, help="配置、数据和日志所在目录（等同环境变量 YICHUANG_HOME）")
    p.add_argument("--config", type=Path, help="配置文件路径")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="临时覆盖一个配置项")
    p.add_argument("--once", action="store_true", help="只同步一轮后退出")
    # Tuning for tests and benchmarks; the defaults suit real links.
    p.add_argument("--chunk-bytes", type=int, default=protocol.MAX_CHUNK_BYTES, help=argparse.SUPPRESS)
    p.add_argument("--lease-s", type=float, default=300.0, help=argparse.SUPPRESS)
    p.add_argument("--backoff-base-s", type=float, default=5.0, help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.home:
        os.environ[paths.HOME_ENV] = str(args.home.absolute())
    try:
        overrides = dict(item.split("=", 1) for item in args.set if "=" in item)
        config = load_config(args.config, overrides=overrides)
        paths.ensure_dirs()
        setup_logging(
            paths.log_dir(),
            level=config.get_str("logging.level"),
            max_bytes=config.get_int("logging.max_bytes"),
            backups=config.get_int("logging.backups"),
            file_name=LOG_FILE_NAME,
        )
        return run(
            config,
            once=args.once,
            chunk_bytes=args.chunk_bytes,
            lease_s=args.lease_s,
            backoff_base_s=args.backoff_base_s,
        )
    except (UserFacingError, SyncError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
