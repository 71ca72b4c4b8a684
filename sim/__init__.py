"""Simulation: the model-level harness, cocotb testbenches and runners (installed as hwgen.sim)."""
