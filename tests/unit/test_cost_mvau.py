"""The MVAU kinds' cost model (hwgen/perf/cost: int_mvau, mx_mvau, binary_mvau and what they
share): structural counts checked against hand counts and Yosys' measured choices."""

from __future__ import annotations

import pytest

from hwgen.perf.cost import COST_TARGETS, Ram, memory_style

XCUP, ECP5 = COST_TARGETS["xcup"], COST_TARGETS["ecp5"]


# -- memories ---------------------------------------------------------------------------------

@pytest.mark.parametrize("depth, width, xcup, ecp5", [
    # measured with synth_xilinx -family xcup / synth_ecp5 on a RAM with one write port (with
    # an enable) and one read without a clock: a couple of bits stay flip-flops
    (2, 1, "logic", "logic"),      # the 2-deep output FIFO of a 1-bit output (sweep b01)
    (2, 2, "logic", "logic"),      # ... of a 2-bit output (sweep b06)
    (3, 1, "logic", "logic"),
    (4, 1, "lutram", "logic"),
    (2, 3, "lutram", "logic"),
    (3, 2, "lutram", "logic"),
    (2, 4, "lutram", "lutram"),
    (4, 2, "lutram", "lutram"),
    (8, 1, "lutram", "lutram"),
])
def test_tiny_rams_stay_flip_flops_as_libmap_decides(depth, width, xcup, ecp5):
    ram = Ram(depth=depth, width=width, sync_read=False)
    assert memory_style(ram, XCUP) == xcup
    assert memory_style(ram, ECP5) == ecp5
