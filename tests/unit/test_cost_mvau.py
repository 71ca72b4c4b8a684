"""The MVAU kinds' cost model (hwgen/perf/cost: int_mvau, mx_mvau, binary_mvau and what they
share): structural counts checked against hand counts and Yosys' measured choices."""

from __future__ import annotations

import numpy as np
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


def test_a_rom_past_16_words_read_into_logic_counts_its_varying_tails_and_no_select():
    """An MX MVAU's weight ROM of 17-31 words on ECP5 (its read register feeds the element
    decoders): a LUT a distinct column and one more where the words past 16 vary, no select
    (``mx_rom``, benchmarks/bench_mx_weight_rom.py); the int MVAUs' split rule elsewhere."""
    from hwgen.perf.cost import cost_target
    from hwgen.perf.cost.memory import rom_from_words
    from hwgen.perf.cost.tally import Tally, split_without_select

    # column 0 varies everywhere, column 1 only in the first 16 words, column 2 is bit 0 of
    # the address (no LUT, in its tail neither), column 3 a duplicate of column 0
    words = []
    for a in range(18):
        c0 = (a * 7 + 3) % 5 > 1
        c1 = a < 16 and a % 3 == 0
        words.append(c0 | (c1 << 1) | ((a & 1) << 2) | (c0 << 3))
    rom = rom_from_words(words, 4, sync_read=True, counter_address=True)
    assert rom.tail == 1
    assert rom_from_words(words[:16], 4, sync_read=True).tail == 0
    assert split_without_select("ecp5", 18) and not split_without_select("ecp5", 16)
    assert not split_without_select("ecp5", 36) and not split_without_select("xcup", 18)
    assert rom.distinct == 2
    t = Tally(cost_target("ecp5"))
    t.rom("weights", rom, decoded=True)
    assert t.features["mx_rom"] == 3 and t.features["rom"] == 0
    u = Tally(cost_target("ecp5"))
    u.rom("weights", rom)
    assert u.features["rom"] > 0 and u.features["mx_rom"] == 0


@pytest.mark.parametrize(("words", "measured"), [
    # benchmarks/bench_weight_rom_in_block.py --targets xcup --points
    # c01,g01/1,i02,i17,i18,i08,i03,g09/0,g06/0: the int MVAU with its weight rows repeated
    # with period ``words``, less the period-2 block, per weight column (LUT6): the lowest
    # and highest of the points that reach that depth; at 64 words also ROMs of exactly 64
    # words (--points i13,i04,i17,g01/0,i05 and the digits MLP's fc1, period 2 against as
    # they are: 3.98-5.20)
    (8, (0.69, 1.06)), (16, (0.96, 1.29)), (32, (1.91, 3.25)), (64, (3.98, 6.00)),
])
def test_xcup_weight_rom_columns_cost_what_they_cost_inside_the_block(words, measured):
    """The xcup weight ROM's LUTs per column (the counter table times the fitted ``rom``
    coefficient) fall within the per-column LUTs measured inside int MVAUs, where a ROM of
    32 words or more costs more than alone (the table's values before: 1.3 and 3.7 at 32 and
    64 words, 1.4 and 4.1 LUT6 with the coefficient)."""
    from hwgen.perf.cost.coefficients import COEFFICIENTS
    from hwgen.perf.cost.tally import rom_luts_of_depth

    per_column = COEFFICIENTS["xcup"]["lut"]["rom"] * rom_luts_of_depth("xcup", words,
                                                                         counter=True)
    low, high = measured
    assert low * 0.85 <= per_column <= high * 1.15


# -- binary-weight and ternary selects --------------------------------------------------------

@pytest.mark.parametrize("target", ["xcup", "ecp5"])
def test_binary_weight_and_ternary_term_selects_are_counted_apart(target):
    """Per lane, a binary-weight MVAU selects +x or -x (``term_sel``; on LUT6 part of the
    measured dot product, ``bwn_dot``) and a ternary one gates x by each of its two planes
    (``term_and``): counted in bits."""
    from hwgen.perf.cost.binary_mvau import bwn_mvau_features, ternary_mvau_features
    from hwgen.perf.cost.model import tally_of
    from tests.fixtures.binary_factories import random_binary_params

    rng = np.random.default_rng(7)
    # 4-bit unsigned inputs: a term +x / -x spans -15 .. 15, 5 bits; x or 0 spans 0 .. 15, 4
    bwn = random_binary_params(rng, "bwn", mh=8, mw=16, pe=2, simd=4, in_bits=4)
    t = tally_of(bwn_mvau_features, bwn, target)
    if target == "ecp5":
        assert t.features["term_sel"] == 2 * 4 * 5
    else:       # two PEs of 4 terms of 5 bits: 5 x (4 - 1.58) each
        assert t.features["term_sel"] == 0
        assert t.features["bwn_dot"] == pytest.approx(2 * 5 * 2.42)
    assert t.features["term_and"] == 0
    ternary = random_binary_params(rng, "ternary", mh=8, mw=16, pe=2, simd=4, in_bits=4,
                                   bipolar_input=False)
    t = tally_of(ternary_mvau_features, ternary, target)
    assert t.features["term_and"] == 2 * (2 * 4) * 4
    assert t.features["term_sel"] == 0


@pytest.mark.parametrize("target", ["xcup", "ecp5"])
def test_a_binary_weight_tree_counts_its_sign_extended_rows(target):
    """A binary-weight MVAU's tree of ``+x / -x`` terms: every term sign-extended to the sum's
    width; in LUT4s all rows but one cost (``bwn_csa``, not ``csa``), then one adder."""
    from hwgen.perf.cost.arith import adder_tree, signed_tree_full_adders
    from hwgen.perf.cost.binary_mvau import bwn_mvau_features, lut4_dot_rows
    from hwgen.perf.cost.model import tally_of
    from tests.fixtures.binary_factories import random_binary_params

    # 4 terms in -15 .. 15: the sum spans -60 .. 60, 7 bits; 4 rows of 7 bits to 2 rows: 14
    assert signed_tree_full_adders(adder_tree([(-15, 15)] * 4)) == 14
    # 3 terms in -255 .. 255: -765 .. 765, 11 bits; one row of full adders
    assert signed_tree_full_adders(adder_tree([(-255, 255)] * 3)) == 11
    assert signed_tree_full_adders(adder_tree([(-15, 15)] * 2)) == 0      # one adder, no tree
    # in LUT4s: 3 of the 4 rows of 7 bits, 2 of the 3 rows of 11
    assert lut4_dot_rows(adder_tree([(-15, 15)] * 4)) == 21
    assert lut4_dot_rows(adder_tree([(-255, 255)] * 3)) == 22
    assert lut4_dot_rows(adder_tree([(-15, 15)] * 2)) == 0
    rng = np.random.default_rng(7)
    bwn = random_binary_params(rng, "bwn", mh=8, mw=16, pe=2, simd=4, in_bits=4)
    t = tally_of(bwn_mvau_features, bwn, target)
    assert t.features["bwn_csa"] == (2 * 21 if target == "ecp5" else 0)     # (LUT6: bwn_dot)
    assert t.features["csa"] == 0


