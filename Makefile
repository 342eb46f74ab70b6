# modelsync — the two commands that matter on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export PORT ?= 8000

.PHONY: run stop test check lint smoke bench schema litellm-venv browser wrk mutate clean

$(VENV)/.installed-run: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-run

# COSTMAP_ENABLED=1 without COSTMAP_PATH reads LiteLLM's cost map from the litellm package: `make run` installs it.
COSTMAP_EXTRA := $(if $(and $(filter 1 true True TRUE yes on y ok,$(COSTMAP_ENABLED)),$(if $(COSTMAP_PATH),,1)),$(VENV)/.installed-costmap)

$(VENV)/.installed-costmap: $(VENV)/.installed-run
	$(PIP) install --quiet -e '.[costmap]'
	touch $@

## run: the service on the embedded default (SQLite, filesystem broker) with a real worker and beat.
run: $(VENV)/.installed-run $(COSTMAP_EXTRA)
	VENV=$(VENV) scripts/quickstart.sh

## stop: stop a `make run` started in the background or in another shell (its pid is in var/modelsync.pid).
stop:
	@scripts/stop_quickstart.sh

## test: install what the tests need and run the whole suite (PostgreSQL/Redis when DATABASE_URL/CELERY_BROKER_URL say so).
test: $(VENV)/.installed-dev browser wrk litellm-venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest --cov-fail-under=95 $(PYTEST_ARGS)

## browser: Debian's Chromium for the Playwright tests (Playwright's own download does not work offline).
browser:
	@scripts/ensure_apt_package.sh /usr/bin/chromium chromium "the browser tests"

## wrk: Debian's wrk, the load generator of the list-endpoint benchmark.
wrk:
	@scripts/ensure_apt_package.sh wrk wrk "the list-endpoint benchmark"

## litellm-venv: a real LiteLLM proxy in its own cached virtualenv, for the integration test.
litellm-venv:
	@scripts/ensure_litellm_venv.sh

## check: Django's deploy checks on production settings and the migrations check.
check: $(VENV)/.installed-run
	DJANGO_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	DJANGO_ALLOWED_HOSTS=modelsync.example.com \
	DJANGO_SETTINGS_MODULE=config.settings.production $(PY) manage.py check --deploy --fail-level WARNING
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff format --check .

## smoke: `make run` from a clean clone answers /healthz and /admin/login/ and has the static catalog.
smoke:
	scripts/smoke_quickstart.sh

## schema: regenerate the committed OpenAPI schema (tests/test_openapi_contract.py compares it with the live one).
schema: $(VENV)/.installed-run
	DJANGO_DEBUG=1 $(PY) manage.py spectacular --validate --fail-on-warn --file docs/openapi.yaml

## bench: the SPEC §9 benchmarks.
bench: $(VENV)/.installed-dev wrk
	mkdir -p var
	$(VENV)/bin/pytest -q -m benchmark --no-cov --benchmark-enable --benchmark-json=var/bench.json $(PYTEST_ARGS)
	$(PY) scripts/bench_table.py var/bench.json

clean:
	rm -rf var test-artifacts htmlcov .coverage

## mutate: mutation testing of the pure cores (issue #7): mutmut over the fast pure tests ([tool.mutmut] in
## pyproject.toml), from scratch, then killed/total per module; fails below 90% killed in any module.
mutate: $(VENV)/.installed-dev
	rm -rf mutants
	env -u CI -u DATABASE_URL -u CELERY_BROKER_URL $(VENV)/bin/mutmut run --max-children 2
	$(PY) scripts/mutation_score.py --fail-under 90
