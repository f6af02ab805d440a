# Two commands matter: `make run` (a laptop) and `make test` (everything).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 5000
# pytest-xdist workers for `make test` (auto: one per core); 0 runs serially.
TEST_WORKERS ?= auto

.PHONY: run serve test lint bench install clean mutate translations

# The readers' languages: compiled catalogues (.mo, not committed) rebuilt
# whenever a .po changes.
PO_FILES := $(wildcard widget/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -c requirements.lock -e '.[test]'
	$(BIN)/pybabel -q compile -d widget/translations
	rm -f $(VENV)/.installed-*
	touch $@

%/LC_MESSAGES/messages.mo: %/LC_MESSAGES/messages.po | $(STAMP)
	$(BIN)/pybabel -q compile -i $< -o $@

install: $(STAMP) $(MO_FILES)

# After changing a reader-facing text: re-extract, then translate every new
# or fuzzy entry in each .po (tests/test_i18n.py fails until none is left).
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext --no-location --sort-output --width 100 \
		-o widget/translations/messages.pot .
	$(BIN)/pybabel update -i widget/translations/messages.pot -d widget/translations \
		--width 100 --ignore-obsolete

node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: accessibility (axe-core) tests will skip"; fi

# The development server, and beside it the worker that sends mails and
# webhooks (stopped with the server: Ctrl-C reaches both).
run: install
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT; \
	$(BIN)/flask --app wsgi run --debug --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/flask --app wsgi db upgrade
	exec $(BIN)/gunicorn wsgi:app

lint: install
	$(BIN)/ruff check .

test: install node_modules/.installed lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Mutation testing of the modules that guard readers and admins ([tool.mutmut]
# in pyproject.toml). Slow (see README), so not part of `make test`.
mutate: install
	$(BIN)/pip install --disable-pip-version-check -q -c requirements.lock -e '.[test,mutate]'
	rm -rf mutants
	$(BIN)/mutmut run --max-children $(or $(MUTATE_JOBS),2)
	$(BIN)/mutmut results > mutants/survivors.txt
	@cat mutants/survivors.txt
	@echo "mutmut: $$(grep -c ': survived' mutants/survivors.txt || true) survived," \
		"$$(grep -c ': no tests' mutants/survivors.txt || true) without tests (mutants/survivors.txt)"

bench: install
	$(BIN)/python bench/run.py
	$(BIN)/python bench/spam.py
	$(BIN)/python bench/imports.py
	$(BIN)/python bench/box_cost.py
	$(BIN)/python bench/moderation.py

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache .ruff_cache mutants
