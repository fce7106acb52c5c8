"""A private network namespace with a shaped loopback, for benchmarks that need a slow link.

Only ``tbf`` (and ``pfifo``) are relied on: many kernels here have no ``netem``, ``iptables`` or
``nft`` (see /work/shared/reference/sync.md §4.5). Loopback's MTU is 65536, larger than the tbf
burst, so its MTU is set to 1500 first; otherwise every packet is dropped and transfers hang.

    with namespace("yc-bench", rate="2mbit") as ns:
        subprocess.run(exec_argv(ns, ["curl", ...]))
        print(sent_bytes(ns))

Needs root (``ip netns add``). Everything runs ``ip netns exec NAME …``, so the helpers work from
inside the namespace as well as from outside it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

NAME = "yc-bench"
RATE = "2mbit"
BURST = "32kbit"
LATENCY = "400ms"
MTU = 1500
NETNS_DIR = Path("/run/netns")


class NetnsError(RuntimeError):
    """The namespace could not be set up (no root, no iproute2, kernel without tbf…)."""


def _run(argv: Sequence[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(list(argv), capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise NetnsError(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.strip()}")
    return result


def require_tools() -> None:
    """Raise NetnsError saying what is missing: root, ``ip`` or ``tc`` (package iproute2), ``ss``."""
    if os.geteuid() != 0:
        raise NetnsError("network namespaces need root: run as root (or sudo)")
    missing = [tool for tool in ("ip", "tc", "ss") if shutil.which(tool) is None]
    if missing:
        raise NetnsError(f"missing {', '.join(missing)}: apt-get install -y iproute2")


def exec_argv(name: str, argv: Sequence[str]) -> list[str]:
    """``argv`` run inside the namespace."""
    return ["ip", "netns", "exec", name, *argv]


def exists(name: str) -> bool:
    return (NETNS_DIR / name).exists()


def inside(name: str) -> bool:
    """Whether this process already runs in namespace ``name`` (same nsfs inode)."""
    try:
        ours = os.stat("/proc/self/ns/net")
        theirs = os.stat(NETNS_DIR / name)
    except OSError:
        return False
    return (ours.st_dev, ours.st_ino) == (theirs.st_dev, theirs.st_ino)


def pids(name: str) -> list[int]:
    """Processes living in the namespace (all started by the benchmark that made it)."""
    result = _run(["ip", "netns", "pids", name], check=False)
    return [int(p) for p in result.stdout.split() if p.isdigit()]


def _tbf(rate: str, burst: str, latency: str) -> list[str]:
    return ["tbf", "rate", rate, "burst", burst, "latency", latency]


def create(
    name: str = NAME, *, rate: str = RATE, burst: str = BURST, latency: str = LATENCY, mtu: int = MTU
) -> None:
    """A fresh namespace whose loopback is up, MTU ``mtu`` and shaped by tbf to ``rate``.

    A namespace of the same name left by an interrupted run is removed first.
    """
    require_tools()
    if exists(name):
        destroy(name)
    _run(["ip", "netns", "add", name])
    try:
        _run(exec_argv(name, ["ip", "link", "set", "lo", "up", "mtu", str(mtu)]))
        _run(exec_argv(name, ["tc", "qdisc", "add", "dev", "lo", "root", *_tbf(rate, burst, latency)]))
    except NetnsError:
        destroy(name)
        raise


def destroy(name: str = NAME, *, grace_s: float = 3.0) -> None:
    """Stop what still runs in the namespace (SIGTERM, then SIGKILL), then delete it. Idempotent."""
    if not exists(name):
        return
    left = pids(name)
    for pid in left:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = [pid for pid in left if _alive(pid)]
    for pid in left:
        _signal(pid, signal.SIGKILL)
    _run(["ip", "netns", "del", name], check=False)


def _signal(pid: int, sig: signal.Signals) -> None:
    with suppress(ProcessLookupError):
        os.kill(pid, sig)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie child of ours still answers kill(0); it is gone for our purposes.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


@contextmanager
def namespace(
    name: str = NAME, *, rate: str = RATE, burst: str = BURST, latency: str = LATENCY, mtu: int = MTU
) -> Iterator[str]:
    """:func:`create` on entry, :func:`destroy` on exit, whatever happens in between (Ctrl+C too)."""
    create(name, rate=rate, burst=burst, latency=latency, mtu=mtu)
    try:
        yield name
    finally:
        destroy(name)


def shape(name: str, *, rate: str = RATE, burst: str = BURST, latency: str = LATENCY) -> None:
    """(Re)set loopback's root qdisc to tbf at ``rate``: also how a cut link is restored."""
    _run(exec_argv(name, ["tc", "qdisc", "replace", "dev", "lo", "root", *_tbf(rate, burst, latency)]))


def blackhole(name: str) -> None:
    """Cut the link: a pfifo of length 0 drops every packet, in both directions, silently."""
    _run(exec_argv(name, ["tc", "qdisc", "replace", "dev", "lo", "root", "pfifo", "limit", "0"]))


def kill_connections(name: str, port: int) -> None:
    """Abort every TCP connection to or from ``port`` (both ends), as a dying link eventually does."""
    _run(exec_argv(name, ["ss", "-K", "-t", f"( sport = :{port} or dport = :{port} )"]), check=False)


def sent_bytes(name: str) -> int:
    """Bytes loopback has carried so far (both directions, TCP/IP headers included).

    The device counter, not the qdisc's: it survives :func:`shape` and :func:`blackhole`, which
    replace the qdisc, and packets the link dropped are not in it.
    """
    out = _run(exec_argv(name, ["ip", "-s", "-j", "link", "show", "dev", "lo"])).stdout
    try:
        return int(json.loads(out)[0]["stats64"]["tx"]["bytes"])
    except (ValueError, LookupError, TypeError) as exc:
        raise NetnsError(f"no byte counter in ip output: {out.strip()[:200]!r}") from exc