@pytest.mark.parametrize("target", ["xcup", "ecp5"])
def test_an_mx_block_tree_counts_its_sign_extension_rows_apart(target):
    """The MX MVAU's block of SIMD signed terms ``prod << exp``: one carry-save tree of rows
    sign-extended to the block sum's width (``mx_csa``), then one adder."""
    from hwgen.perf.cost.model import tally_of
    from hwgen.perf.cost.mx_mvau import mx_mvau_features
    from tests.fixtures.mx_factories import make_mx_layer

    # MXFP4 weights (mantissa 0 .. 3: 3 bits signed, offsets 0 .. 2) on uint8 inputs (9 bits
    # signed): a product of 3 + 9 + 1 = 13 bits, a term of 13 + 2 = 15 bits; 8 terms a block
    # (one block a PE): -8 * 2**14 .. 8 * (2**14 - 1) is 18 bits; (8 - 2) x 18 = 108 a PE
    p = make_mx_layer(np.random.default_rng(3), mh=4, mw=32, pe=2, simd=8, weights="mxfp4",
                      inputs="uint8", outputs="int8", block=None)
    assert (p.groups, p.group_lanes) == (1, 8)
    t = tally_of(mx_mvau_features, p, target)
    assert t.features["mx_csa"] == 2 * 108
    assert t.features["csa"] == 0


@pytest.mark.parametrize("target", ["xcup", "ecp5"])
def test_a_narrow_requantizer_lane_gates_its_low_multiplier_bits(target):
    """A narrow lane (18-bit accumulator) adds ``acc << k`` for each of the multiplier's low
    5 bits that is set: per bit an 18-bit term gated by it (``rq_low_and``, x or 0), a
    feature apart from the ternary MVAU's ``term_and`` (the fit weighs that one on ternary
    sweep points only); with a constant multiplier there is no gate."""
    from hwgen.perf.cost.components import requant_multiply
    from hwgen.perf.cost.tally import Tally

    t = Tally(COST_TARGETS[target])
    requant_multiply(t, acc_bits=24, values=[123456789, 987654321], varying=True,
                     narrow_bits=18)
    assert t.features["rq_low_and"] == 5 * 18
    assert t.features["term_and"] == 0
    t = Tally(COST_TARGETS[target])
    requant_multiply(t, acc_bits=24, values=[123456789], varying=False, narrow_bits=18)
    assert t.features["rq_low_and"] == 0


def test_the_narrow_lanes_gates_have_a_measured_coefficient_on_every_target():
    """No sweep point has a narrow lane, so ``rq_low_and`` is measured by hand (``FIXED``),
    never left for the fit to drop: a narrow lane keeps its LUTs whatever the ternary
    points make of ``term_and``."""
    from hwgen.perf.cost.coefficients import COEFFICIENTS, FIXED

    for target in ("xcup", "ecp5"):
        assert FIXED[target]["lut"]["rq_low_and"] > 0
        assert COEFFICIENTS[target]["lut"]["rq_low_and"] == FIXED[target]["lut"]["rq_low_and"]


@pytest.mark.parametrize(("bits", "lut_inputs", "weight"),
                         [(2, 4, 3), (4, 4, 5), (8, 4, 5), (4, 6, 5), (8, 6, 7), (1, 6, 2)])
def test_a_gated_term_weighs_its_select_and_its_bits_up_to_a_lut(bits, lut_inputs, weight):
    from hwgen.perf.cost.binary_mvau import gated_term_weight

    assert gated_term_weight(bits, lut_inputs) == weight


@pytest.mark.parametrize(("target", "in_bits", "per_term"),
                         [("ecp5", 4, 5), ("ecp5", 8, 5), ("xcup", 4, 5), ("xcup", 8, 7)])
def test_ternary_gated_terms_are_counted_per_term(target, in_bits, per_term):
    """Sweep point t04's shape (PE 2, SIMD 16, unsigned inputs): two trees per PE of 16
    gated terms, 64 terms, each its select and its bits up to the LUT's inputs (4 on
    ECP5, 6 on xcup); bipolar inputs (popcounts) have none."""
    from hwgen.perf.cost.binary_mvau import ternary_mvau_features
    from hwgen.perf.cost.model import tally_of
    from tests.fixtures.binary_factories import random_binary_params

    p = random_binary_params(np.random.default_rng(4), "ternary", mh=64, mw=64, pe=2,
                             simd=16, activation="requant", in_bits=in_bits,
                             bipolar_input=False)
    t = tally_of(ternary_mvau_features, p, target)
    assert t.features["tern_term"] == 64 * per_term
    assert t.features["term_and"] == 64 * in_bits
    bipolar = random_binary_params(np.random.default_rng(4), "ternary", mh=64, mw=64, pe=2,
                                   simd=16, activation="requant", bipolar_input=True)
    assert tally_of(ternary_mvau_features, bipolar, target).features["tern_term"] == 0


# -- requantizer registers --------------------------------------------------------------------

def test_a_registered_table_read_keeps_its_distinct_varying_columns():
    """Two folds, three lanes of 4-bit constants: lane 0 never changes (3, 3: no flip-flop),
    lane 1 goes 5 -> 6 (bit 0: 1 -> 0, bit 1: 0 -> 1; bits 2, 3 constant), lane 2 goes
    1 -> 0, the same column as lane 1's bit 0: two flip-flops in all."""
    from hwgen.perf.cost.components import registered_table_bits

    assert registered_table_bits([[3, 5, 1], [3, 6, 0]], 4) == 2
    assert registered_table_bits([[3, 5, 1]], 4) == 0            # one fold: constants
    # 31-bit multipliers over 64 folds of random values: every bit a column of its own
    rng = np.random.default_rng(1)
    assert registered_table_bits(rng.integers(0, 1 << 31, size=(64, 1)), 31) == 31


