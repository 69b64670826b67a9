# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test unit venv dev i18n lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Dependencies come from the locks (exact versions, hashes checked); the project itself is
# editable. Reinstall only when a lock or the project's metadata changes.
$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(VENV)/.installed $@

venv: $(VENV)/.installed
dev: $(VENV)/.installed-dev

run: $(VENV)/.installed
	$(BIN)/coworkbot run

# Both cores (pytest-xdist; each worker has its own PostgreSQL database and Synapse).
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# The fast loop while working: the unit tests only (real core, fake platforms), first failure stops.
unit: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -n 2 -x -q tests/unit $(PYTEST_ARGS)

# Refresh the gettext catalogues from the source (new msgids arrive untranslated).
i18n: $(VENV)/.installed
	$(BIN)/python -m bot.i18n_catalogues

# Re-pin after changing dependencies in pyproject.toml: pins that pyproject still allows are
# kept; `make lock UPGRADE=1` moves every pin to the newest allowed release. The deployment
# lock includes the e2e extra (encrypted Matrix rooms); the dev lock is constrained by it, so
# tests run the versions that are deployed.
LOCK = $(BIN)/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command 'make lock' $(if $(UPGRADE),--upgrade)
lock: | $(BIN)/python
	test -x $(BIN)/uv || $(BIN)/pip install --quiet 'uv>=0.9,<1'
	$(LOCK) --extra e2e -o requirements.lock
	$(LOCK) --extra dev --extra e2e -c requirements.lock -o requirements-dev.lock

clean:
	rm -rf $(VENV) .pytest_cache
