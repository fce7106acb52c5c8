"""`make dist` end to end: the PyInstaller bundle and the .deb, inspected, unpacked, run and installed.

The bundle is built once for this module through ``installer.dist.build``, the code `make dist`
runs (PyInstaller takes about 40 s on 2 cores), packed with gzip level 1 instead of xz to save two
minutes. Everything is built in a temporary folder, removed afterwards (about 2 GB).
"""

from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.idcard.usb_bulk import USB_READER_IDS
from devices.printer.usb_ids import RECEIPT_PRINTER_USB_IDS
from installer.build_deb import (
    DEPENDS,
    HALL_MODES,
    MODES,
    RECOMMENDS,
    ROOT,
    UDEV_RULES,
    glibc_requirement,
    udev_rules,
)
from installer.dist import DistResult, build

pytestmark = pytest.mark.timeout(600)

ALL_USB_IDS = [(vid, pid) for vid, pid in USB_READER_IDS] + [
    (p.vendor_id, p.product_id) for p in RECEIPT_PRINTER_USB_IDS
]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("dist")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def dist(workspace: Path) -> DistResult:
    return build(workspace / "out", workspace / "work", compression="gzip", level=1)


@pytest.fixture(scope="module")
def unpacked(dist: DistResult, workspace: Path) -> Path:
    root = workspace / "unpacked"
    subprocess.run(["dpkg-deb", "-x", str(dist.deb), str(root)], check=True)
    return root


def _field(deb: Path, name: str) -> str:
    return subprocess.run(
        ["dpkg-deb", "-f", str(deb), name], check=True, capture_output=True, text=True
    ).stdout.strip()


def _package_names(relation: str) -> set[str]:
    """``"libc6 (>= 2.36), a | b"`` -> ``{"libc6", "a", "b"}``."""
    return {re.sub(r"\s*\(.*\)", "", alt).strip() for part in relation.split(",") for alt in part.split("|")}


def _desktop_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def _unit_lines(path: Path) -> list[tuple[str, str]]:
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs.append((key, value))
    return pairs


# --- generated from the device tables (no build needed) ---------------------------------------


def test_udev_rules_have_one_rule_per_table_entry_for_the_seat_user() -> None:
    text = udev_rules()
    rules = [line for line in text.splitlines() if line and not line.startswith("#")]

    assert len(rules) == len(ALL_USB_IDS) == len(set(ALL_USB_IDS))
    for vid, pid in ALL_USB_IDS:
        # sysfs has lowercase hex; 'C35A' would never match the reader's 'c35a'.
        match = f'ATTR{{idVendor}}=="{vid:04x}", ATTR{{idProduct}}=="{pid:04x}"'
        (rule,) = [r for r in rules if match in r]
        assert 'SUBSYSTEM=="usb"' in rule and 'ENV{DEVTYPE}=="usb_device"' in rule
        assert 'MODE="0660"' in rule and 'GROUP="plugdev"' in rule and 'TAG+="uaccess"' in rule
    assert 'ATTR{idVendor}=="0400", ATTR{idProduct}=="c35a"' in text
    # logind applies uaccess in 73-seat-late.rules: the tag must be set by a lower-numbered file.
    assert int(Path(UDEV_RULES).name.split("-")[0]) < 73


def test_glibc_requirement_is_the_newest_symbol_version_of_the_elf_files(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "a.so").write_bytes(b"\x7fELF\x02\x01\x00GLIBC_2.17\x00GLIBC_2.28\x00GLIBC_2.3.4\x00")
    (tmp_path / "b.so").write_bytes(b"\x7fELF\x02\x01\x00GLIBC_2.34\x00GLIBC_PRIVATE\x00")
    (tmp_path / "notes.txt").write_text("needs GLIBC_2.99 one day")  # not an ELF file: ignored

    assert glibc_requirement(tmp_path) == "libc6 (>= 2.34)"
    assert glibc_requirement(tmp_path / "lib") == "libc6 (>= 2.28)"


def test_hardware_doc_lists_every_usb_id_of_the_tables() -> None:
    doc = (ROOT / "docs" / "hardware.md").read_text(encoding="utf-8").lower()
    for vid, pid in ALL_USB_IDS:
        assert f"{vid:04x}:{pid:04x}" in doc