# -- the shared requantizer's tables behind their address select ------------------------------

def test_a_table_read_at_a_selected_address_counts_its_columns_at_the_selected_cost():
    """Four words of 3-bit constants 1, 2, 3, 4: bit 0 (1, 0, 1, 0) is address bit 0's
    complement (no LUT), bit 1 (0, 1, 1, 0) and bit 2 (0, 0, 0, 1) are distinct functions:
    two columns at a selected table's LUTs a column of four words, as ``rq_table`` in place
    of ``rom``; a table read at a register is ``rom``."""
    from hwgen.perf.cost.components import fold_table
    from hwgen.perf.cost.tally import Tally, rom_luts_of_depth

    for target in ("xcup", "ecp5"):
        t = Tally(COST_TARGETS[target])
        fold_table(t, "table", [[1], [2], [3], [4]], bits=3, selected_address=True)
        assert t.features["rq_table"] == pytest.approx(
            2 * rom_luts_of_depth(target, 4, counter=False, selected=True))
        assert t.features["rom"] == 0
        plain = Tally(COST_TARGETS[target])
        fold_table(plain, "table", [[1], [2], [3], [4]], bits=3)
        assert plain.features["rq_table"] == 0
        assert plain.features["rom"] == pytest.approx(
            2 * rom_luts_of_depth(target, 4, counter=False))
        constant = Tally(COST_TARGETS[target])
        fold_table(constant, "table", [[5], [5], [5], [5]], bits=3, selected_address=True)
        assert constant.features["rq_table"] == 0


@pytest.mark.parametrize("target", ["xcup", "ecp5"])
def test_only_the_shared_requantizer_reads_its_tables_at_a_select(target):
    """Two lanes, two folds, per-channel multipliers and one shift. Shared by one unit, the
    multiplier table has 2 folds x 2 rounds = 4 words, 6AAAAAAA, 55555555, 4F0F0F0F,
    73333333 (bit 30 set in all): its bit columns, read down the words, are 0111, 1011,
    0110, 1010, 0101, 1001 (four bits each), 0100, 1000 (three each) and 1111 (bit 30,
    constant): eight varying patterns, of which 0101 and
    1010 are address bit 0 and its complement: 6 columns of 4 words. A requantizer of two
    lanes reads its two-word tables at the fold (no select, no ``rq_table``)."""
    from hwgen.perf.cost.components import requantizer, shared_requantizer
    from hwgen.perf.cost.tally import Tally, rom_luts_of_depth

    multiplier = np.array([[0x6AAAAAAA, 0x55555555], [0x4F0F0F0F, 0x73333333]])
    shift = np.full((2, 2), -9)
    args = dict(acc_bits=20, out_bits=8, multiplier=multiplier, shift=shift,
                rounding="gemmlowp", pipelined=True)
    shared = Tally(COST_TARGETS[target])
    shared_requantizer(shared, units=1, **args)
    assert shared.features["rq_table"] == pytest.approx(
        6 * rom_luts_of_depth(target, 4, counter=False, selected=True))
    alone = Tally(COST_TARGETS[target])
    requantizer(alone, lanes=2, **args)
    assert alone.features["rq_table"] == 0


# -- the MX MVAU's exponent shifts --------------------------------------------------------------

def test_a_left_shifter_costs_the_bits_each_stage_can_set():
    """A 4-bit value shifted left by 0 .. 5: three stages (by 1, 2, 4) holding 4 + 1 = 5,
    4 + 3 = 7 and 4 + 7 = 11 -> at most 4 + 5 = 9 bits: 21 (not 9 bits x 3 stages = 27);
    by 0 .. 1 one stage of 5 bits; by 0 .. 30 five stages of 5, 7, 11, 19 and 34 bits."""
    from hwgen.perf.cost.mx_mvau import log_shifter_bits

    assert log_shifter_bits(4, 5) == 5 + 7 + 9
    assert log_shifter_bits(4, 1) == 5
    assert log_shifter_bits(4, 30) == 5 + 7 + 11 + 19 + 34


# -- a packed pair's high PE --------------------------------------------------------------------

@pytest.mark.parametrize("target", ["xcup", "ecp5"])
def test_a_packed_pairs_borrows_are_one_bit_rows_counted_apart(target):
    """Two inputs: the high PE sums two signed fields in [-9, 7] and two borrows in [0, 1]
    (four terms, one piece of two levels): the sum is in [-18, 16], 6 bits. As signed rows
    the fields are 2 x 6 bits and the borrows 1 bit each: 14 - 2 x 6 = 2 carry-save bits
    (``csa_dsp``); counted as four 6-bit rows they would be 24, the 10 beyond in
    ``csa_borrow``."""
    from hwgen.perf.cost.int_mvau import high_pe_trees
    from hwgen.perf.cost.tally import Tally

    t = Tally(COST_TARGETS[target])
    high_pe_trees(t, [(-9, 7), (0, 1)] * 2, count=3)
    assert t.features["csa_dsp"] == 2 * 3
    assert t.features["csa_borrow"] == 10 * 3


def test_a_registered_term_select_costs_one_mux_per_bit_over_the_bits_it_can_pick():
    """A 4-bit product shifted by a 2-bit exponent register (max 2, but the register can hold
    3): term bit j picks product bit j - e for e in 0 .. 3, the sign bit (3) above the
    product: bits 0 .. 5 pick {0}, {0, 1}, {0, 1, 2}, {0 .. 3}, {1, 2, 3}, {2, 3}. With the
    two select bits each fits a LUT6 (6 LUTs); in LUT4s the bits of 3 and 4 data inputs take
    two 2-way muxes each (1 + 1 + 2 + 2 + 2 + 1 = 9). Shifted by 0 .. 1 every bit has at most
    two data and one select (5 bits, 5 LUTs); not shifted, the term is a wire."""
    from hwgen.perf.cost.mx_mvau import term_select_luts

    assert term_select_luts(4, 2, 6) == 6
    assert term_select_luts(4, 2, 4) == 9
    assert term_select_luts(4, 1, 6) == term_select_luts(4, 1, 4) == 5
    assert term_select_luts(4, 0, 6) == 0


