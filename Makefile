# The two commands of the README's quick start (demo, test), lint, the test tiers, and the docs.
# Every target creates .venv/ on first use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.hwgen-installed

.PHONY: demo lint test test-fast test-unit test-hw test-backend test-cosim test-e2e docs test-synth test-qat bench bench-resources clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0   # the CPU build here; unpinned pulls CUDA
	$(PY) -m pip install --quiet -e '.[test,qat,ray]'
	touch $(STAMP)

## demo: train the digits MLP, compile it, simulate the test split on Verilator, print the comparison
demo: $(STAMP)
	$(PY) examples/digits_mlp.py

## lint: ruff (the rules are in pyproject.toml)
lint: $(STAMP)
	$(PY) -m ruff check .

## test: the whole test suite on 2 cores (co-simulation on Verilator and Icarus included)
test: $(STAMP)
	$(PY) -m pytest -n 2 tests

## test-fast: the unit tier (pure Python, about a minute on 2 cores; see docs/testing.md)
test-fast: test-unit

## test-unit: IR, quantization, golden and cycle models, frontend, passes, public face (pure Python)
test-unit: $(STAMP)
	$(PY) -m pytest -n 2 tests/unit

## test-hw: hardware blocks and pipelines in Amaranth's simulator against the golden and cycle models
test-hw: $(STAMP)
	$(PY) -m pytest -n 2 tests/hw

## test-backend: Verilog export, lint, memory images, design files
test-backend: $(STAMP)
	$(PY) -m pytest -n 2 tests/backend

## test-cosim: cocotb on Verilator and Icarus
test-cosim: $(STAMP)
	$(PY) -m pytest -n 2 tests/cosim

## test-e2e: the hwgen command and the examples
test-e2e: $(STAMP)
	$(PY) -m pytest -n 2 tests/e2e

## docs: regenerate the module map of docs/architecture.md from the module docstrings
docs: $(STAMP)
	$(PY) docs/generate_architecture.py

## test-qat: quantization-aware training (torch, Brevitas): STEs, presets, the fake-quant = golden contract
test-qat: $(STAMP)
	$(PY) -m pytest -n 2 tests/qat

## test-synth: synthesis and place-and-route of small designs (yowasp)
test-synth: $(STAMP)
	$(PY) -m pytest -n 2 tests/synth

## bench: benchmark scripts (print figures)
bench: $(STAMP)
	$(PY) benchmarks/bench_simulation.py
	$(PY) benchmarks/bench_calibration.py

## bench-resources: cost-model estimate vs Yosys on the shipped examples (xcup, ecp5; minutes, then cached)
bench-resources: $(STAMP)
	$(PY) benchmarks/bench_resources.py

clean:
	rm -rf out/ .pytest_cache
