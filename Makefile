# madoguchi — `make run` to try it, `make test` for the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
POT    := locales/messages.pot
PO     := $(wildcard locales/*/LC_MESSAGES/messages.po)
MO     := $(PO:.po=.mo)

PG_SERVER := tests/postgres/server.sh
# The browser tests' Chromium from the system packages (best effort: they skip without it).
CHROMIUM  := tests/browser/chromium.sh
# Test processes: the suite mostly waits on servers and subprocesses, so more than the cores.
TEST_WORKERS ?= 4
PYTEST := $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

PORT ?= 8080

.PHONY: run chat test test-pg bench intents lint typecheck catalogs extract update-catalogs check-catalogs clean

# The desk with its web chat on this machine only: open the URL it prints in a browser.
run: $(STAMP) $(MO)
	WEBCHAT_ENABLED=1 $(BIN)/madoguchi serve --host 127.0.0.1 --port $(PORT)

# The member chat in the terminal (Ctrl-D leaves it).
chat: $(STAMP) $(MO)
	$(BIN)/madoguchi chat $(if $(ORG),--org $(ORG)) $(if $(CHAT_LANG),--lang $(CHAT_LANG))

test: $(STAMP) $(MO)
	bash $(CHROMIUM) ensure
	$(PYTEST)

# The suite with its PostgreSQL half too: starts a local server (installing it if missing).
test-pg: $(STAMP) $(MO)
	bash $(CHROMIUM) ensure
	eval "$$(bash $(PG_SERVER) start)" && $(PYTEST)

# Speed and accuracy figures into BENCHMARKS.md; FULL=1 for the long run, PROFILE=1 to record
# where the server's time goes (py-spy; on with FULL=1, PROFILE=0 to skip). The PostgreSQL
# scenario gets its own durable server (installed if missing); without one it is skipped.
bench: $(STAMP) $(MO)
	eval "$$(bash $(PG_SERVER) bench || true)" && FULL=$(FULL) PROFILE=$(PROFILE) \
		$(BIN)/python -m tests.bench.run

# Retrain the intent model after editing flows/intents/lexicon.toml or tests/intents/train*.tsv.
intents: $(STAMP)
	$(BIN)/python -m flows.intents.training --cross-validate --report

lint: $(STAMP)
	$(BIN)/ruff check bot flows storage tests
	$(BIN)/ruff format --check bot flows storage tests

typecheck: $(STAMP)
	$(BIN)/mypy

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Catalogs: Japanese msgids are the source wording; English lives in locales/en.
catalogs: $(MO)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d locales -D messages -l $(word 2,$(subst /, ,$<)) -i $< -o $@

extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k t --no-location --sort-output \
		--project=madoguchi --copyright-holder=madoguchi -o $(POT) .

update-catalogs: extract
	$(BIN)/pybabel update -i $(POT) -d locales -D messages --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) locales/*/LC_MESSAGES/*.mo
