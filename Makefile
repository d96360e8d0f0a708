# Two commands matter: `make demo` and `make test`. Everything installs itself first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := console collectors alerts dashboards analysis promql store demo
PYTEST_ARGS ?=

.PHONY: install demo test lint typecheck pytest bench fuzz clean

install: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: install
	$(BIN)/vigil demo

test: lint typecheck pytest

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy $(PACKAGES)

# pytest exits 5 when it collected no test: for this project that is a broken
# suite, not a pass, so say so plainly instead of passing silently.
pytest: install
	@status=0; $(BIN)/pytest $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: the suite is broken" >&2; exit 1; fi; \
	exit $$status

bench: install
	$(BIN)/python -m bench

fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest tests -m fuzz $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var build *.egg-info .mypy_cache .pytest_cache .ruff_cache