@pytest.mark.parametrize("target", ["xcup", "ecp5"])
def test_an_mx_mvau_of_one_lane_per_block_counts_its_terms_registered(target):
    """MXFP4 weights (3-bit mantissas, exponent offsets 0 .. 2) on uint8 inputs (9 bits): a
    13-bit product, 15-bit terms. With SIMD 1 each PE's term goes straight into the dot
    register: per lane bits 0, 1, 13, 14 pick 1, 2, 3, 2 product bits, bits 2 .. 12 three or
    four: one LUT6 each (15 a lane, 60 for PE 4), in LUT4s 1 + 1 + 2 x 11 + 2 + 1 = 27 a lane
    (108). All weight blocks share one exponent (no spread): no alignment shift, no
    ``mx_align``. With SIMD 8 the terms feed an adder tree and stay in ``mx_term_log``."""
    from hwgen.perf.cost.model import tally_of
    from hwgen.perf.cost.mx_mvau import mx_mvau_features
    from tests.fixtures.mx_factories import make_mx_layer

    one = make_mx_layer(np.random.default_rng(3), mh=8, mw=32, pe=4, simd=1, w_exp=(124, 124))
    assert one.weight_span == one.input_span == 0
    t = tally_of(mx_mvau_features, one, target)
    assert t.features["mx_term_reg"] == {"xcup": 60, "ecp5": 108}[target]
    assert t.features["mx_term_log"] == 0
    assert t.features["mx_align"] == 0
    eight = make_mx_layer(np.random.default_rng(3), mh=8, mw=32, pe=4, simd=8)
    t = tally_of(mx_mvau_features, eight, target)
    assert t.features["mx_term_reg"] == 0
    assert t.features["mx_term_log"] > 0


# -- an accumulator whose dot products hold their low bits at 0 (a binary MVAU's acc_shift) -

def test_shifted_accumulator_low_bits_keep_one_flip_flop_per_distinct_column():
    """Two folds, two lanes, 3 low bits. Lane 0 (6, 4): bit 0 (0, 0) is dropped, bit 1
    (1, 0), bit 2 (1, 1); lane 1 (1, 3): bit 0 (1, 1) merges with lane 0's bit 2, bit 1
    (0, 1), bit 2 (0, 0) dropped: three flip-flops."""
    from hwgen.perf.cost.components import shifted_acc_low_bits

    assert shifted_acc_low_bits([[6, 1], [4, 3]], 3) == 3
    assert shifted_acc_low_bits([[8, 16], [-32, 64]], 3) == 0    # multiples of 8: all 0
    assert shifted_acc_low_bits([[-1, -1]], 4) == 1              # one fold, every bit 1


def test_dot_products_low_zeros_have_no_register_adder_or_select():
    """PE 2, dots of 5 bits, accumulators of 10 of which the low 3 only hold the bias's
    (the bias of the test above: 3 flip-flops): 2 x 3 dot flip-flops and 2 x 3 accumulator
    flip-flops less, 3 more; the select in front of the adder spans 2 x 7 bits, not 2 x 10."""
    from hwgen.perf.cost.components import mvau_core
    from hwgen.perf.cost.memory import rom_from_fields
    from hwgen.perf.cost.tally import Tally

    def core(target, zeros):
        t = Tally(COST_TARGETS[target])
        mvau_core(t, nf=2, sf=4, pe=2, in_bits=4,
                  weights=rom_from_fields(np.arange(16).reshape(8, 2) % 2, 1, sync_read=False),
                  dot_bits=5, acc_bits=10, bias=[[6, 1], [4, 3]], out_bits=2, depth=2,
                  registered_operands=True, dot_zeros=zeros)
        return t

    for target in ("xcup", "ecp5"):
        plain, shifted = core(target, 0), core(target, 3)
        assert plain.features["reg"] - shifted.features["reg"] == 2 * 3 + 2 * 3 - 3
        # (on xcup two folds' preload select is the adder's own LUT6: none at all)
        selects = (0, 0) if target == "xcup" else (2 * 10, 2 * 7)
        assert (plain.features["acc_mux"], shifted.features["acc_mux"]) == selects
        assert plain.features["add"] + plain.features["add_lut"] > \
            shifted.features["add"] + shifted.features["add_lut"]


def test_xnor_dot_products_are_shifted_past_acc_shift_and_the_doubling():
    """The XNOR MVAU accumulates ``2 * popcount << acc_shift`` (acc_shift + 1 zero bits), the
    binary-weight and ternary ones ``dot << acc_shift``; in the popcount domain nothing."""
    from types import SimpleNamespace

    from hwgen.perf.cost.binary_mvau import dot_zeros

    requant = SimpleNamespace(popcount_domain=False, acc_shift=16)
    assert dot_zeros(requant, xnor=True) == 17
    assert dot_zeros(requant) == 16
    assert dot_zeros(SimpleNamespace(popcount_domain=True, acc_shift=0), xnor=True) == 0


def test_round_half_to_even_at_a_constant_shift_spans_the_bits_above_it():
    """A 24-bit accumulator times a 32-bit (signed) multiplier: 56-bit products. Round half to
    even adds, beside the rounding every single rule has (56 bits), the bits its tie to even
    spans: at a constant shift of 31 + 14 = 45, the 11 above it; at a shift that changes with
    the fold, the bits above the smallest (its rounding half keeps only the bits some fold
    sets, so the remainder's mask is all ones below that)."""
    from hwgen.perf.cost.components import requantizer
    from hwgen.perf.cost.tally import Tally

    def rq_s_bits(shift):
        t = Tally(XCUP)
        requantizer(t, acc_bits=24, out_bits=8, multiplier=[[1 << 30], [1 << 30]],
                    shift=shift, rounding="single_even", lanes=1)
        return t.features["rq_s_bits"]

    assert rq_s_bits([[-14], [-14]]) == 56 + 11
    assert rq_s_bits([[-14], [-15]]) == 56 + 11
    assert rq_s_bits([[-14], [-4]]) == 56 + (56 - 35)


