"""Cycle model of the integer MVAU (``hwgen.hw.arith.int_mvau.IntMvau``).

Per step ``(nf, sf)`` of vector ``k`` (fold index ``f = k*NF + nf``, steps issued in order,
at most one per cycle), with ``C`` the output FIFO depth:

* ``issue = previous issue + 1``;
* the first step of a fold also waits for a credit: ``issue >= out[f - C] + 1``;
* a step of fold 0 consumes input beat ``b = k*SF + sf``: it is ready at the cycle above and
  issues at the input transfer ``in[b] = max(valid, ready)``;
* the result of fold ``f`` is written into the output FIFO ``int_mvau_write_delay(p) =
  WRITE_DELAY + requant_round_cycles x (requant_rounds - 1) + pipeline_delay`` cycles after
  the issue of its last step (a requantizer shared by the PEs takes ``requant_rounds``
  rounds per beat, of two cycles when its lanes multiply serially; the pipeline registers
  of the operands, products, adder trees and requantizer one cycle each, more of them with
  ``pipeline = "deep"``: ``IntMvauParams.pipeline_delay``), and is
  valid at the output
  one cycle later, but not before the previous output beat has left:
  ``valid[f] = max(write + 1, out[f - 1] + 1)``.

In isolation (input always valid, output always ready, ``C`` large enough) a vector takes
``NF * SF`` cycles: :func:`int_mvau_cycles_per_vector`.
"""

from __future__ import annotations

from ..ir.blocks.int_mvau import IntMvauParams
from .cycle_model import CycleModel
from .events import Schedule, Stream
from .stream_fifo import sliced_input, stream_fifo_reach

__all__ = ["WRITE_DELAY", "int_mvau_write_delay", "int_mvau_processes",
           "int_mvau_cycles_per_vector", "int_mvau_isolated_latency", "credits_for_full_rate",
           "mvau_reach", "int_mvau_reach", "INT_MVAU"]

#: Issue of a fold's last step to the output FIFO write with a requantizer per PE: memories
#: (1), dot products (2), accumulate (3), requantizer stage A (4), stage B (5).
WRITE_DELAY = 5


def int_mvau_write_delay(p) -> int:
    """Issue of a fold's last step to its output FIFO write: the requantizer's rounds after
    the first add a cycle each, two when serial (``hwgen.hw.arith.shared_requantizer``,
    ``IntMvauParams.requant_round_cycles``), and the integer MVAU's pipeline registers
    (``IntMvauParams.pipeline_delay``: after the multiplies, inside the adder trees and the
    requantizer, the serial multiply's second piece) one each. The binary MVAUs, which
    share the engine's rules, have an activation per PE (one round) and no such
    registers."""
    return (WRITE_DELAY
            + getattr(p, "requant_round_cycles", 1) * (getattr(p, "requant_rounds", 1) - 1)
            + getattr(p, "pipeline_delay", 0))


def int_mvau_cycles_per_vector(p: IntMvauParams) -> int:
    """Steady-state cycles per inference of the block on its own: ``vectors * NF * SF``."""
    return p.vectors * p.nf * p.sf


def int_mvau_isolated_latency(p: IntMvauParams) -> int:
    """First input transfer to last output transfer of one vector, on its own.

    With the input arriving one beat per cycle and at least :func:`credits_for_full_rate`
    credits, the steps issue in cycles ``0 .. NF*SF - 1``; the last result is written
    :func:`int_mvau_write_delay` cycles after the last step and leaves one cycle later.
    """
    delay = int_mvau_write_delay(p)
    if p.out_fifo_depth < credits_for_full_rate(p.sf, delay):
        raise ValueError(f"layer {p.name!r}: output FIFO too shallow for the closed form; "
                         "use the event model (pipeline_timing)")
    # a beat reaches the engine from the register slice (if any) a cycle after it entered
    return p.vectors * p.nf * p.sf - 1 + delay + 1 + (1 if getattr(p, "input_slice", 0) else 0)


def int_mvau_processes(schedule: Schedule, p: IntMvauParams, inp: Stream, out: Stream,
                       inferences: int | None = None):
    """Register the block's rules on ``schedule`` (``inferences`` is not needed: the
    streams' lengths end the run). With ``pipeline = "deep"`` the input passes the block's
    register slice first, a FIFO of ``p.input_slice`` beats (:mod:`hwgen.perf.stream_fifo`)."""
    mvau_engine_processes(schedule, p, sliced_input(schedule, p, inp), out,
                          write_delay=int_mvau_write_delay(p))


