# The two commands a new engineer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi.py
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt constraints.txt | cksum | cut -d' ' -f1)
SANDBOX_PORT ?= 5001
PORT ?= 5000

.PHONY: run test install migrate sandbox lint bench clean

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

migrate: install
	@$(FLASK) db upgrade

# A fresh machine → virtualenv, dependencies, migrated database, the Haier sandbox, demo data synced from it,
# an admin account, and the dashboard with its scheduler on http://127.0.0.1:$(PORT).
run: migrate
	@bash -c 'set -euo pipefail; \
	  $(BIN)/flask --app dashboard.haier.sandbox run --host 127.0.0.1 --port $(SANDBOX_PORT) --no-reload >instance/sandbox.log 2>&1 & \
	  SANDBOX_PID=$$!; trap "kill $$SANDBOX_PID 2>/dev/null" EXIT INT TERM; \
	  $(BIN)/python -m dashboard.devtools wait-for http://127.0.0.1:$(SANDBOX_PORT)/_sandbox/counters; \
	  $(FLASK) create-admin; \
	  $(FLASK) demo-data; \
	  echo "Dashboard: http://127.0.0.1:$(PORT)  (Haier sandbox on :$(SANDBOX_PORT), log in instance/sandbox.log)"; \
	  SCHEDULER_ENABLED=true $(FLASK) run --host 127.0.0.1 --port $(PORT) --no-reload --with-threads'

test: install
	@$(BIN)/pytest $(PYTEST_ARGS)

sandbox: install
	@$(BIN)/flask --app dashboard.haier.sandbox run --host 127.0.0.1 --port $(SANDBOX_PORT)

lint: install
	@$(BIN)/ruff check dashboard tests bench && $(BIN)/ruff format --check dashboard tests bench

bench: install
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
