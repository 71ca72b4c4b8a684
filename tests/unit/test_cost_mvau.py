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


# -- threshold unit ---------------------------------------------------------------------------

def test_threshold_comparators_are_a_feature_of_their_own():
    """Per lane and threshold one comparison of the accumulator with the fold table's read:
    ``max(acc, threshold) bits``, half of them for a threshold the fold does not change."""
    import numpy as np

    from hwgen.perf.cost.components import threshold_unit
    from hwgen.perf.cost.tally import Tally

    # 2 folds x 2 lanes x 3 thresholds of 1..40 (6 bits unsigned) against a 5-bit accumulator;
    # lane 1's thresholds are the same in both folds
    thresholds = np.array([[[1, 5, 9], [2, 6, 40]],
                           [[3, 7, 11], [2, 6, 40]]])
    t = Tally(XCUP)
    threshold_unit(t, acc_bits=5, thresholds=thresholds, flip=np.zeros((2, 2), dtype=int),
                   out_bits=2)
    assert t.features["thr_cmp"] == 3 * 6 + 3 * 6 / 2
    assert t.features["cmp"] == 0              # (not the windows' comparators)
    # per lane: 3 comparison flip-flops, 2 output bits; plus valid_a, o_valid
    assert t.features["reg"] == 2 * (3 + 2) + 2


# -- ROMs in soft logic -----------------------------------------------------------------------

def test_a_rom_between_two_powers_of_two_costs_in_between():
    """A 36-word weight ROM (a 3 x 3 x 4 convolution's 36 steps): the 28 words up to 64 are
    never read, so it costs 4/32 of the way from a 32-word ROM's LUTs to a 64-word one's."""
    from hwgen.perf.cost.coefficients import ROM_LUTS
    from hwgen.perf.cost.tally import rom_luts_of_depth

    table = ROM_LUTS["xcup"]["counter"]
    assert rom_luts_of_depth("xcup", 64, counter=True) == table[6]
    assert rom_luts_of_depth("xcup", 33, counter=True) == pytest.approx(
        table[5] + (table[6] - table[5]) / 32)
    assert rom_luts_of_depth("xcup", 36, counter=True) == pytest.approx(
        table[5] + (table[6] - table[5]) * 4 / 32)
    assert rom_luts_of_depth("xcup", 32, counter=True) == table[5]
    # a 1-bit address: the column is the address bit itself
    assert rom_luts_of_depth("ecp5", 2, counter=False) == 0.0
