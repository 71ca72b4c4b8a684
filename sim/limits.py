"""How long a simulation may run: limits derived from the cycle model, never fixed.

A run of ``N`` inferences takes exactly the cycle model's ``total_cycles`` without stalls.
The harness stops a run that goes on past ``MARGIN`` times that (``SLACK`` cycles more for
short runs), or that sees no output beat for ``MARGIN`` times the model's longest wait for
one (the first output's latency, or the widest gap between two beats). Random idle input
cycles and output backpressure slow a run by up to ``1 / ((1 - idle) (1 - backpressure))``
on average; both limits scale by that. ``max_cycles`` replaces both limits (``hwgen sim
--max-cycles``), e.g. for a hand-edited design that is slower on purpose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import CycleLimitError, SimulationError

__all__ = ["MARGIN", "SLACK", "CycleLimits", "cycle_limits"]

#: A run may take this many times the cycles the cycle model predicts ...
MARGIN = 2
#: ... plus this many (start-up, short runs, stall bursts).
SLACK = 10_000


@dataclass(frozen=True)
class CycleLimits:
    """When the harness stops a run.

    Attributes
    ----------
    max_cycles : int
        Cycles after reset at which the run stops unfinished.
    watchdog : int
        Cycles without an output beat after which the run stops unfinished.
    expected_cycles : int
        The cycle model's cycles for the whole run (first input to last output beat).
    expected_gap : int
        The cycle model's longest wait for an output beat.
    given : bool
        ``max_cycles`` was given (both limits are that value), not derived.
    """

    max_cycles: int
    watchdog: int
    expected_cycles: int
    expected_gap: int
    given: bool = False

    def error(self, *, reason: str, cycle: int, received: int, beats_out: int,
              log) -> CycleLimitError:
        """The error of a run the harness stopped (``reason``: "cycle limit" or "watchdog")."""
        if reason == "watchdog":
            what = (f"no output beat for {self.watchdog:,} cycles (the cycle model's longest "
                    f"wait for one is {self.expected_gap:,} cycles)")
        else:
            what = (f"it reached its limit of {self.max_cycles:,} cycles (the cycle model "
                    f"expects {self.expected_cycles:,} for the whole run)")
        how = ("it was given with --max-cycles (max_cycles=)" if self.given else
               f"the limits are {MARGIN} x the model's cycles + {SLACK:,}")
        return CycleLimitError(
            f"the simulation stopped at cycle {cycle:,} with {received:,} of {beats_out:,} "
            f"output beats: {what}; {how}. A design slower than its cycle model, or stuck, "
            f"ends here; to let it run longer pass --max-cycles N (max_cycles=N). Log: {log}")


def _bound(cycles: int, slowdown: float) -> int:
    return int(math.ceil(MARGIN * cycles * slowdown)) + SLACK


def cycle_limits(timing, *, idle: float = 0.0, backpressure: float = 0.0,
                 max_cycles: int | None = None) -> CycleLimits:
    """The limits of a run whose cycle model is ``timing`` (a PipelineTiming).

    Parameters
    ----------
    timing : PipelineTiming
        The cycle model's run of the same inferences.
    idle, backpressure : float
        Stall probabilities of the run, in [0, 1).
    max_cycles : int, optional
        Replace both derived limits.
    """
    out_beats = timing.out_beats
    gaps = [out_beats[0] + 1] + [b - a for a, b in zip(out_beats, out_beats[1:], strict=False)]
    expected_gap = max(gaps)
    expected = out_beats[-1] + 1
    if max_cycles is not None:
        if isinstance(max_cycles, bool) or not isinstance(max_cycles, int) or max_cycles < 1:
            raise SimulationError(f"max_cycles must be a positive integer, not {max_cycles!r}")
        return CycleLimits(max_cycles=max_cycles, watchdog=max_cycles, expected_cycles=expected,
                           expected_gap=expected_gap, given=True)
    slowdown = 1.0 / ((1.0 - idle) * (1.0 - backpressure))
    return CycleLimits(max_cycles=_bound(expected, slowdown),
                       watchdog=_bound(expected_gap, slowdown),
                       expected_cycles=expected, expected_gap=expected_gap)
