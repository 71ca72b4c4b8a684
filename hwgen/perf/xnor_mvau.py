"""Cycle model of the XNOR, binary-weight and ternary MVAUs.

All three run on the integer MVAU's folded engine (``hwgen.hw.arith.mvau_core.MvauCore``) and end in
an activation stage of two cycles (``ThresholdUnit.LATENCY`` or the ``Requantizer``), so each
rule of :mod:`hwgen.perf.mvau` holds unchanged for them, ``WRITE_DELAY = 3 + 2`` included:
per step ``(nf, sf)`` one issue per cycle, a credit per fold, input beats consumed in fold 0,
the FIFO written ``WRITE_DELAY`` cycles after a fold's last step and read a cycle later.
Their ideal cycles per inference are ``vectors * NF * SF``.
"""

from __future__ import annotations

from .cycle_model import CycleModel
from .mvau import int_mvau_cycles_per_vector, int_mvau_processes, mvau_fifo_depths, mvau_reach

__all__ = ["ACTIVATION_LATENCY", "binary_mvau_processes", "binary_mvau_cycles",
           "binary_mvau_fifos", "BINARY_MVAU"]

#: Cycles of the threshold unit and of the requantizer (``WRITE_DELAY`` = 3 engine stages + 2).
ACTIVATION_LATENCY = 2

#: The event rules (duck-typed on ``name``, ``nf``, ``sf``, ``vectors``, ``out_fifo_depth``).
binary_mvau_processes = int_mvau_processes

#: Ideal cycles per inference: ``vectors * NF * SF``.
binary_mvau_cycles = int_mvau_cycles_per_vector


#: FIFO sizes: the integer MVAU's rule (:func:`hwgen.perf.mvau.mvau_fifo_depths`).
binary_mvau_fifos = mvau_fifo_depths


#: The cycle model of the XNOR, binary-weight and ternary MVAUs (three catalog entries).
BINARY_MVAU = CycleModel(binary_mvau_processes, binary_mvau_cycles, binary_mvau_fifos,
                         mvau_reach)