def test_windows_installer_offers_the_modes_of_the_deb() -> None:
    iss = (ROOT / "installer" / "windows" / "yichuang.iss").read_text(encoding="utf-8")
    ps1 = (ROOT / "installer" / "windows" / "hall-mode.ps1").read_text(encoding="utf-8")
    for mode in MODES:
        zh_name = _desktop_entry(ROOT / "installer/debian/applications" / f"yichuang-{mode}.desktop")[
            "Name[zh_CN]"
        ]
        message = f"Mode{mode.capitalize()}"
        assert f"chs.{message}={zh_name}" in iss
        assert (
            f'Name: "{{group}}\\{{cm:{message}}}"; Filename: "{{app}}\\yichuangw.exe"; Parameters: "{mode}"'
            in iss
        )
    for mode in HALL_MODES:
        assert f'-File ""{{app}}\\hall-mode.ps1"" -Mode {mode}"' in iss
        assert f"Tasks: autostart{mode}" in iss
        assert f'"{mode}"' in ps1.split("ValidateSet(")[1].split(")")[0]
    # The script packs what the spec builds on Windows: dist\yichuang with the windowed twin.
    assert '#define Bundle "..\\..\\dist\\yichuang"' in iss
    assert 'name="yichuangw", console=False' in (ROOT / "installer" / "yichuang.spec").read_text()


# --- the built package -------------------------------------------------------------------------


def test_control_fields_name_the_system_pieces_the_bundle_needs(dist: DistResult) -> None:
    from app import __version__

    assert dist.deb.name == f"yichuang_{__version__}_{_field(dist.deb, 'Architecture')}.deb"
    assert _field(dist.deb, "Package") == "yichuang"
    assert _field(dist.deb, "Version") == __version__
    depends = _field(dist.deb, "Depends")
    for package in ("pcscd", "libsane1", "fonts-noto-cjk", "espeak-ng", "libusb-1.0-0", "libpcsclite1"):
        assert package in _package_names(depends)
    # The glibc the bundle needs, and this machine (where it runs below) has it.
    needed = re.match(r"libc6 \(>= 2\.(\d+)\)", depends)
    assert needed is not None
    host = os.confstr("CS_GNU_LIBC_VERSION") or ""
    assert int(needed.group(1)) <= int(host.split(".")[1])
    assert "libccid" in _field(dist.deb, "Recommends")


def test_installed_size_matches_the_unpacked_tree(dist: DistResult, unpacked: Path) -> None:
    actual_kib = (
        sum(p.stat().st_size for p in unpacked.rglob("*") if p.is_file() and not p.is_symlink()) / 1024
    )
    assert abs(int(_field(dist.deb, "Installed-Size")) - actual_kib) / actual_kib < 0.05


def test_every_library_the_bundle_takes_from_the_system_is_a_dependency(dist: DistResult) -> None:
    bundled: set[str] = set()
    needed: dict[str, set[str]] = {}
    for path in dist.bundle.rglob("*"):
        if not path.is_file() or path.is_symlink() or path.read_bytes()[:4] != b"\x7fELF":
            continue
        bundled.add(path.name)
        dynamic = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
        for soname in re.findall(r"Shared library: \[(.+?)\]", dynamic):
            needed.setdefault(soname, set()).add(str(path.relative_to(dist.bundle)))
    external = sorted(set(needed) - bundled)
    assert "libsane.so.1" in external  # the system's libsane, which knows the installed backends

    found = subprocess.run(
        ["dpkg", "-S", *[f"*/{soname}" for soname in external]], capture_output=True, text=True
    ).stdout
    owner = {Path(line.split(": ", 1)[1]).name: line.split(":")[0] for line in found.splitlines()}
    declared = _package_names(", ".join([_field(dist.deb, "Depends"), *RECOMMENDS]))
    for soname in external:
        if soname in owner:
            assert owner[soname] in declared, f"{soname} comes from {owner[soname]}, not a dependency"
        else:  # not on this machine: only Qt's Wayland libraries and GTK theme plugin, both optional
            required_by = [
                p for p in needed[soname] if not re.search(r"wayland|wlshell|platformthemes", p.lower())
            ]
            assert not required_by, f"{soname} is on no package list but needed by {required_by}"
    assert "libc6" in declared and set(DEPENDS) <= {d.strip() for d in _field(dist.deb, "Depends").split(",")}


