# Customer Hub — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_BUSINESS ?= Demo Store
DEMO_EMAIL ?= owner@demo.test
DEMO_PASSWORD ?= demo-password-2026

.PHONY: run test lint format messages compilemessages bench clean mutation

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[dev]"
	@touch $(STAMP)

compilemessages: $(STAMP)
	@$(PY) -m babel.messages.frontend compile --domain django --directory config/locale --statistics 2>&1 | grep -v '^$$' || true

run: $(STAMP) compilemessages
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py create_merchant --business "$(DEMO_BUSINESS)" --email "$(DEMO_EMAIL)" --password "$(DEMO_PASSWORD)"
	DEBUG=1 $(PY) manage.py seed_demo --business "$(DEMO_BUSINESS)" --customers 300 --seed 1 --if-empty
	@echo
	@echo "  Customer Hub is running at http://127.0.0.1:8000/"
	@echo "  Log in as $(DEMO_EMAIL) / $(DEMO_PASSWORD)"
	@echo "  The worker (e-mails, webhooks, exports, renewals) runs beside it: var/worker.log"
	@echo
	@mkdir -p var
	DEBUG=1 $(PY) -m celery -A config worker --beat --loglevel info --pool threads --concurrency 4 \
		--without-mingle --without-gossip >var/worker.log 2>&1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

test: $(STAMP) compilemessages
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Re-extract translatable strings (needs GNU gettext's xgettext, a developer tool).
messages: $(STAMP)
	DEBUG=1 $(PY) manage.py makemessages --locale ko --extension html,txt,py,jinja --ignore '.venv/*' --ignore 'tests/*' --ignore '*.egg-info/*' --ignore 'build/*' --ignore 'staticfiles/*' --no-obsolete --no-location

# Mutation testing (mutmut) over the money, access and ledger services, one module at a
# time against its own tests (tests/mutation.py); long (an hour or more on 2 shared
# cores), so not part of CI. `rm -rf mutants` starts afresh.
mutation: $(STAMP)
	$(PY) tests/mutation.py --jobs $(or $(MUTATION_JOBS),2) $(MUTATION_MODULES)
	$(PY) tests/mutation_score.py --survivors

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles mutants
