"""pytest fixture: a real pcscd with the vsmartcard vpcd driver, started and stopped by the tests.

pcscd needs root (it owns /run/pcscd) and the vpcd driver (package vsmartcard-vpcd, which adds
/etc/reader.conf.d/vpcd). Without them the tests using ``pcscd`` are skipped with the reason.

A pcscd left behind by an earlier, killed test run is found through a pid file of ours and stopped;
a pcscd started by anyone else is never touched (the tests are skipped instead).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Final

import pytest

from tests.devices.vcard import VPCD_PORT

PCSCD_RUN_DIR: Final = Path("/run/pcscd")
VPCD_CONFIG: Final = Path("/etc/reader.conf.d/vpcd")
#: "<pcscd pid> <pytest pid>" of the pcscd a test run started, so a later run can stop it if that
#: run was killed (its pytest pid is gone) and leave it alone while that run is still going.
OUR_PID_FILE: Final = Path(tempfile.gettempdir()) / "yichuang-tests-pcscd.pid"
START_TIMEOUT_S: Final = 10.0
STOP_TIMEOUT_S: Final = 5.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie still answers kill(0); it holds no socket any more
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _is_pcscd(pid: int) -> bool:
    try:
        argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return False
    return os.path.basename(argv0) == b"pcscd"


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip(" \n\0"))  # pcscd ends its pid file with a NUL
    except (OSError, ValueError):
        return None


def _vpcd_listening(port: int = VPCD_PORT) -> bool:
    """Read the kernel's socket table instead of connecting: a connection to vpcd inserts a card."""
    wanted = f":{port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[1].endswith(wanted) and fields[3] == "0A":  # 0A = LISTEN
                return True
    return False


def _vpcd_driver_present() -> bool:
    try:
        config = VPCD_CONFIG.read_text()
    except OSError:
        return False
    match = re.search(r"^\s*LIBPATH\s+(\S+)", config, re.MULTILINE)
    return match is not None and Path(match.group(1)).exists()


def _stop_process(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)


class Pcscd:
    """The pcscd process of the tests. ``restart()`` stops it (SIGTERM, or SIGKILL for a crash) and starts it."""

    def __init__(self, executable: str, log_path: Path) -> None:
        self._executable = executable
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        if self._process is not None:
            raise RuntimeError("pcscd already started")
        self._remove_stale_files()
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [self._executable, "--foreground"], stdout=self._log, stderr=subprocess.STDOUT
        )
        OUR_PID_FILE.write_text(f"{self._process.pid} {os.getpid()}")
        deadline = time.monotonic() + START_TIMEOUT_S
        while not (_vpcd_listening() and (PCSCD_RUN_DIR / "pcscd.comm").exists()):
            if self._process.poll() is not None or time.monotonic() > deadline:
                log_tail = self.log_path.read_text(errors="replace")[-2000:]
                self.stop()
                raise RuntimeError(f"pcscd did not come up; its log:\n{log_tail}")
            time.sleep(0.02)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                process.send_signal(sig)
                try:
                    process.wait(STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            OUR_PID_FILE.unlink(missing_ok=True)
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self, *, crash: bool = False) -> None:
        self.stop(signal.SIGKILL if crash else signal.SIGTERM)
        self.start()

    @staticmethod
    def _remove_stale_files() -> None:
        # A killed pcscd leaves pcscd.comm and pcscd.pid behind, and a new one refuses to start
        # ("Another pcscd seems to be running") until they are gone.
        pid = _read_pid(PCSCD_RUN_DIR / "pcscd.pid")
        if pid is not None and _alive(pid):
            raise RuntimeError(f"pcscd (pid {pid}) is still running")
        for name in ("pcscd.comm", "pcscd.pid"):
            (PCSCD_RUN_DIR / name).unlink(missing_ok=True)


def _stop_leftover_from_earlier_run() -> str | None:
    """Stop the pcscd of a killed earlier test run; the reason to skip when another run still uses it."""
    try:
        pcscd_pid, owner_pid = (int(part) for part in OUR_PID_FILE.read_text().split())
    except (OSError, ValueError):
        OUR_PID_FILE.unlink(missing_ok=True)
        return None
    if _alive(pcscd_pid) and _is_pcscd(pcscd_pid):
        if _alive(owner_pid) and owner_pid != os.getpid():
            return f"another test run (pid {owner_pid}) is using pcscd; run the PC/SC tests after it"
        _stop_process(pcscd_pid, signal.SIGTERM)
    OUR_PID_FILE.unlink(missing_ok=True)
    return None


def _skip_reason() -> str | None:
    if os.name != "posix" or os.geteuid() != 0:
        return "PC/SC tests start pcscd, which needs root"
    if shutil.which("pcscd") is None:
        return "pcscd is not installed (apt-get install pcscd)"
    if not _vpcd_driver_present():
        return "the vpcd driver is not installed (apt-get install vsmartcard-vpcd)"
    return None


@pytest.fixture(scope="module")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pcscd]:
    """A running pcscd with vpcd's two virtual slots; stopped when the module's tests are done."""
    reason = _skip_reason() or _stop_leftover_from_earlier_run()
    if reason is not None:
        pytest.skip(reason)
    foreign = _read_pid(PCSCD_RUN_DIR / "pcscd.pid")
    if foreign is not None and _alive(foreign):
        pytest.skip(f"another pcscd (pid {foreign}) is running; stop it to run the PC/SC tests")
    executable = shutil.which("pcscd")
    assert executable is not None
    daemon = Pcscd(executable, tmp_path_factory.mktemp("pcscd") / "pcscd.log")
    daemon.start()
    try:
        yield daemon
    finally:
        daemon.stop()
