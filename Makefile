# YiChuang — the two commands a new machine needs: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
RUN_HOME := $(CURDIR)/.run

.PHONY: run test lint bench system-deps-run system-deps-test system-deps-bench install clean-run screenshots dist

system-deps-run:
	@tools/system-deps.sh run

system-deps-test:
	@tools/system-deps.sh test

system-deps-bench:
	@tools/system-deps.sh bench

$(PY):
	python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q --upgrade pip setuptools wheel
	$(PY) -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: system-deps-run $(STAMP)

# Opens the counter on SQLite with simulated devices and the demo catalog (loaded on first start).
run: install
	@mkdir -p $(RUN_HOME)/config
	@[ -f $(RUN_HOME)/config/config.toml ] || printf '%s\n' \
	  '# make run: demo station on this PC (SQLite, simulated devices, demo catalog and accounts)' \
	  '[ui]' 'demo = true' '' '[storage]' '# no OS keyring on many Linux desktops: keep the key in a 0600 file' \
	  'key_source = "file"' > $(RUN_HOME)/config/config.toml
	YICHUANG_HOME=$(RUN_HOME) $(VENV)/bin/yichuang counter

lint: install
	$(VENV)/bin/ruff check app ui devices sync tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: system-deps-test install
	tools/test.sh

bench: system-deps-bench install
	QT_QPA_PLATFORM=offscreen $(PY) -m bench.startup
	$(PY) -m bench.catalog_search
	QT_QPA_PLATFORM=offscreen $(PY) -m bench.idcard_fill
	$(PY) -m bench.queue_load
	QT_QPA_PLATFORM=offscreen $(PY) -m bench.printing
	$(PY) -m bench.imaging
	$(PY) -m bench.sync

# The counter's main screens with demo data, into docs/screenshots/ (README shows them).
screenshots: install
	$(PY) tools/screenshots.py
	$(PY) -c "from app.documents import write_samples; from pathlib import Path; write_samples(Path('docs/screenshots/documents'))"

# PyInstaller one-folder bundle (dist/yichuang/) and the .deb made from it (docs/installer.md).
dist: install
	$(PY) -m installer.dist

clean-run:
	rm -rf $(RUN_HOME)