# -- requantizer lanes at an odd zero point ---------------------------------------------------

@pytest.mark.parametrize(("rounding", "zero_point", "out_min", "lanes"), [
    ("single", 5, 5, 3),          # a fused ReLU at an odd positive zero point: counted
    ("single", 7, 0, 3),          # the clamp at 0: counted
    ("single", 4, 4, 0),          # even
    ("single", -5, -5, 0),        # negative
    ("single", 5, -128, 0),       # the clamp below 0
    ("gemmlowp", 5, 5, 0),        # gemmlowp lanes have no such step
])
def test_single_rounding_lanes_at_an_odd_positive_zero_point(rounding, zero_point, out_min,
                                                             lanes):
    from hwgen.perf.cost.components import odd_zero_clamp
    from hwgen.perf.cost.tally import Tally

    t = Tally(COST_TARGETS["ecp5"])
    odd_zero_clamp(t, lanes=3, rounding=rounding, zero_point=zero_point, out_min=out_min)
    assert t.features["rq_zp_odd"] == lanes


@pytest.mark.parametrize(("zero_point", "lanes", "counted"), [(5, 1, 1), (5, 4, 4), (-5, 4, 0)])
def test_the_element_wise_add_counts_its_odd_zero_point_lanes(zero_point, lanes, counted):
    """An add whose output zero point is 5 with the ReLU's clamp at it (sweep point a03's
    shape: one lane) has a lane of each; at -5 (a01's) none."""
    from hwgen.ir import IntType, RequantRounding, TensorQuant
    from hwgen.ir.blocks.eltwise_add import AddParams, add_constants
    from hwgen.perf.cost.arith_blocks import eltwise_add_features
    from hwgen.perf.cost.model import tally_of

    a = TensorQuant(IntType(8, True), 0.03, 2)
    b = TensorQuant(IntType(8, True), 0.02, -1)
    out = TensorQuant(IntType(8, True), 0.08, zero_point)
    a_factor, b_factor, multiplier, shift = add_constants(a, b, out)
    p = AddParams(name="add", shape=(4, 4, 4), lanes=lanes, a_type=a.dtype, b_type=b.dtype,
                  output_type=out.dtype, a_zero_point=a.zero_point, b_zero_point=b.zero_point,
                  a_factor=a_factor, b_factor=b_factor, multiplier=multiplier, shift=shift,
                  rounding=RequantRounding.SINGLE, out_zero_point=zero_point,
                  out_min=zero_point, out_max=out.dtype.qmax)
    assert tally_of(eltwise_add_features, p, "ecp5").features["rq_zp_odd"] == counted


@pytest.mark.parametrize(("depth", "luts"), [(16, 1.0), (32, 1.8), (24, 1.4), (128, 10.6),
                                             (512, 44.2), (2, 0.0)])
def test_a_ternary_weight_column_costs_by_its_depth_inside_the_block(depth, luts):
    """``BIN_ROM_LUTS``'s xcup entries at a power of two, half-way between 16 and 32 words,
    doubled past 256 words, nothing for one address bit."""
    from hwgen.perf.cost.binary_mvau import bin_rom_luts

    assert bin_rom_luts("xcup", depth) == pytest.approx(luts)


def test_ternary_weight_columns_and_input_select_on_lut6():
    """Sweep point t03's shape (16 x 32, PE 1, SIMD 16, 4-bit inputs): NF 16 x SF 2 = 32
    words of 16 mask and 16 sign bits, each column its own (random weights), so on xcup 32
    columns of 1.8 LUT6 as ``bin_rom`` and none as ``rom``; the 2:1 select in front of the
    datapath, 16 x 4 bits, is ``bin_in_mux``, not ``in_mux``. ECP5 keeps ``rom`` and
    ``in_mux``; a binary-weight MVAU's weight columns of 32 words stay ``rom`` on xcup, its select
    (4 x 4 bits) is ``bin_in_mux`` there too."""
    from hwgen.perf.cost.binary_mvau import bwn_mvau_features, ternary_mvau_features
    from hwgen.perf.cost.model import tally_of
    from tests.fixtures.binary_factories import random_binary_params

    p = random_binary_params(np.random.default_rng(3), "ternary", mh=16, mw=32, pe=1,
                             simd=16, activation="threshold", in_bits=4, out_bits=2,
                             bipolar_input=False)
    assert (p.nf, p.sf) == (16, 2)
    xcup = tally_of(ternary_mvau_features, p, "xcup").features
    ecp5 = tally_of(ternary_mvau_features, p, "ecp5").features
    assert xcup["bin_rom"] == pytest.approx(32 * 1.8)
    assert xcup["bin_in_mux"] == 64 and xcup["in_mux"] == 0
    assert ecp5["bin_rom"] == 0 and ecp5["bin_in_mux"] == 0 and ecp5["in_mux"] == 64
    # the per-fold tables are still ``rom``: the weight columns left it on xcup only
    assert xcup["rom"] < ecp5["rom"]
    b = random_binary_params(np.random.default_rng(3), "bwn", mh=16, mw=32, pe=4, simd=4,
                             activation="threshold", in_bits=4)
    bwn = tally_of(bwn_mvau_features, b, "xcup").features
    assert bwn["bin_rom"] == 0 and bwn["rom"] > 0
    assert bwn["bin_in_mux"] == 16 and bwn["in_mux"] == 0


