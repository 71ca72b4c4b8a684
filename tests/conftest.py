"""Shared test setup: simulator availability, loudly.

A co-simulation test that cannot run because a simulator is missing is skipped with a message
that says so, and the session ends with a warning listing what did not run. With
HWGEN_REQUIRE_SIMULATORS=1 (set by .ci/run) a missing simulator fails the test instead.
"""

from __future__ import annotations

import os
import warnings

import pytest

from hwgen.errors import SimulationError
from hwgen.sim.toolchain import ensure_simulator

_MISSING: dict[str, str] = {}


def require_simulator(name: str) -> None:
    """Skip (or, in CI, fail) the calling test when simulator ``name`` is unavailable."""
    try:
        ensure_simulator(name)
    except SimulationError as error:
        message = f"SIMULATOR MISSING, cosim NOT RUN: {name}: {error}"
        _MISSING[name] = str(error)
        if os.environ.get("HWGEN_REQUIRE_SIMULATORS"):
            pytest.fail(message)
        warnings.warn(message, stacklevel=2)
        pytest.skip(message)


@pytest.fixture(params=["verilator", "icarus"])
def simulator(request) -> str:
    require_simulator(request.param)
    return request.param


@pytest.fixture
def verilator() -> str:
    require_simulator("verilator")
    return "verilator"


@pytest.fixture
def icarus() -> str:
    require_simulator("icarus")
    return "icarus"


def pytest_terminal_summary(terminalreporter):
    if _MISSING:
        terminalreporter.section("co-simulation NOT run", sep="!", red=True, bold=True)
        for name, reason in _MISSING.items():
            terminalreporter.write_line(f"{name}: {reason}", red=True, bold=True)
