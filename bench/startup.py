"""Start-up time of ``yichuang counter --smoke`` against a bare PySide6 window.

Every run is a fresh Python process, so imports, Qt plugin loading, opening the database and the
first catalog search are all inside the measurement. The baseline — QApplication + QMainWindow.show()
+ processEvents — is measured in the same run, alternating with the counter, so a busy or slow
machine shifts both and the ratio stays meaningful. One unmeasured warm-up run of each puts both
on an equally warm file cache.

    python -m bench.startup [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

BARE_WINDOW = (
    "from PySide6.QtWidgets import QApplication, QMainWindow\n"
    "app = QApplication([])\n"
    "window = QMainWindow()\n"
    "window.show()\n"
    "app.processEvents()\n"
)

# Demo mode picks the simulated devices; a key file because a bench machine may have no keyring.
BENCH_CONFIG = '[ui]\ndemo = true\n\n[storage]\nkey_source = "file"\n'


def yichuang_command() -> list[str]:
    """The installed console script next to this interpreter, else the module it runs."""
    script = Path(sys.executable).with_name("yichuang")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "app.cli"]


def bench_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["YICHUANG_HOME"] = str(home)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def prepare_home(home: Path) -> None:
    """A station with the demo catalog loaded, as after `yichuang demo load`."""
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "config.toml").write_text(BENCH_CONFIG, encoding="utf-8")
    timed_run([*yichuang_command(), "demo", "load"], bench_env(home))


def timed_run(command: Sequence[str], env: dict[str, str]) -> float:
    """Wall-clock seconds of one process from spawn to exit; raises when it fails."""
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr.strip()}")
    return elapsed


def measure(runs: int, home: Path) -> dict[str, list[float]]:
    env = bench_env(home)
    commands = {
        "bare PySide6 window": [sys.executable, "-c", BARE_WINDOW],
        "yichuang counter --smoke": [*yichuang_command(), "counter", "--smoke"],
    }
    for command in commands.values():
        timed_run(command, env)  # warm-up, not counted
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(timed_run(command, env))
    return times


def table(times: dict[str, list[float]]) -> str:
    width = max(len(name) for name in times) + 2
    lines = [f"{'':<{width}}{'median s':>10}{'min s':>10}{'max s':>10}"]
    for name, values in times.items():
        lines.append(
            f"{name:<{width}}{statistics.median(values):>10.3f}{min(values):>10.3f}{max(values):>10.3f}"
        )
    bare, counter = (statistics.median(values) for values in times.values())
    lines.append(f"{'ratio counter / bare':<{width}}{counter / bare:>10.2f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs of each command (default 5)")
    args = parser.parse_args(argv)
    home = Path(tempfile.mkdtemp(prefix="yichuang-bench-"))
    try:
        prepare_home(home)
        times = measure(args.runs, home)
    except RuntimeError as error:
        print(f"start-up benchmark failed: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(f"cold start, fresh process each run, QT_QPA_PLATFORM=offscreen, N={args.runs}")
    print(table(times))
    return 0


if __name__ == "__main__":
    sys.exit(main())
