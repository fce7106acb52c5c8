#!/usr/bin/env bash
# Refresh the interface translations: collect every tr()/translate() text of ui/ into the .ts
# catalogue (new texts arrive as "unfinished", texts gone from the code are dropped), then compile
# the .qm the program loads. Translate new entries in the .ts (pyside6-linguist, or by hand) and run
# this again; tests/ui/test_i18n.py fails while any entry is unfinished or the .qm is stale.
#   tools/i18n.sh            update and compile every catalogue in ui/translations/
set -euo pipefail
cd "$(dirname "$0")/.."
V=.venv/bin
mapfile -t SOURCES < <(find ui -name '*.py' -not -path '*/__pycache__/*' | LC_ALL=C sort)
for ts in ui/translations/*.ts; do
    "$V/pyside6-lupdate" -no-obsolete -locations none "${SOURCES[@]}" -ts "$ts"
    "$V/pyside6-lrelease" "$ts" -qm "${ts%.ts}.qm"
done
