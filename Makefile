# mealplan developer and operator entry points.
#   make demo   set up, load the demo district, plan today, serve the panel on 127.0.0.1:5000
#   make test   lint, type-check, import contracts, the whole test suite
#   make test-slow  the slow tests with the long import fuzz run
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MEALPLAN := $(BIN)/mealplan
TODAY := $(shell date +%F)

.PHONY: setup demo plan serve test test-slow lint typecheck imports pytest pytest-pg translations clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

setup: $(BIN)/activate
	@bash scripts/install_system_packages.sh
	$(PY) -m pip install --quiet -e '.[dev]'
	$(MAKE) --no-print-directory translations

translations:
	@if [ -d web/translations ] && ls web/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile -d web/translations ; fi

demo: setup
	$(MEALPLAN) db upgrade
	$(MEALPLAN) demo --preset district --date $(TODAY)
	$(MEALPLAN) plan --date $(TODAY) --out out/$(TODAY) || echo "the plan reported problems: see above"
	$(MEALPLAN) user create --username admin --role admin --generate-password --if-missing
	$(MEALPLAN) serve

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy

imports:
	$(BIN)/lint-imports

# One test process per core (pytest-xdist); a file's tests stay in one process so its
# module fixtures (demo worlds, solved plans) are built once.
PYTEST := $(BIN)/python -m pytest -q -n auto --dist loadfile

pytest:
	$(PYTEST)

# The database tests again against PostgreSQL: the server MEALPLAN_TEST_DATABASE_URL names,
# or a throw-away one started here on 127.0.0.1 when the server binaries are installed.
pytest-pg:
	@if [ -n "$$MEALPLAN_TEST_DATABASE_URL" ]; then \
		$(PYTEST) -m db ; \
	elif ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		url=$$(scripts/pg_test_server.sh start) && \
		MEALPLAN_TEST_DATABASE_URL=$$url $(PYTEST) -m db ; \
		status=$$?; scripts/pg_test_server.sh stop; exit $$status ; \
	else echo "PostgreSQL is not installed: database tests ran on SQLite only"; fi

test: setup lint typecheck imports pytest pytest-pg

# The slow tests, with the long import fuzz run (thousands of generated files; docs/imports.md).
test-slow:
	MEALPLAN_FUZZ_LONG=1 $(PYTEST) -m slow

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
