# Two commands: `make run` (set up + main job) and `make test` (set up + tests).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench forecast setup clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/jobsim run scenarios/baseline_2021.toml --out out/baseline_2021

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_speed.py
	$(BIN)/python benchmarks/bench_full_scale.py

forecast: $(STAMP)
	$(BIN)/jobsim forecast --out out/forecast

clean:
	rm -rf $(VENV) out .pytest_cache
