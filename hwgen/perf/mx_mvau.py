"""Cycle model of the MX MVAU (``hwgen.hw.mx.mvau.MxMvau``).

The engine is the integer MVAU's (``hwgen.perf.mvau``): one step ``(nf, sf)`` per cycle,
fold 0 consuming input beats, a fold starting only with a free output FIFO slot (credit).
Only the delay to the output FIFO differs:

* int outputs: the result of fold ``f`` is written ``INT_WRITE_DELAY`` cycles after the issue
  of its last step: memories (1), decode and multiply (2), align and add (3), accumulate (4),
  requantizer product (5), rounding and saturation (6);
* MX outputs: a block of ``k`` channels spans ``B = max(1, k / PE)`` folds; once the last
  fold of a block is issued in cycle ``t``, the block's ``B`` beats are written in cycles
  ``t + MX_WRITE_DELAY + j``, ``j = 0 .. B - 1``: accumulate (4), fixed point (5), gather and
  max-abs tree (6), shared exponent, shift, round and saturate (7).

A beat is valid at the output one cycle after its write, but not before the previous beat
has left. In isolation a vector takes ``NF * SF`` cycles.
"""

from __future__ import annotations

from ..ir.blocks.mx_mvau import MxMvauParams
from ..ir.mx.types import is_mx_format
from .cycle_model import CycleModel
from .events import Schedule, Stream
from .mvau import mvau_engine_processes, mvau_fifo_depths, mvau_reach

__all__ = ["INT_WRITE_DELAY", "MX_WRITE_DELAY", "mx_write_delay", "mx_mvau_processes",
           "mx_mvau_cycles_per_vector", "mx_credits_for_full_rate", "mx_isolated_latency",
           "mx_mvau_fifos", "MX_MVAU"]

INT_WRITE_DELAY = 6
MX_WRITE_DELAY = 7


def mx_write_delay(p: MxMvauParams) -> int:
    return MX_WRITE_DELAY if is_mx_format(p.output_dtype) else INT_WRITE_DELAY


def mx_mvau_cycles_per_vector(p: MxMvauParams) -> int:
    """Steady-state cycles per inference on its own: ``vectors * NF * SF``."""
    return p.vectors * p.nf * p.sf


def mx_credits_for_full_rate(p: MxMvauParams) -> int:
    """Output FIFO depth with which credits never slow the engine on its own.

    Fold ``f`` may start once the beat of fold ``f - C`` has left: at most
    ``delay + B + 1`` cycles after the end of the block holding fold ``f - C`` (write ``B - 1``
    cycles late, read, credit back). The ``C - B`` folds in between take ``SF`` cycles each.
    """
    b = p.out_folds_per_block
    return b + 1 + -(-(mx_write_delay(p) + b + 1) // p.sf)


def mx_isolated_latency(p: MxMvauParams) -> int:
    """First input transfer to last output transfer of one inference (``vectors`` input
    vectors arriving one beat per cycle), with enough credits."""
    return p.vectors * p.nf * p.sf - 1 + mx_write_delay(p) + p.out_folds_per_block


def mx_mvau_processes(schedule: Schedule, p: MxMvauParams, inp: Stream, out: Stream,
                      inferences: int | None = None):
    """Register the block's rules on ``schedule``: the folded engine's
    (:func:`hwgen.perf.mvau.mvau_engine_processes`), an MX output block's beats written
    together once its last fold is done (``inferences`` is not needed: the streams' lengths
    end the run)."""
    mvau_engine_processes(schedule, p, inp, out, write_delay=mx_write_delay(p),
                          group=p.out_folds_per_block)


def mx_mvau_fifos(block: MxMvauParams, upstream) -> dict:
    """FIFO sizing rule: the integer MVAU's, with the MX output's credits."""
    return mvau_fifo_depths(block, upstream, credits=mx_credits_for_full_rate(block))


def mx_mvau_least_depths(block: MxMvauParams) -> dict:
    """The output FIFO holds at least an MX output block's beats (written together)."""
    return {"out_fifo_depth": block.out_folds_per_block}


#: The MX MVAU's cycle model (catalog entry ``mx_mvau``).
MX_MVAU = CycleModel(mx_mvau_processes, mx_mvau_cycles_per_vector, mx_mvau_fifos, mvau_reach,
                     mx_mvau_least_depths)
