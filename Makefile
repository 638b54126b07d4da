# make build: set up, then build every sample publication into output/.
# make test:  set up, then run the whole test suite.
# Set-up installs only what is missing: Debian packages (as root, or with sudo) and .venv/.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Pango and HarfBuzz for WeasyPrint (harfbuzz-subset: fast font subsetting), the Noto fonts
# (Latin and CJK, so every glyph prints), fontconfig (fc-match: which font files a build
# depends on), poppler-utils for the tests that read PDFs, openssh-client (ssh-keygen) to
# sign and verify editions.
DEB_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core \
	fonts-noto-cjk fontconfig poppler-utils openssh-client
# Chromium for the test of the web edition (Playwright drives it; it downloads no browser).
TEST_DEB_PACKAGES := chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: build test lint bench setup system clean

build: setup
	$(PY) build.py build

test: DEB_PACKAGES += $(TEST_DEB_PACKAGES)
test: setup
	$(PY) -m pytest

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

setup: system $(VENV)/.installed

system:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' \
	    || missing="$$missing $$p"; \
	done; \
	$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

clean:
	rm -rf output $(VENV) *.egg-info

bench: setup
	$(PY) bench/run.py
