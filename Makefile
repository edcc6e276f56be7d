.PHONY: demo test lint bench deps test-deps translations

PY := .venv/bin/python

deps:
	@scripts/bootstrap-venv requirements.txt
	@scripts/ensure-fonts

test-deps:
	@scripts/bootstrap-venv requirements-dev.txt
	@scripts/ensure-chromium

## Start web + worker + scheduler + the local LINE platform with demo data.
demo: deps
	$(PY) -m demo

## Run the test suite (SQLite + embedded Redis unless DATABASE_URL / REDIS_URL say otherwise).
test: test-deps
	$(PY) -m pytest -q $(PYTEST_ARGS)

lint: test-deps
	.venv/bin/ruff check .
	.venv/bin/lint-imports

bench: test-deps
	$(PY) -m bench

## Recompile the console's gap-filling catalogue of Flask-Admin texts (admin/translations).
translations: deps
	.venv/bin/pybabel compile -d admin/translations -D admin -l ja
