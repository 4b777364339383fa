# The two commands of the README: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test build eval bench bench-load audit lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	# torch is pinned in pyproject (2.13.0, the CPU wheel) and installed in the same pip run,
	# so no CUDA build is pulled in.
	$(BIN)/pip install --disable-pip-version-check -q -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/assistant build --if-needed
	$(BIN)/python app.py

test: $(STAMP)
	$(BIN)/python -m pytest tests

build: $(STAMP)
	$(BIN)/assistant build

eval: $(STAMP)
	$(BIN)/assistant eval --retrieval

bench: $(STAMP)
	$(BIN)/python bench/run.py

bench-load: $(STAMP)
	$(BIN)/python bench/load.py

# pip-audit needs a vulnerability service (PyPI JSON API or OSV); see docs/security.md.
audit:
	test -x .audit-venv/bin/pip-audit || ($(PY) -m venv .audit-venv && .audit-venv/bin/pip install -q pip-audit)
	.audit-venv/bin/pip-audit --strict --progress-spinner off --path $(VENV)/lib/python3.11/site-packages

lint: $(STAMP)
	$(BIN)/ruff check assistant tests app.py bench

clean:
	rm -rf index/build-* index/CURRENT