def test_package_holds_the_bundle_and_the_desktop_integration(dist: DistResult) -> None:
    listing = subprocess.run(
        ["dpkg-deb", "-c", str(dist.deb)], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    entries = {line.split()[5].removeprefix("."): line for line in listing}

    assert entries["/opt/yichuang/yichuang"].startswith("-rwxr-xr-x root/root")
    assert entries["/usr/bin/yichuang"].endswith("/usr/bin/yichuang -> ../../opt/yichuang/yichuang")
    assert entries["/usr/lib/yichuang/start-hall-mode"].startswith("-rwxr-xr-x")
    expected = [f"/usr/share/applications/yichuang-{mode}.desktop" for mode in MODES]
    expected += [f"/usr/lib/systemd/user/yichuang-{mode}.service" for mode in HALL_MODES]
    expected += [f"/usr/share/yichuang/autostart/yichuang-{mode}.desktop" for mode in HALL_MODES]
    expected += [f"/{UDEV_RULES}", "/usr/share/icons/hicolor/scalable/apps/yichuang.svg"]
    expected += ["/usr/share/doc/yichuang/installer.md", "/usr/share/doc/yichuang/hardware.md"]
    for path in expected:
        assert path in entries, path
    # Nothing in /etc: the autostart links are made by postinst, only for the modes chosen.
    assert not [path for path in entries if path.startswith(("/etc", "/home", "/root"))]

    control = subprocess.run(
        ["dpkg-deb", "-I", str(dist.deb)], check=True, capture_output=True, text=True
    ).stdout
    for script in ("postinst", "prerm", "postrm", "config", "templates", "md5sums"):
        assert re.search(rf"\d+ bytes,\s+\d+ lines\s+\*?\s+{script}\b", control), script


def test_udev_rules_in_the_package_are_the_generated_ones(unpacked: Path) -> None:
    assert (unpacked / UDEV_RULES).read_text(encoding="utf-8") == udev_rules()


def test_menu_entries_start_each_mode_with_a_chinese_name(unpacked: Path) -> None:
    assert (unpacked / "usr/share/icons/hicolor/scalable/apps/yichuang.svg").read_text().startswith("<svg")
    names = set()
    for mode in MODES:
        entry = _desktop_entry(unpacked / "usr/share/applications" / f"yichuang-{mode}.desktop")
        assert entry["Type"] == "Application"
        assert entry["Exec"] == f"yichuang {mode}"
        assert entry["Icon"] == "yichuang" and entry["Terminal"] == "false"
        assert entry["Name[zh_CN]"].startswith("一窗 ") and len(entry["Name[zh_CN]"]) > 3
        names.add(entry["Name[zh_CN]"])
    assert len(names) == len(MODES)

    for mode in HALL_MODES:
        entry = _desktop_entry(unpacked / "usr/share/yichuang/autostart" / f"yichuang-{mode}.desktop")
        assert entry["Exec"] == f"/usr/lib/yichuang/start-hall-mode {mode}"
        assert entry["X-GNOME-Autostart-enabled"] == "true" and entry["NoDisplay"] == "true"


def test_user_units_restart_on_failure_and_keep_the_screen_on(unpacked: Path, tmp_path: Path) -> None:
    for mode in HALL_MODES:
        unit = unpacked / "usr/lib/systemd/user" / f"yichuang-{mode}.service"
        lines = _unit_lines(unit)
        assert ("ExecStart", f"/usr/bin/yichuang {mode}") in lines
        assert ("Restart", "on-failure") in lines
        pre = [value for key, value in lines if key == "ExecStartPre"]
        assert {"-/usr/bin/xset s off", "-/usr/bin/xset s noblank", "-/usr/bin/xset -dpms"} <= set(pre)

        # systemd checks the syntax and that ExecStart exists: point it at the unpacked program.
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace("/usr/bin/yichuang", str(unpacked / "usr/bin/yichuang")))
        result = subprocess.run(
            ["systemd-analyze", "verify", "--man=no", str(copy)], capture_output=True, text=True
        )
        assert result.returncode == 0 and result.stderr == "", result.stderr


def _bundled_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YICHUANG", "PYTHON", "LD_"))}
    env.update(QT_QPA_PLATFORM="offscreen", YICHUANG_HOME=str(home))
    return env


def test_bundled_doctor_reports_json_and_exits_0(unpacked: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(unpacked / "usr/bin/yichuang"), "doctor", "--json"],
        env=_bundled_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    checks = json.loads(result.stdout)
    assert {c["name"] for c in checks} >= {"数据库", "磁盘空间", "中文字体"}
    assert not [c for c in checks if c["verdict"] == "fail"]


