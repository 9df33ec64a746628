# Two commands on a fresh machine: `make demo` and `make test`.
# The first interpreter that actually runs and is 3.10-3.12 (durable-rules does not import on 3.13).
PYTHON ?= $(shell for p in python3.12 python3.11 python3.10 python3; do \
  $$p -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint browser fonts clean messages

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo 'medunion needs Python 3.10, 3.11 or 3.12 on PATH'; exit 1; }
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

# A Chinese font (Debian's fonts-noto-cjk) for the charts and the site's screenshots; without
# one, Chinese is drawn as boxes and the chart font test skips with a clear message.
fonts:
	@fc-list :lang=zh 2>/dev/null | grep -q . || { \
	  (apt-get update -qq && apt-get install -y -qq fonts-noto-cjk >/dev/null) 2>&1 | tail -2 || true; \
	  fc-list :lang=zh 2>/dev/null | grep -q . || echo "no Chinese font could be installed (fonts-noto-cjk): the chart font test will be skipped"; }

# Chromium for the browser test of the doc site; the test skips with a clear message without it.
browser: fonts
	@command -v chromium >/dev/null 2>&1 || { \
	  (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null) 2>&1 | tail -2 || true; \
	  command -v chromium >/dev/null 2>&1 || echo "chromium could not be installed: the browser test will be skipped"; }

# The program's own messages: extract every _()/N_() string into the template, then merge it into the
# Chinese catalog (new strings come in untranslated; fill their msgstr). See docs/reference/languages.md.
messages: setup
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --project medunion \
	  --copyright-holder medunion -o governance/locale/medunion.pot .
	$(BIN)/pybabel update -i governance/locale/medunion.pot -d governance/locale -D medunion -l zh_CN \
	  --no-fuzzy-matching --ignore-obsolete

demo: setup
	$(BIN)/python -m medunion.demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: setup browser lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) site out .pytest_cache .ruff_cache