@pytest.mark.parametrize(("mh", "words"), [(64, 256), (32, 128), (16, 64)])
def test_a_binary_weight_column_past_64_words_costs_as_a_ternary_one_on_lut6(mh, words):
    """Sweep point bw3's shape (x 64, PE 1, SIMD 16, 2-bit inputs, requantized): NF x SF 4
    words of 16 random columns. Past 64 words (``BWN_ROM_WORDS``) each column is ``bin_rom``
    on xcup and xc7 (``BIN_ROM_LUTS``: 22.1 LUT6 at 256 words, 10.6 at 128) and leaves
    ``rom`` (only the per-fold tables stay there); at 64 words it stays ``rom``; ECP5 and
    iCE40 have no ``bin_rom`` at any depth."""
    from hwgen.perf.cost.binary_mvau import BWN_ROM_WORDS, bin_rom_luts, bwn_mvau_features
    from hwgen.perf.cost.model import tally_of
    from hwgen.perf.cost.tally import rom_luts_of_depth
    from tests.fixtures.binary_factories import random_binary_params

    p = random_binary_params(np.random.default_rng(5), "bwn", mh=mh, mw=64, pe=1, simd=16,
                             activation="requant", in_bits=2, out_bits=8)
    assert p.nf * p.sf == words
    for target in ("xcup", "xc7", "ecp5", "ice40"):
        features = tally_of(bwn_mvau_features, p, target).features
        if words > BWN_ROM_WORDS and target in ("xcup", "xc7"):
            assert features["bin_rom"] == pytest.approx(16 * bin_rom_luts(target, words))
            assert features["rom"] < 16 * rom_luts_of_depth(target, words, counter=True)
        else:
            assert features["bin_rom"] == 0
        if words <= BWN_ROM_WORDS and target in ("xcup", "xc7"):
            assert features["rom"] >= 16 * rom_luts_of_depth(target, words, counter=True)
    assert bin_rom_luts("xc7", 256) == pytest.approx(22.1)


@pytest.mark.parametrize(("values", "units"), [
    ([1, 2, 4, 5, 3], 8 * 3),       # varying: a row for each bit some fold sets (OR 0b111)
    ([1, 2, 1, 2], 8 * 2),          # OR 0b11
    ([4, 4, 4], 0),                 # a constant power of two: a shift
    ([1, 1], 0),                    # a level of 1: no product
    ([5, 5], 8 * 2),                # a constant: its set bits
    ([6, 6], 8 * 2),                # its odd part's (3): the trailing zero is a shift
])
def test_a_ternary_level_product_counts_the_level_bits_some_fold_sets(values, units):
    from hwgen.perf.cost.binary_mvau import level_product_units

    assert level_product_units(8, values) == units


def test_ternary_level_products_are_tern_level_on_ice40_and_products_elsewhere():
    """Sweep point t03's shape with levels (one PE of 16 terms a side, 4-bit inputs: sides of
    8 bits; levels 1-5 varying over 16 folds): on iCE40 the two products are ``tern_level``
    (8 x 3 units each, no ``soft_ab``), their carry cells kept; on ECP5 and xcup
    ``Tally.multiply``'s products as before (DSPs or soft), no ``tern_level``. Every level 1: no
    product anywhere."""
    from dataclasses import replace

    from hwgen.perf.cost.binary_mvau import level_product_units, ternary_mvau_features
    from hwgen.perf.cost.coefficients import COEFFICIENTS
    from hwgen.perf.cost.model import tally_of
    from tests.fixtures.binary_factories import random_binary_params

    p = random_binary_params(np.random.default_rng(3), "ternary", mh=16, mw=32, pe=1,
                             simd=16, activation="threshold", in_bits=4, out_bits=2,
                             bipolar_input=False, levels=True)
    assert {int(v) for v in p.level_pos} | {int(v) for v in p.level_neg} <= set(range(1, 6))
    rows = sum(level_product_units(8, table) for table in (p.level_pos, p.level_neg))
    ice40 = tally_of(ternary_mvau_features, p, "ice40").features
    assert ice40["tern_level"] == rows > 0 and ice40["soft_ab"] == 0
    assert ice40["soft_mul"] > 0                   # the carry cells' count
    for target in ("ecp5", "xcup"):
        other = tally_of(ternary_mvau_features, p, target)
        assert other.features["tern_level"] == 0
        assert other.dsp > 0 or other.features["soft_mul"] > 0
        assert COEFFICIENTS[target]["lut"]["tern_level"] == 0.0
    assert COEFFICIENTS["ice40"]["lut"]["tern_level"] == 1.3
    ones = np.ones_like(p.level_pos)
    flat = tally_of(ternary_mvau_features, replace(p, level_pos=ones, level_neg=ones),
                    "ice40").features
    assert flat["tern_level"] == 0 and flat["soft_mul"] == 0


@pytest.mark.parametrize(("bits", "terms", "units"), [(5, 4, 5 * 2.42), (9, 64, 9 * 62.42),
                                                      (3, 1, 0.0)])
def test_a_binary_weight_dot_product_on_lut6_is_its_bits_times_its_terms_less_an_offset(
        bits, terms, units):
    from hwgen.perf.cost.binary_mvau import bwn_dot_luts

    assert bwn_dot_luts(bits, terms) == pytest.approx(units)


def test_a_binary_weight_dot_product_keeps_its_carry_cells_and_only_bwn_dot_on_lut6():
    """4 terms of 4-bit inputs (5-bit terms) on xcup: the four negations and the final
    adder keep their carry cells as on ECP5; every LUT feature of the dot is ``bwn_dot``."""
    from hwgen.perf.cost.binary_mvau import bwn_dot_features
    from hwgen.perf.cost.tally import Tally

    xcup, ecp5 = Tally(COST_TARGETS["xcup"]), Tally(COST_TARGETS["ecp5"])
    for t in (xcup, ecp5):
        bwn_dot_features(t, x_lo=0, x_hi=15, terms=4)
    assert xcup.features["carry"] > 0
    assert {k for k, v in xcup.features.items() if v} == {"carry", "bwn_dot"}
    assert xcup.features["bwn_dot"] == pytest.approx(5 * 2.42)
    assert ecp5.features["bwn_dot"] == 0 and ecp5.features["term_sel"] == 20


@pytest.mark.parametrize("target", ["xcup", "ecp5"])
def test_an_mx_mvau_counts_a_sign_magnitude_weights_sign_and_its_alignment_by_stage_widths(
        target):
    """MX9 weights (7-bit magnitudes: 8-bit signed mantissas) on uint8 inputs, PE 2 x SIMD 8:
    16 lanes' sign applications of 8 bits (``mx_sign`` 128); MXINT8's ``|q|`` and sign undo
    each other (0). The alignment counts the bits each stage of the block sum's shifter can
    set (``log_shifter_bits(group_bits, span)`` a PE and group), not the aligned width times
    the stages."""
    from hwgen.perf.cost.model import tally_of
    from hwgen.perf.cost.mx_mvau import log_shifter_bits, mx_mvau_features
    from tests.fixtures.mx_factories import make_mx_layer

    mx9 = make_mx_layer(np.random.default_rng(5), mh=8, mw=32, pe=2, simd=8, weights="mx9")
    t = tally_of(mx_mvau_features, mx9, target)
    assert t.features["mx_sign"] == 2 * 8 * 8
    assert mx9.weight_span > 0 and mx9.groups == 1
    group_bits = (8 + 9 + 1) + 1 + 3                     # product, exponent offset, 8 terms
    assert t.features["mx_align"] == 2 * log_shifter_bits(group_bits, mx9.weight_span)
    int8 = make_mx_layer(np.random.default_rng(5), mh=8, mw=32, pe=2, simd=8,
                         weights="mxint8")
    assert tally_of(mx_mvau_features, int8, target).features["mx_sign"] == 0


