# CPAS ISP — the two commands: `make run` (application with demo data) and `make test`.
# Everything is installed by the targets below; see README.md.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEBIAN_PACKAGES := chromium poppler-utils gettext docker-compose wrk libmagic1 clamav-daemon qpdf
export DJANGO_SETTINGS_MODULE := cpas_isp.settings

.PHONY: install system-deps run test test-dates lint format messages compilemessages benchmarks clean

install: $(VENV)/.installed node_modules/.installed compilemessages

$(VENV)/.installed: requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet --require-virtualenv -r requirements.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian packages for browser tests (chromium), PDF checks (poppler-utils), translations
# (gettext), the compose-file check (docker-compose), the page load benchmark (wrk), the
# uploaded documents' type detection (libmagic1), malware scan (clamav-daemon: clamd) and PDF
# metadata removal (qpdf).
# Installed when missing, as root.
system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "Missing Debian packages:$$missing (install them with apt-get as root)"; exit 1; fi; \
	fi

# Dutch catalogues: <app>/locale/nl/LC_MESSAGES/django.po -> .mo (GNU gettext's msgfmt).
compilemessages:
	@for po in $$(find cpas_isp beneficiaires partenaires trajets rendezvous activites documents rapports -name django.po -path '*/LC_MESSAGES/*'); do \
	  msgfmt --check-format -o $${po%.po}.mo $$po || exit 1; \
	done

# Refresh the Dutch catalogues after adding strings (then translate every new msgid).
messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l nl --no-obsolete --ignore='.venv/*' --ignore='node_modules/*' \
	  --ignore='beneficiaires/*' --ignore='partenaires/*' --ignore='trajets/*' --ignore='rendezvous/*' --ignore='activites/*' --ignore='documents/*' --ignore='rapports/*' \
	  --ignore='tests/*' --ignore='benchmarks/*' --ignore='var/*'
	@for d in beneficiaires partenaires trajets rendezvous activites documents rapports; do \
	  mkdir -p $$d/locale && (cd $$d && ../$(PY) ../manage.py makemessages -l nl --no-obsolete) || exit 1; \
	done

run: install
	DEBUG=$${DEBUG:-true} $(PY) -m cpas_isp.embedded exec -- $(PY) -m cpas_isp.devserver

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	CPAS_ISP_TESTING=true $(PY) -m cpas_isp.embedded exec -- $(PY) manage.py makemigrations --check --dry-run

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# In parallel (pytest-xdist, one test database per worker) and in random order
# (pytest-randomly prints the seed; rerun with PYTEST_ARGS="--randomly-seed=N", or
# PYTEST_ARGS="-p no:randomly" for the file order). TEST_WORKERS=0 runs in one process.
# Two workers for 2 cores: three measured slower (3 min 14 s against 3 min 04 s on 42 tests).
TEST_WORKERS ?= 2
PYTEST_PARALLEL = $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS))

test: install system-deps lint
	CPAS_ISP_TESTING=true $(PY) -m cpas_isp.embedded exec -- $(PY) -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

# The suite (without browser and subprocess tests) as if it ran at 23:30 UTC on 29 February of a
# leap year: already 1 March in Brussels, the end of a month and of February, a date that
# exists one year in four. Tests that depend on today's date fail here (CI runs it).
TEST_DATES ?= 2028-02-29 23:30
test-dates: install
	CPAS_ISP_TESTING=true $(PY) -m cpas_isp.embedded exec -- $(PY) -m pytest $(PYTEST_PARALLEL) -m "not browser and not slow and not horloge_externe" --aujourdhui "$(TEST_DATES)" $(PYTEST_ARGS)

benchmarks: install
	CPAS_ISP_TESTING=true $(PY) -m cpas_isp.embedded exec -- bash -c 'for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done'

clean:
	rm -rf $(VENV) node_modules staticfiles
