# handoo: Handy <-> Odoo 19 connector.
# Needs PostgreSQL running and Odoo 19 importable by $(PYTHON); see README.md.

PYTHON ?= python3
SANDBOX_PORT ?= 8765
ODOO_PORT ?= 8069
ODOO_DEMO_PORT ?= 8070
DEMO_DB ?= handoo_demo

.PHONY: help test test-standalone test-odoo demo serve sandbox bench lint

help:
	@echo "make demo    load a day of Handy orders into a fresh Odoo database $(DEMO_DB)"
	@echo "make serve   start the Handy sandbox and Odoo on $(DEMO_DB) (after make demo)"
	@echo "make test    run every test: sandbox, client, then handoo on Odoo 19"
	@echo "make bench   time order import, routes and webhooks against plain Odoo"
	@echo "make sandbox start a Handy sandbox with demo data on port $(SANDBOX_PORT)"
	@echo "make lint    ruff, ruff-format and pylint-odoo"

test: test-standalone test-odoo

test-standalone:
	$(PYTHON) -m pytest -q tests

test-odoo:
	$(PYTHON) scripts/odoo_tests.py

demo:
	$(PYTHON) scripts/demo.py --db $(DEMO_DB) --sandbox-port $(SANDBOX_PORT) \
		--odoo-port $(ODOO_DEMO_PORT)

serve:
	$(PYTHON) scripts/serve.py --db $(DEMO_DB) --sandbox-port $(SANDBOX_PORT) --odoo-port $(ODOO_PORT)

sandbox:
	cd handoo && $(PYTHON) -m handy_sandbox --port $(SANDBOX_PORT) --token demo-token --seed 42

bench:
	$(PYTHON) bench/run.py

lint:
	ruff format --check .
	ruff check .
	$(PYTHON) -m pylint --rcfile=.pylintrc handoo
