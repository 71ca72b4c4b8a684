"""The limits of a simulation run come from the cycle model (docs/simulation.md)."""

import numpy as np
import pytest

from hwgen.errors import SimulationError
from hwgen.perf.pipeline import pipeline_timing
from hwgen.sim.limits import cycle_limits
from tests.fixtures.shipped_edits import small_design


@pytest.fixture(scope="module")
def timing():
    design = small_design()
    return pipeline_timing(design.blocks, 7, design.edges)


def test_limits_are_twice_the_model_plus_slack(timing):
    beats = np.asarray(timing.out_beats)
    run = int(beats[-1]) + 1                           # cycles 0 .. last output beat
    wait = int(max(beats[0] + 1, np.diff(beats).max()))
    limits = cycle_limits(timing)
    assert (limits.expected_cycles, limits.expected_gap) == (run, wait)
    assert limits.max_cycles == 2 * run + 10_000 and limits.watchdog == 2 * wait + 10_000
    assert not limits.given


def test_stalls_stretch_both_limits(timing):
    plain = cycle_limits(timing)
    stalled = cycle_limits(timing, idle=0.5, backpressure=0.75)     # 8x slower on average
    assert stalled.max_cycles - 10_000 == 8 * (plain.max_cycles - 10_000)
    assert stalled.watchdog - 10_000 == 8 * (plain.watchdog - 10_000)


def test_a_given_limit_replaces_both(timing):
    limits = cycle_limits(timing, max_cycles=123)
    assert (limits.max_cycles, limits.watchdog, limits.given) == (123, 123, True)
    for bad in (0, -5, 1.5, True):
        with pytest.raises(SimulationError, match="max_cycles must be a positive integer"):
            cycle_limits(timing, max_cycles=bad)


def test_the_error_names_the_reached_and_expected_cycles(timing):
    limits = cycle_limits(timing)
    error = limits.error(reason="cycle limit", cycle=limits.max_cycles, received=3,
                         beats_out=7, log="sim.log")
    text = str(error)
    assert f"stopped at cycle {limits.max_cycles:,} with 3 of 7 output beats" in text
    assert f"expects {limits.expected_cycles:,}" in text and "--max-cycles" in text
