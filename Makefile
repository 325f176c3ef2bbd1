# parkops: two commands on a fresh machine with python3 (3.10+) and make.
#   make demo   set up, load the real park, create demo users, serve http://127.0.0.1:8000
#   make test   set up and run the whole suite (on every core: pytest-xdist; XDIST= runs it serially)
#   make bench  time the main pages on a synthetic park (python -m bench; BENCH_SEATS=7000,35000,100000; DATABASE_URL picks the engine)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
APPS := core zones firms leases registers planner portal reports

.PHONY: venv demo test lint serve load messages bench clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

venv: $(VENV)/.installed

demo: venv
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_park
	DEBUG=1 $(PY) manage.py demo_users
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

# The suite runs on every core (pytest-xdist), one worker more than there are cores: the browser tests spend much
# of their time waiting on chromium and the live server, and the extra worker fills those gaps (on 2 cores:
# 2 workers 3:11, 3 workers 2:59, 4 workers 3:10). A module whose tests share a module-scoped fixture stays on
# one worker (KEEP_TOGETHER in tests/conftest.py, which --dist loadgroup reads). XDIST= runs it in one process.
WORKERS := $(shell echo $$(( $$(nproc 2>/dev/null || echo 2) + 1 )))
XDIST ?= -n $(WORKERS) --dist loadgroup
test: venv
	$(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

# Production: DATABASE_URL, SECRET_KEY and ALLOWED_HOSTS come from the environment (DEBUG off).
# Listens on 127.0.0.1:8000 for the TLS-terminating proxy in front (see the deployment notes).
GUNICORN_ARGS ?= -w 2 -b 127.0.0.1:8000 --timeout 60 --graceful-timeout 20 --access-logfile -
serve: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v 0
	$(VENV)/bin/gunicorn parkops.wsgi $(GUNICORN_ARGS)

# Load and fault test against a throwaway PostgreSQL database parkops_load (tests/load/run_load.py).
# It restarts the local PostgreSQL cluster once; LOAD_ARGS="--faults worker" skips that.
load: venv
	$(PY) tests/load/run_load.py $(LOAD_ARGS)

# Extract translatable strings with Django's own makemessages, once per app (its .py files and its
# templates/<app>/ land in parkops/<app>/locale) and once for the site-wide templates/ (templates/locale,
# in LOCALE_PATHS), then compile. No symlinks: each catalogue covers the files under its own folder.
messages: venv
	@for app in $(APPS); do \
	  ( cd parkops/$$app && mkdir -p locale && \
	    DEBUG=1 ../../$(PY) ../../manage.py makemessages -l en --no-obsolete --no-location -v 0 ) || exit 1; \
	done
	cd templates && DEBUG=1 ../$(PY) ../manage.py makemessages -l en --no-obsolete --no-location -v 0
	DEBUG=1 $(PY) manage.py compilemessages -v 0 --ignore '$(VENV)'

# Production settings apart from the database: DEBUG off, manifest static files (hence collectstatic).
BENCH_SEATS ?= 7000
BENCH_ARGS ?= --json bench.json
BENCH_ENV := SECRET_KEY=$${SECRET_KEY:-bench-only-not-a-secret} ALLOWED_HOSTS=$${ALLOWED_HOSTS:-localhost} DEBUG=
bench: venv
	$(BENCH_ENV) $(PY) manage.py collectstatic --noinput -v 0
	$(BENCH_ENV) $(PY) -m bench --seats $(BENCH_SEATS) $(BENCH_ARGS)

# The house plan: the import-linter contracts in pyproject.toml (layers, nothing imports bench, no cycles).
lint: venv
	$(VENV)/bin/lint-imports --no-cache

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
