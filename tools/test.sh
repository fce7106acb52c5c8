#!/usr/bin/env bash
# `make test`: lint gates, then the whole suite against real peers (PostgreSQL started here).
set -euo pipefail
cd "$(dirname "$0")/.."
V=.venv/bin
echo "== ruff"; $V/ruff check app ui devices sync tests bench
echo "== mypy (strict on app, devices, sync)"; $V/mypy
echo "== import contracts"; $V/lint-imports
echo "== PostgreSQL (private server for hall-mode tests)"
YC_TEST_PG_URL=$(tools/pg.sh start)
export YC_TEST_PG_URL
trap 'tools/pg.sh stop' EXIT
export QT_QPA_PLATFORM=offscreen
echo "== pytest"
$V/pytest -p no:cacheprovider "$@"
