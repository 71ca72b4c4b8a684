# The two commands of the README's quick start. Both create .venv/ on first use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.hwgen-installed

.PHONY: demo test test-fast bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0   # the CPU build here; unpinned pulls CUDA
	$(PY) -m pip install --quiet -e '.[test,qat]'
	touch $(STAMP)

## demo: train the digits MLP, compile it, simulate the test split on Verilator, print the comparison
demo: $(STAMP)
	$(PY) examples/digits_mlp.py

## test: the whole test suite on 2 cores (co-simulation on Verilator and Icarus included)
test: $(STAMP)
	$(PY) -m pytest -n 2 tests

## test-fast: everything but co-simulation
test-fast: $(STAMP)
	$(PY) -m pytest -n 2 -m "not cosim" tests

## bench: benchmark scripts (print figures)
bench: $(STAMP)
	$(PY) benchmarks/bench_simulation.py
	$(PY) benchmarks/bench_calibration.py

clean:
	rm -rf out/ .pytest_cache
