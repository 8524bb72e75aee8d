# Two commands: `make run` (set up + main job) and `make test` (set up + tests).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench forecast optimise setup clean notebooks dashboard

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# The main job: the baseline, the plan and the alternative mixes compared over replications
# at default scale (one agent per 100 people), each replicate with its own draw of the
# calibrated parameters (from each scenario's fitted parameter file) and of the forecast demand
# path (stochastic, parameter and macro uncertainty: `jobsim compare`'s default; the flags
# --no-parameter-draws / --no-macro-draws switch each off); the report is out/compare/report.html.
REPLICATIONS ?= 20
run: $(STAMP)
	$(BIN)/jobsim compare scenarios/baseline_2021.toml scenarios/plan_2021.toml \
		scenarios/plan_2021_training_to_hiring.toml scenarios/plan_2021_triple_internships.toml \
		scenarios/plan_2021_double_loans.toml scenarios/plan_2021_demand_shock.toml \
		--replications $(REPLICATIONS) --attribution-replications 5 \
		--out out/compare
	@echo "report: $(CURDIR)/out/compare/report.html"

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_speed.py
	$(BIN)/python benchmarks/bench_full_scale.py

# JupyterLab from the project's environment (the `notebooks` extra), on the notebooks folder.
notebooks: $(STAMP)
	$(BIN)/pip install --quiet -e '.[notebooks]'
	$(BIN)/jupyter lab --notebook-dir=notebooks

# The planner's dashboard on http://127.0.0.1:8765/ (Solara, offline; Ctrl-C stops it).
dashboard: $(STAMP)
	$(BIN)/jobsim dashboard

forecast: $(STAMP)
	$(BIN)/jobsim forecast --out out/forecast

# The best mix for the plan's budget, half and double (jobsim optimise; docs/optimise.md),
# then the recommended mix out of sample, what is left of its gain a year later (2022) and
# the search against random search.
# Ends by rewriting the measured section of docs/optimise.md from what it ran.
optimise: $(STAMP)
	nice $(BIN)/python benchmarks/bench_optimise.py run --budgets plan,half,double
	nice $(BIN)/python benchmarks/bench_optimise.py oos --run out/optimise/plan_budget
	nice $(BIN)/python benchmarks/bench_optimise.py persistence --run out/optimise/plan_budget
	nice $(BIN)/python benchmarks/bench_optimise.py hypervolume --run out/optimise/plan_budget --seeds 3
	$(BIN)/python benchmarks/bench_optimise.py docs

clean:
	rm -rf $(VENV) out .pytest_cache
