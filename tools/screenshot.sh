#!/bin/sh
# Screenshot of the counter window on a virtual X display (Xvfb :99), for docs/screenshots/.
# Uses the real xcb platform plugin, not offscreen, so fonts and styles render as on a desktop.
#   tools/screenshot.sh [output.png]     (default docs/screenshots/counter.png)
set -eu

cd "$(dirname "$0")/.."
OUT="${1:-docs/screenshots/counter.png}"
DISPLAY_NUM=99
if [ -x .venv/bin/yichuang ]; then
    YICHUANG=".venv/bin/yichuang"
else
    YICHUANG="${PYTHON:-.venv/bin/python} -m app.cli"
fi

if ! [ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ]; then
    Xvfb ":$DISPLAY_NUM" -screen 0 1920x1080x24 -nolisten tcp >/dev/null 2>&1 &
    XVFB_PID=$!
    trap 'kill "$XVFB_PID" 2>/dev/null || true' EXIT
    i=0
    while ! [ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ]; do
        i=$((i + 1))
        if [ "$i" -gt 50 ]; then
            echo "Xvfb :$DISPLAY_NUM did not start" >&2
            exit 1
        fi
        sleep 0.1
    done
fi

# A throw-away home with the demo catalog and simulated devices, so the picture never shows
# anybody's real data and looks the same on every machine.
HOME_DIR="$(mktemp -d)"
trap 'rm -rf "$HOME_DIR"; if [ -n "${XVFB_PID:-}" ]; then kill "$XVFB_PID" 2>/dev/null; wait "$XVFB_PID" 2>/dev/null; fi; true' EXIT
mkdir -p "$HOME_DIR/config"
printf '[ui]\ndemo = true\n\n[storage]\nkey_source = "file"\n' >"$HOME_DIR/config/config.toml"

export YICHUANG_HOME="$HOME_DIR" QT_QPA_PLATFORM=xcb DISPLAY=":$DISPLAY_NUM"
$YICHUANG demo load >/dev/null
$YICHUANG counter --smoke --screenshot "$OUT"
echo "saved $OUT"
