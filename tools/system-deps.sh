#!/usr/bin/env bash
# Installs the Debian packages YiChuang needs, only those missing. Usage:
#   tools/system-deps.sh run    # build deps for pyscard, Qt runtime libraries, a CJK font
#   tools/system-deps.sh test   # the above plus the real peers the tests use
#   tools/system-deps.sh bench  # the above plus ImageMagick (bench/imaging.py compares against it)
set -euo pipefail
RUN_PKGS=(espeak-ng swig libpcsclite-dev libsane-dev libusb-1.0-0 gcc fonts-noto-cjk fontconfig
  libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0
  libxcb-shape0 libxcb-xinerama0 libxcb-xkb1)
TEST_PKGS=(pcscd vsmartcard-vpcd libsane1 sane-utils postgresql xvfb espeak-ng sox systemd binutils)
BENCH_PKGS=(imagemagick iproute2 curl)
want=("${RUN_PKGS[@]}")
# Debian's own python3 needs these to make a venv and to build pyscard; a pyenv python has them.
python3 -c 'import ensurepip' 2>/dev/null || want+=(python3-venv)
python3 -c 'import os, sysconfig; raise SystemExit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
  2>/dev/null || want+=(python3-dev)
[ "${1:-run}" = test ] && want+=("${TEST_PKGS[@]}")
[ "${1:-run}" = bench ] && want+=("${TEST_PKGS[@]}" "${BENCH_PKGS[@]}")
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "需要安装系统软件包（Missing Debian packages）: ${missing[*]}" >&2
    echo "请以 root 身份运行: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# postgresql's post-install starts a cluster on 5432; the tests use their own (tools/pg.sh).
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