def test_products_of_known_weights_count_only_the_rows_their_bits_make():
    """A weight bit that is 0 at every step makes no partial-product row; with weights that
    take every value the count is the product of two variables (``soft_partial_products``)."""
    from hwgen.perf.cost.int_mvau import weight_partial_products
    from hwgen.perf.cost.multipliers import soft_partial_products

    # one step, weight 5 (0b0101) times a uint4 code, an 8-bit result: rows at bits 0 and 2,
    # each the code's 4 bits (a zero-extended code adds none above them)
    assert weight_partial_products(np.array([[5]]), 8, x_bits=4, x_signed=False) == 8
    # a signed code is sign-extended: rows of 8 and 6 bits
    assert weight_partial_products(np.array([[5]]), 8, x_bits=4, x_signed=True) == 14
    # weight 0 at every step: no product at all
    assert weight_partial_products(np.array([[0], [0]]), 8, x_bits=4, x_signed=True) == 0
    # every int4 value over the steps: every bit of the sign-extended weight changes
    every = np.arange(-8, 8).reshape(-1, 1)
    assert (weight_partial_products(every, 8, x_bits=4, x_signed=True)
            == soft_partial_products(4, 4, 8, a_signed=True, b_signed=True))
    assert (weight_partial_products(every, 8, x_bits=4, x_signed=False)
            == soft_partial_products(4, 4, 8, a_signed=True, b_signed=False))
    # two columns add up
    assert weight_partial_products(np.array([[5, 0]]), 8, x_bits=4, x_signed=False) == 8


@pytest.mark.parametrize("target", ["xcup", "ecp5"])
def test_an_mx_input_exponent_shifting_the_terms_counts_their_trees_again(target):
    """int8 weights on MXFP8 (E4M3) inputs, PE 2 x SIMD 8, one block a beat: a product of
    9 + 4 + 1 = 14 bits shifted by the input's exponent offset (0 .. 15) into a 29-bit term, 8
    terms a block summed to 32 bits: (8 - 2) x 32 = 192 row bits a PE in ``mx_csa`` and again
    in ``mx_in_tree`` (measured: those trees cost more in the block than apart), two blocks a
    beat likewise. The same shift by a weight's exponent (E4M3 weights on uint8 inputs)
    counts none in ``mx_in_tree``. The select between the latched beat and the buffer is
    ``mx_in_mux``, an MXINT8 term (no exponent) no shifter stage."""
    from hwgen.perf.cost.model import tally_of
    from hwgen.perf.cost.mx_mvau import mx_mvau_features
    from tests.fixtures.mx_factories import make_mx_layer

    rng = np.random.default_rng(7)
    m06 = make_mx_layer(rng, mh=4, mw=32, pe=2, simd=8, weights="int8", inputs="mxfp8_e4m3",
                        block=32)
    assert (m06.groups, m06.group_lanes) == (1, 8)
    t = tally_of(mx_mvau_features, m06, target)
    assert t.features["mx_csa"] == t.features["mx_in_tree"] == 2 * 192
    assert t.features["mx_in_mux"] > 0 and t.features["in_mux"] == 0
    weights = make_mx_layer(rng, mh=4, mw=32, pe=2, simd=8, weights="mxfp8_e4m3")
    t = tally_of(mx_mvau_features, weights, target)
    assert t.features["mx_csa"] == 2 * 192 and t.features["mx_in_tree"] == 0
    two = make_mx_layer(rng, mh=4, mw=32, pe=1, simd=32, weights="mx6", inputs="mxfp8_e4m3",
                        block=16)
    assert two.groups == 2
    t = tally_of(mx_mvau_features, two, target)
    assert t.features["mx_csa"] > 0 and t.features["mx_in_tree"] == t.features["mx_csa"]
    mxint8 = make_mx_layer(rng, mh=4, mw=32, pe=2, simd=8, weights="mxint8")
    assert tally_of(mx_mvau_features, mxint8, target).features["mx_term_log"] == 0


def test_products_by_constant_weights_count_their_distinct_functions_of_the_code():
    """A result bit that is constant or a code bit costs nothing; bits of one function (a
    sign's extension) are one; a product of the same code and weights in two PEs is one."""
    from hwgen.perf.cost.known_weights import known_function_bits

    def bits(steps, pe, simd, signed):
        return known_function_bits(np.array(steps), pe, simd, y_bits=8, x_bits=4,
                                   x_signed=signed)

    # weight 1 times an int4 code: bits 0-3 are the code, 4-7 its sign bit
    assert bits([[1]], 1, 1, True) == 0
    # weight 2 times a uint4 code: the code shifted, the rest 0
    assert bits([[2]], 1, 1, False) == 0
    assert bits([[0]], 1, 1, True) == 0
    # -1 times a uint4 code: bit 0 is x0; bits 1, 2, 3 are x1 ^ x0, x2 ^ (x1 | x0),
    # x3 ^ (x2 | x1 | x0); bits 4-7 are all (x != 0): four functions
    assert bits([[-1]], 1, 1, False) == 4
    # two PEs with -1 on the same code share it; on two codes they do not
    assert bits([[-1, -1]], 2, 1, False) == 4
    assert bits([[-1, -1]], 1, 2, False) == 8
    # a weight that is the same at both steps is a constant: the step's bit is no input
    assert bits([[-1], [-1]], 1, 1, False) == 4
    # -1 at one step and 1 at the other: bit 0 is x0 still, bits 1-3 and the sign depend
    # on the step as well
    assert bits([[-1], [1]], 1, 1, False) == 4