@pytest.mark.parametrize("mode", MODES)
def test_bundled_mode_opens_its_window(unpacked: Path, tmp_path: Path, mode: str) -> None:
    # Modes are imported by name at run time: this is where a module PyInstaller missed shows up.
    result = subprocess.run(
        [
            str(unpacked / "usr/bin/yichuang"), "--set", "storage.key_source=file", "--set", "ui.demo=true",
            mode, "--smoke",
        ],
        env=_bundled_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def _fake_tools(folder: Path, scripts: dict[str, str]) -> dict[str, str]:
    folder.mkdir()
    for name, body in scripts.items():
        tool = folder / name
        tool.write_text(f"#!/bin/sh\n{body}\n")
        tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    return {**os.environ, "PATH": f"{folder}:/usr/bin:/bin"}


def test_start_hall_mode_hands_the_display_to_the_user_unit(unpacked: Path, tmp_path: Path) -> None:
    log = tmp_path / "calls"
    env = _fake_tools(tmp_path / "bin", {"systemctl": f'echo "systemctl $*" >> {log}'})
    script = unpacked / "usr/lib/yichuang/start-hall-mode"

    assert subprocess.run([str(script), "kiosk"], env=env).returncode == 0
    assert log.read_text().splitlines() == [
        "systemctl --user import-environment DISPLAY XAUTHORITY WAYLAND_DISPLAY XDG_SESSION_TYPE",
        "systemctl --user start yichuang-kiosk.service",
    ]
    wrong = subprocess.run([str(script), "counter"], env=env, capture_output=True, text=True)
    assert wrong.returncode == 2 and "kiosk|display" in wrong.stderr
    assert len(log.read_text().splitlines()) == 2


def test_start_hall_mode_without_user_manager_restarts_after_a_crash(unpacked: Path, tmp_path: Path) -> None:
    log = tmp_path / "calls"
    runs = tmp_path / "runs"
    env = _fake_tools(
        tmp_path / "bin",
        {
            "systemctl": "exit 1",
            "xset": f'echo "xset $*" >> {log}',
            "sleep": f'echo "sleep $*" >> {log}',
            # Crashes the first time (like the daily restart, exit 75), then is left on purpose.
            "yichuang": f'echo "yichuang $*" >> {log}; echo x >> {runs}\n[ $(wc -l < {runs}) -ge 2 ] || exit 75',
        },
    )
    result = subprocess.run(
        [str(unpacked / "usr/lib/yichuang/start-hall-mode"), "display"],
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0
    assert log.read_text().splitlines() == [
        "xset s off",
        "xset s noblank",
        "xset -dpms",
        "yichuang display",
        "sleep 5",
        "yichuang display",
    ]


def test_dpkg_installs_into_an_empty_root_and_removes_cleanly(dist: DistResult, tmp_path: Path) -> None:
    root = tmp_path / "root"
    for folder in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "var/cache/debconf"):
        (root / folder).mkdir(parents=True)
    for name in ("status", "available"):
        (root / "var/lib/dpkg" / name).touch()
    # debconf honours DPKG_ROOT: its database lives in the new root, the machine's stays untouched.
    (root / "etc").mkdir()
    shutil.copyfile("/etc/debconf.conf", root / "etc/debconf.conf")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(
        ["debconf-set-selections"],
        input="yichuang yichuang/autostart multiselect kiosk\n",
        env={**env, "DPKG_ROOT": str(root)},
        check=True,
        text=True,
    )
    dpkg = [
        "dpkg", f"--root={root}", "--log=/dev/null", "--force-script-chrootless", "--force-not-root",
        "--force-depends",
    ]  # fmt: skip

    install = subprocess.run([*dpkg, "-i", str(dist.deb)], env=env, capture_output=True, text=True)
    assert install.returncode == 0, install.stderr
    assert (root / "opt/yichuang/yichuang").is_file()
    kiosk = root / "etc/xdg/autostart/yichuang-kiosk.desktop"
    assert os.readlink(kiosk) == "/usr/share/yichuang/autostart/yichuang-kiosk.desktop"
    assert not (root / "etc/xdg/autostart/yichuang-display.desktop").exists()
    status = (root / "var/lib/dpkg/status").read_text()
    assert "Package: yichuang\nStatus: install ok installed" in status

    purge = subprocess.run([*dpkg, "--purge", "yichuang"], env=env, capture_output=True, text=True)
    assert purge.returncode == 0, purge.stderr
    assert not kiosk.is_symlink()
    assert not (root / "opt/yichuang").exists() and not (root / "usr/bin/yichuang").is_symlink()
    assert "yichuang/autostart" not in (root / "var/cache/debconf/config.dat").read_text()
