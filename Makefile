# Jouda: the README's two commands are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test browser-test lint bench fuzz chaos screenshots install broker chromium messages clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@rm -f $(VENV)/.installed-* && touch $@

broker:
	@bash scripts/ensure-rabbitmq

chromium:
	@bash scripts/ensure-chromium

# Migrates, seeds the demo on first start, runs every service in the foreground (Ctrl-C stops).
# The demo's passwords (demo-<role>-2026) are accepted, and the session cookie goes over plain HTTP to
# 127.0.0.1: both only here, never in a deployment.
run: install broker
	JOUDA_ALLOW_DEMO_PASSWORDS=true JOUDA_SESSION_COOKIE_SECURE=false $(BIN)/jouda run --migrate --seed

# Lint first: a style or import error fails in seconds, before the suite's minutes. Then the suite,
# then the browser tests (their own process: the suite's is patched by eventlet, Playwright's is not).
test: install broker chromium lint
	$(BIN)/python -m pytest
	$(MAKE) --no-print-directory browser-test

# Headless Chromium on Jouda as `make run` starts it (a database, vhost and port of its own, the demo).
browser-test: install broker chromium
	$(BIN)/python -m pytest --confcutdir=tests/browser tests/browser

# ruff, configured in pyproject.toml: the lint rules, and the formatting checked (`ruff format` fixes it).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install broker
	$(BIN)/python -m tests.bench

# The API fuzz stage of `make test`, with thousands of generated requests per role instead of hundreds.
fuzz: install broker
	JOUDA_FUZZ_EXAMPLES=$${JOUDA_FUZZ_EXAMPLES:-150} $(BIN)/python -m pytest -s -o timeout=3600 tests/integration/test_fuzz.py

# Every fault scenario (broker cut, database cut, SMTP down, SIGKILL, slow clients) under load, one table.
chaos: install broker
	$(BIN)/python -m tests.chaos

# The README's screenshots (docs/screenshots/), from the demo, in French and Arabic.
screenshots: install broker chromium
	$(BIN)/python -m tests.browser.screenshots

# The pages' new messages added to their catalogues (web/locale/*.po), for translators to fill.
messages: install
	$(BIN)/python -m jouda.shared.web.messages

clean:
	rm -rf $(VENV) var
