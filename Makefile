# The two commands of the README are `make run` and `make test`; both start with `make install`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
HOST ?= 127.0.0.1
FLASK := $(BIN)/flask --app conference
# PostgreSQL used by `make test` when it answers; set TEST_DATABASE_URL= (empty) to skip it.
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
PYTEST_WORKERS ?= auto

.PHONY: install translations run test lint fmt clean messages prod-local prod-local-stop

install: $(STAMP) translations

# The catalogues (conference/translations/<lang>/LC_MESSAGES/messages.po) are in the
# repository; their compiled .mo files are built here, every time (it takes a second).
translations: $(STAMP)
	$(BIN)/pybabel -q compile -d conference/translations

$(STAMP): pyproject.toml
	scripts/system-packages.sh runtime
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

run: install
	$(FLASK) init-db
	$(FLASK) seed-demo
	BASE_URL=$${BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/python -m conference.serve --host $(HOST) --port $(PORT)

test: install
	scripts/system-packages.sh test
	@echo "== tests on SQLite =="
	TEST_DATABASE_URL=sqlite $(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q
	@if [ -n "$(TEST_DATABASE_URL)" ] && $(BIN)/python -c "import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$(TEST_DATABASE_URL)" 2>/dev/null; then \
		echo "== tests on PostgreSQL ($(TEST_DATABASE_URL)) =="; \
		TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q; \
	else \
		echo "== PostgreSQL at $(TEST_DATABASE_URL) does not answer: ran on SQLite only =="; \
	fi

# The production shape on loopback: nginx on :8080, two app workers, a job consumer and
# the scheduler on the local PostgreSQL and Redis (scripts/prod-local.sh; its status too).
prod-local: install
	scripts/prod-local.sh start

prod-local-stop:
	scripts/prod-local.sh stop

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Extract every user-facing string and merge the new ones into each language's catalogue
# (translate them there; tests/test_translations.py fails while any is missing).
messages: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o /tmp/conference-messages.pot .
	$(BIN)/pybabel -q update --ignore-obsolete -i /tmp/conference-messages.pot -d conference/translations
