# Two commands: `make demo` plans the sample term and writes its calendar; `make test` runs
# the quality gates (`make lint`) and the tests. Each installs what it needs into .venv first
# (Python 3.10 or newer): the demo only paperclub itself, the tests also the test extra. A
# stamp file per step, so running one after the other installs each thing once.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
INSTALLED_TEST := $(VENV)/.installed-test
INSTALLED_LINT := $(VENV)/.installed-lint
INSTALLED_DOCS := $(VENV)/.installed-docs

.PHONY: demo test lint api-docs bench bench-import bench-plan bench-replan bench-relevance bench-fetch bench-announce clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("paperclub needs Python 3.10 or newer") if sys.version_info < (3, 10) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# the test extra includes the lint extra: after it, `make lint` has what it runs
$(INSTALLED_TEST): $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(INSTALLED_LINT)

$(INSTALLED_LINT): $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[lint]'
	touch $@

# the quality gates, configured in pyproject.toml ([tool.ruff], [tool.mypy]): the linter, the
# formatter's verdict (it changes nothing: `.venv/bin/ruff format` does), the type checker
define LINT
$(BIN)/ruff check .
$(BIN)/ruff format --check .
$(BIN)/mypy src
endef

lint: $(INSTALLED_LINT)
	$(LINT)

demo: $(INSTALLED)
	$(BIN)/paperclub plan schedules/ml-systems.yaml
	$(BIN)/paperclub show schedules/ml-systems.yaml

# the gates first, as `make lint`; the web page tests need Chromium: scripts/ensure-browser
# brings it, or says what to install; the invitation tests libical for the system Python:
# scripts/ensure-libical likewise
test: $(INSTALLED_TEST)
	$(LINT)
	scripts/ensure-browser
	scripts/ensure-libical
	$(BIN)/pytest

# the reference of paperclub.api, the plugins' API, from its docstrings (pdoc, the docs
# extra): build/api/paperclub/api.html; not committed, built when wanted
$(INSTALLED_DOCS): $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	touch $@

api-docs: $(INSTALLED_DOCS)
	rm -rf build/api
	$(BIN)/pdoc paperclub.api --output-directory build/api
	@echo "The API reference: build/api/paperclub/api.html"

bench: $(INSTALLED)
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/plugins.py
	$(BIN)/python bench/presenters.py
	$(BIN)/python bench/replan.py
	$(BIN)/python bench/relevance.py

# the groups of bench/relevance.py, then a profile over 1,000,000 generated papers and a plan
# over 100,000; about 10 minutes and 5 GB in bench/.cache the first time
bench-relevance: $(INSTALLED)
	$(BIN)/python bench/relevance.py --scale

# re-planning mid-term after 10 new papers, against the same re-plan without the change penalty
bench-replan: $(INSTALLED)
	$(BIN)/python bench/replan.py

# about 10 minutes, and 2 GB in bench/.cache the first time
bench-import: $(INSTALLED)
	$(BIN)/python bench/import.py

# about ten minutes (every policy at three sizes, with the direct model and the greedy beside
# it); installs the peer tool conference-scheduler into .venv
bench-plan: $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/plan.py

# 10,000 arXiv entries paged from a local server at arXiv's pace (3 s a page), against the same
# entries imported from a saved file, then a refresh that changes nothing; about 3 minutes;
# installs the fetch extra (requests, requests-cache) into .venv
bench-fetch: $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[fetch]'
	$(BIN)/python bench/fetch.py

# a 200-member group's 52-session term announced to a local SMTP server (aiosmtpd, the bench
# extra): every message rendered and sent, beside a dry run and a bare smtplib loop; a few minutes
bench-announce: $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/announce.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache catalog.sqlite catalog.sqlite-wal catalog.sqlite-shm schedules/*.plan.yaml schedules/*.announce.sqlite schedules/*.ics schedules/ml-systems.md schedules/ml-systems.html