def test_a_tree_over_known_products_compresses_the_bits_its_weights_leave():
    """Each PE's terms at their known width (weight 0: no term), a signed term one bit more,
    less the sum's width."""
    from hwgen.perf.cost.known_weights import known_tree_bits

    def bits(steps, pe, simd, signed):
        return known_tree_bits(np.array(steps), pe, simd, x_bits=4, x_signed=signed)

    # 1 x uint4 twice: two 4-bit terms (0..15) into a 5-bit sum: 8 - 5
    assert bits([[1, 1]], 1, 2, False) == 3
    # a weight 0 between them adds nothing; a single term is no tree
    assert bits([[1, 0, 1]], 1, 3, False) == 3
    assert bits([[1, 0]], 1, 2, False) == 0
    # 1 x int4 twice: two 4-bit signed terms (-8..7) into 5 bits: 8 + 2 - 5
    assert bits([[1, 1]], 1, 2, True) == 5
    # two PEs are two trees; 3 x uint4 is 0..45, 6 bits: (6 + 4) - 6
    assert bits([[1, 1, 3, 1]], 2, 2, False) == 3 + 4


@pytest.mark.parametrize("target", ["xcup", "ice40"])
def test_soft_products_of_one_or_two_steps_are_counted_by_their_known_weights(target):
    """With ``NF x SF <= 2`` soft products are counted as products by known weights and
    their trees; with more steps, as the products of two variables; DSP products never."""
    from hwgen.perf.cost.int_mvau import int_mvau_features
    from hwgen.perf.cost.model import tally_of
    from tests.fixtures.factories import random_mvau_params

    rng = np.random.default_rng(3)
    one = random_mvau_params(rng, mh=4, mw=9, pe=4, simd=9, w_bits=4, in_bits=4,
                             in_signed=True)
    two = random_mvau_params(rng, mh=4, mw=18, pe=4, simd=9, w_bits=4, in_bits=4,
                             in_signed=True)
    many = random_mvau_params(rng, mh=4, mw=36, pe=4, simd=9, w_bits=4, in_bits=4,
                              in_signed=True)
    counted = {name: tally_of(int_mvau_features, p, target).features
               for name, p in (("one", one), ("two", two), ("many", many))}
    assert counted["one"]["known_mul"] > 0 and counted["one"]["known_tree"] > 0
    assert counted["two"]["known_mul2"] > 0 and counted["two"]["known_tree"] > 0
    if target == "xcup":
        # (iCE40 multiplies its requantizers in logic as well: they are soft_mul there)
        assert counted["one"].get("soft_mul", 0) == counted["two"].get("soft_mul", 0) == 0
    assert not any(counted["many"].get(f, 0) for f in ("known_mul", "known_mul2",
                                                       "known_tree"))
    # ECP5 multiplies int4 codes in DSPs: no product is known logic
    ecp5 = tally_of(int_mvau_features, one, "ecp5")
    assert ecp5.dsp > 0 and not ecp5.features.get("known_mul", 0)


@pytest.mark.parametrize("target, folds, folded", [
    ("xcup", 8, True), ("xcup", 9, False), ("xc7", 2, True), ("ecp5", 2, False),
    ("ice40", 2, False)])
def test_a_lut6_adder_takes_the_bias_table_and_preload_select_up_to_eight_folds(
        target, folds, folded):
    """With at most 8 folds an accumulator bit's next sum is one LUT6 of ``first``, the
    fold's 3 bits, its own bit and the dot product's: no bias table, no preload select
    (measured on xcup's g06). LUT4 targets and more folds keep both."""
    from hwgen.perf.cost.components import FOLDED_PRELOAD_FOLDS, mvau_core
    from hwgen.perf.cost.memory import rom_from_fields
    from hwgen.perf.cost.tally import Tally

    assert FOLDED_PRELOAD_FOLDS == 8
    t = Tally(COST_TARGETS[target])
    bias = [[3 * f + lane for lane in range(2)] for f in range(folds)]   # varies by fold
    mvau_core(t, nf=folds, sf=4, pe=2, in_bits=4,
              weights=rom_from_fields(np.arange(8 * folds).reshape(4 * folds, 2) % 2, 1,
                                      sync_read=False),
              dot_bits=5, acc_bits=10, bias=bias, out_bits=2, depth=2)
    assert (t.features["acc_mux"] == 0) == folded
    assert any(name == "bias" for name, *_ in t.memories) == (not folded)


@pytest.mark.parametrize("kind", ["bwn", "ternary"])
def test_a_binary_mvau_counts_its_accumulators_as_measured_on_lut6(kind):
    """Sweep point bw2's shape (16 x 32, PE 4, SIMD 4, 4-bit inputs): on xcup and xc7 each
    accumulator adder bit the dot products reach is ``acc_add``, a LUT6 a bit as measured
    (its netlists: 40 LUT6 for 40 bits on both); ECP5 and iCE40 count none, and an int
    MVAU's accumulators stay ``add`` everywhere."""
    from hwgen.perf.cost.binary_mvau import bwn_mvau_features, dot_zeros, ternary_mvau_features
    from hwgen.perf.cost.coefficients import COEFFICIENTS
    from hwgen.perf.cost.int_mvau import int_mvau_features
    from hwgen.perf.cost.model import tally_of
    from tests.fixtures.binary_factories import random_binary_params
    from tests.fixtures.factories import random_mvau_params

    features = {"bwn": bwn_mvau_features, "ternary": ternary_mvau_features}[kind]
    p = random_binary_params(np.random.default_rng(2), kind, mh=16, mw=32, pe=4, simd=4,
                             in_bits=4)
    bits = p.pe * (p.hw_acc_bits - dot_zeros(p))
    assert bits > 0
    for target in ("xcup", "xc7", "ecp5", "ice40"):
        tally = tally_of(features, p, target).features
        if target in ("xcup", "xc7"):
            assert tally["acc_add"] == bits
            assert COEFFICIENTS[target]["lut"]["acc_add"] == 1.0
        else:
            assert tally.get("acc_add", 0) == 0
    q = random_mvau_params(np.random.default_rng(2), mh=16, mw=32, pe=4, simd=4)
    for target in ("xcup", "xc7"):
        assert tally_of(int_mvau_features, q, target).features.get("acc_add", 0) == 0
