# The two commands of the README: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test build eval bench lint clean

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

lint: $(STAMP)
	$(BIN)/ruff check assistant tests app.py bench

clean:
	rm -rf index/build-* index/CURRENT
