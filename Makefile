# The two commands of the README: `make run` and `make test`. Everything else here serves them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export IPD_ENV ?= development

.PHONY: run test install assets translations lint lock browser-deps pdf-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

web/translations/%/LC_MESSAGES/messages.mo: web/translations/%/LC_MESSAGES/messages.po | $(STAMP)
	$(BIN)/pybabel compile --statistics -d web/translations -l $*

# Front-end packages come from npm (package.json + lock) and are served from web/static/vendor, never a CDN.
VENDOR := web/static/vendor
$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	mkdir -p $(VENDOR)/bpmn-js $(VENDOR)/chart.js
	cp node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js node_modules/bpmn-js/dist/assets/diagram-js.css \
	  node_modules/bpmn-js/dist/assets/bpmn-js.css node_modules/bpmn-js/LICENSE $(VENDOR)/bpmn-js/
	cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/LICENSE.md $(VENDOR)/chart.js/
	cp node_modules/bpmn-js/dist/bpmn-modeler.production.min.js $(VENDOR)/bpmn-js/
	cp -r node_modules/bpmn-js/dist/assets/bpmn-font $(VENDOR)/bpmn-js/
	mkdir -p $(VENDOR)/dmn-js
	cp node_modules/dmn-js/dist/dmn-modeler.production.min.js node_modules/dmn-js/dist/assets/*.css node_modules/dmn-js/LICENSE $(VENDOR)/dmn-js/
	cp -r node_modules/dmn-js/dist/assets/dmn-font $(VENDOR)/dmn-js/
	touch $@

assets: $(VENDOR)/.installed

# The README's commands typed in a new shell after `make run` find IPD_ENV here (python-dotenv reads .env;
# variables already set in the environment win). Never created by the image, which stays production.
.env:
	printf 'IPD_ENV=development\n' > $@

# WeasyPrint (printable plans, subject-access summaries) needs Pango and fonts with Cyrillic and Arabic glyphs.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
pdf-deps:
	@missing=$$(for p in $(PDF_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages for PDF output: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

install: $(STAMP) web/translations/pl/LC_MESSAGES/messages.mo assets .env pdf-deps

run: install
	$(BIN)/ipd db upgrade
	$(BIN)/ipd processes deploy processes
	$(BIN)/ipd demo
	$(BIN)/ipd serve --host 127.0.0.1 --port 5000

# Browser tests drive Debian's Chromium; install it when it is missing (as root, or with sudo).
browser-deps:
	@if [ -d tests/browser ] && ! command -v chromium >/dev/null; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

test: install browser-deps
	IPD_ENV=testing $(BIN)/python -m pytest -n 2 --dist loadgroup -q $(PYTEST_ARGS)

# Re-extract the message catalogue after changing user-facing text, then translate the new entries.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o web/translations/messages.pot \
	  --no-location --sort-output --width 120 --project ipd --ignore-dirs=".venv node_modules tests" .
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations --no-fuzzy-matching --width 120

# The image installs exactly these versions, checked by hash. Regenerate after changing pyproject.toml's dependencies.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet "pip-tools>=7.4,<8"
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --build-deps-for=editable \
	  --no-emit-index-url --no-emit-find-links --output-file requirements.lock pyproject.toml

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy engine forms

clean:
	rm -rf $(VENV) instance test-output