def int_mvau_reach(p) -> int:
    """:func:`mvau_reach`, and the register slice's read ``p.input_slice`` beats back."""
    if not p.input_slice:
        return mvau_reach(p)
    return max(mvau_reach(p), stream_fifo_reach(p.input_slice, p.vectors * p.sf))


def int_mvau_fifo_depths(block, upstream) -> dict:
    """:func:`mvau_fifo_depths` with the credits the block's write delay needs."""
    return mvau_fifo_depths(block, upstream,
                            credits=credits_for_full_rate(block.sf, int_mvau_write_delay(block)))


def mvau_engine_processes(schedule: Schedule, p, inp: Stream, out: Stream,
                          inferences: int | None = None, *, write_delay: int, group: int = 1):
    """The folded engine's rules, shared by every MVAU datapath.

    ``p`` provides ``name``, ``nf``, ``sf``, ``vectors`` and ``out_fifo_depth``. A datapath
    whose output beat needs ``group`` folds (an MX output block) writes those beats together:
    fold ``f - group + 1 + j`` is written ``write_delay + j`` cycles after the group's last
    step. The credit of fold ``f`` is the output FIFO's rule (``Schedule.fifo_depth``): it
    delays the fold's first step, which for fold 0 of a vector is the transfer of its input
    beat.
    """
    nf, sf = p.nf, p.sf
    depth, log = schedule.fifo_depth(p, "out_fifo_depth")
    arrive = write_delay + 1        # a result is read out of the FIFO a cycle after its write

    def engine():
        issued, f, beat = -1, 0, 0
        ox, ix = out.xfer, inp.xfer
        while True:
            for n in range(nf):
                start = issued + 1
                if depth is not None and f >= depth:
                    j = f - depth - out.base
                    t = ox[j] if 0 <= j < len(ox) else (yield (out, f - depth))
                    if t >= start:
                        start = t + 1
                if n == 0:
                    inp.accept(beat, start)
                    j = beat - inp.base
                    issued = ix[j] if 0 <= j < len(ix) else (yield (inp, beat))
                    if log is not None:
                        log.offer(f, issued)
                    beat += 1
                    for _ in range(sf - 1):
                        inp.accept(beat, issued + 1)
                        j = beat - inp.base
                        issued = ix[j] if 0 <= j < len(ix) else (yield (inp, beat))
                        beat += 1
                else:
                    if log is not None:
                        log.offer(f, start)
                    issued = start + sf - 1
                if group == 1:
                    out.arrive(f, issued + arrive)
                elif f % group == group - 1:
                    for k in range(group):
                        out.arrive(f - group + 1 + k, issued + arrive + k)
                f += 1

    schedule.process(engine())


def mvau_fifo_depths(block, upstream, *, credits: int | None = None) -> dict:
    """FIFO sizing rule of every MVAU datapath.

    Output FIFO: a whole output vector, so the layer can run a vector ahead of a consumer
    busy with later folds, and enough ``credits`` never to slow it down on its own (by
    default :func:`credits_for_full_rate`). Input FIFO: after a converter that widens the
    stream (it delivers under a beat per cycle while fold 0 takes one per cycle), a whole
    input vector gathered beforehand.
    """
    widening = upstream is not None and upstream.output_format.lanes < block.simd
    needed = credits_for_full_rate(block.sf) if credits is None else credits
    return {"out_fifo_depth": max(block.nf, needed), "in_fifo_depth": block.sf if widening else 0}


def mvau_reach(p) -> int:
    """Inferences back a rule of the engine reaches: the previous step (1), and the credit
    of fold ``f``, ``out[f - C]``, ``C`` beats back on a stream of ``vectors * NF`` beats per
    inference."""
    return max(1, -(-p.out_fifo_depth // (p.vectors * p.nf)))


def credits_for_full_rate(p_sf: int, write_delay: int = WRITE_DELAY) -> int:
    """Smallest output FIFO depth with which credits never slow the engine down.

    Fold ``f`` may start ``write_delay + 2`` cycles after fold ``f - C`` ended (write, read,
    credit back); ``C - 1`` folds of ``SF`` cycles must cover that: ``(C - 1) * SF >=
    write_delay + 1``.
    """
    return 1 + -(-(write_delay + 1) // p_sf)


#: The integer MVAU's cycle model (catalog entry ``int_mvau``).
INT_MVAU = CycleModel(int_mvau_processes, int_mvau_cycles_per_vector, int_mvau_fifo_depths,
                      int_mvau_reach)
