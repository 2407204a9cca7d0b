# Two entry points a new user needs: `make grade-samples` and `make test`.
# Both create the virtual environment first (.venv), so nothing is installed by hand.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

.PHONY: setup grade-samples test lint
setup: $(STAMP)

grade-samples: $(STAMP)
	$(BIN)/tfgrade grade assignments/autograph/samples --assignment autograph --out out/samples

lint: $(STAMP)
	$(BIN)/ruff check autograder tests benchmarks

test: $(STAMP)
	$(BIN)/ruff check autograder tests benchmarks
	$(BIN)/python -m pytest -q
