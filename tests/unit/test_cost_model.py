"""The cost model's exact rules: DSP splitting, memory placement, ROM contents, glue, sums.

Expected values are worked out by hand from the rules Yosys documents (``mul2dsp``'s port
limits, ``memory_libmap``'s costs; see hwgen/perf/cost/targets.py), not taken from the code.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hwgen.errors import HwgenError
from hwgen.ir import IntType, RequantRounding
from hwgen.ir.blocks.sliding_window import SlidingWindowParams
from hwgen.perf.cost import COST_TARGETS, Ram, Resources, cost_target, design_cost, memory_style
from hwgen.perf.cost.memory import bram_tiles, lutram_primitives, rom_from_bits
from hwgen.perf.cost.multipliers import multiplier, soft_partial_products
from tests.fixtures.factories import random_mvau_params

XCUP, XC7, ECP5, ICE40 = (COST_TARGETS[n] for n in ("xcup", "xc7", "ecp5", "ice40"))


# -- multipliers ------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b, y, dsp", [
    (8, 9, 16, 1),        # int8 x uint8 (the unsigned operand one bit wider): one DSP48E2
    (18, 32, 50, 2),      # A = 32 > 27: an 18-bit partial (17 + sign) and a 15-bit rest
    (20, 32, 52, 4),      # ... and B = 20 > 18 splits each of them in two
    (32, 32, 63, 4),      # the requantizer's 32 x 32: 2 x 2
    (27, 18, 45, 1),      # exactly one DSP48E2
])
def test_xcup_products_split_as_mul2dsp(a, b, y, dsp):
    assert multiplier(a, b, y, XCUP).dsp == dsp


@pytest.mark.parametrize("a, b, y, xcup, xc7", [
    (25, 18, 43, 1, 1),   # fits a DSP48E1's 25 x 18 and a DSP48E2's 27 x 18
    (26, 18, 44, 1, 2),   # A = 26 > 25: an 18-bit partial (17 + sign) and a 9-bit rest
    (27, 18, 45, 1, 2),   # the packed pair's (W + 19) x (A + 1) at W = 8: 27 x 9 bits
    (27, 9, 36, 1, 2),
    (32, 18, 50, 2, 2),   # A = 32: 17 + 15 bits on xcup, 17 + 15 on xc7 (15 <= 25)
    (44, 18, 62, 2, 3),   # A = 44: 17 + 27 on xcup; 17 + 17 + 10 on xc7
])
def test_xc7_products_split_at_dsp48e1s_25_x_18(a, b, y, xcup, xc7):
    """xc7 is ``synth_xilinx -family xc7``: ``mul2dsp`` with ``DSP_A_MAXWIDTH=25`` (a
    DSP48E1), where xcup has 27; both split wider products into 18-bit partials."""
    assert XC7.dsp.a_max == 25 and XCUP.dsp.a_max == 27
    assert multiplier(a, b, y, XCUP).dsp == xcup
    assert multiplier(a, b, y, XC7).dsp == xc7


def test_an_int8_packed_pair_takes_two_dsp48e1s_on_xc7_and_one_dsp48e2_on_xcup():
    """DSP packing multiplies two PEs' int8 weights by one input as one ``(W + 19) x (A +
    1)`` product (27 x 9 bits): one DSP48E2, but wider than a DSP48E1's A port."""
    from hwgen.perf.cost.int_mvau import int_mvau_features
    from hwgen.perf.cost.model import tally_of

    p = random_mvau_params(np.random.default_rng(5), mh=4, mw=8, pe=2, simd=8, w_bits=8,
                           in_bits=8)
    unpacked = dataclasses.replace(p, dsp_packing="off")
    assert p.dsp_packing == "auto" and p.packed_pairs == 1
    for params, products in ((p, 8), (unpacked, 16)):
        xcup = tally_of(int_mvau_features, params, "xcup").dsp
        xc7 = tally_of(int_mvau_features, params, "xc7").dsp
        # (the requantizer lanes' DSPs are the same on both)
        lanes = xcup - products
        assert xc7 - lanes == (2 * products if params is p else products)


def test_xc7_counts_the_registers_a_dsp48e1_takes_apart():
    """Yosys' ``xilinx_dsp`` packs a DSP48E1's operand and product registers into it (it
    matches no DSP48E2): on xc7 those bits are ``reg_dsp_port``, on xcup plain flip-flops
    (``reg``); the bits are the same."""
    from hwgen.perf.cost.int_mvau import int_mvau_features
    from hwgen.perf.cost.model import tally_of

    assert XC7.dsp_packs_registers and not XCUP.dsp_packs_registers
    p = random_mvau_params(np.random.default_rng(5), mh=4, mw=16, pe=2, simd=8, w_bits=8,
                           in_bits=8)
    p = dataclasses.replace(p, dsp_packing="off")
    xcup = tally_of(int_mvau_features, p, "xcup")
    xc7 = tally_of(int_mvau_features, p, "xc7")
    assert xc7.dsp == xcup.dsp
    # the step's weights and inputs (2 x 8 x 8 + 8 x 8 bits) at least, and the products
    assert xc7.features["reg_dsp_port"] >= 3 * 8 * 8 and not xcup.features["reg_dsp_port"]
    # (the same bits; the pipelined requantizer's product register, ``reg_dsp`` on xcup, a
    # plain register on xc7)
    assert xc7.features["reg"] + xc7.features["reg_dsp_port"] == \
        xcup.features["reg"] + xcup.features["reg_dsp"] - xc7.features["reg_dsp"]


@pytest.mark.parametrize("acc_bits, packed", [(12, True), (24, False)])
def test_xc7_packs_a_requantizer_product_register_within_48_bits(acc_bits, packed):
    """An unpipelined requantizer lane's product register is the DSPs' PREG on xc7 when the
    product fits a DSP48E1's 48-bit P (the average pools p02 / p03: 44 bits); a wider one
    (56 bits) is kept whole, a plain register (the binary MLP's fc3); on xcup it is never
    packed (``reg_dsp``)."""
    from hwgen.perf.cost.components import requantizer
    from hwgen.perf.cost.tally import Tally

    counted = {}
    for name in ("xcup", "xc7"):
        t = Tally(COST_TARGETS[name])
        requantizer(t, acc_bits=acc_bits, out_bits=8, multiplier=np.array([[1280674793]]),
                    shift=np.array([[-2]]), rounding="single", lanes=1)
        counted[name] = t.features
    product = acc_bits + 32
    assert counted["xcup"]["reg_dsp"] == product and not counted["xcup"]["reg_dsp_port"]
    assert not counted["xc7"]["reg_dsp"]
    assert counted["xc7"]["reg_dsp_port"] == (product if packed else 0)
    assert counted["xc7"]["reg"] - counted["xcup"]["reg"] == (0 if packed else product)


@pytest.mark.parametrize("acc_bits, absorbed", [(14, True), (16, True), (17, False)])
def test_xc7_sums_a_lanes_partial_products_in_the_dsp48e1_post_adder(acc_bits, absorbed):
    """A requantizer lane's two partial products (the accumulator times the multiplier's low
    17 and high 14 bits) are summed in the second DSP48E1's post-adder on xc7 when the sum
    (``acc + 32`` bits) fits its 48-bit ALU: no adder bit, no carry cell (sweep points i30,
    g04, g08: a CARRY4 chain of the sum gone); a wider sum stays in the fabric
    (``dsp_sum``). xcup's DSP48E2 takes none (``dsp_add``, as before)."""
    from hwgen.perf.cost.components import requantizer
    from hwgen.perf.cost.tally import Tally

    assert XC7.dsp_post_add_bits == 48 and not XCUP.dsp_post_add_bits
    counted = {}
    for name in ("xcup", "xc7"):
        t = Tally(COST_TARGETS[name])
        requantizer(t, acc_bits=acc_bits, out_bits=8,
                    multiplier=np.array([[1280674793], [1180674793]]),
                    shift=np.array([[-2], [-3]]), rounding="gemmlowp", pipelined=True, lanes=1)
        counted[name] = t.features
    total = acc_bits + 32
    xcup, xc7 = counted["xcup"], counted["xc7"]
    assert xcup["dsp_add"] == total and not xcup["dsp_post_add"] and not xcup["dsp_sum"]
    assert xc7["dsp_add"] == 0
    assert xc7["dsp_post_add"] == (total if absorbed else 0)
    assert xc7["dsp_sum"] == (0 if absorbed else total)
    # the carry cells of the absorbed sum are gone, a fabric sum keeps them
    assert xcup["carry"] - xc7["carry"] == (-(-total // 4) if absorbed else 0)


def test_xc7_sums_pairs_of_mx_dsp_products_in_the_cascade():
    """An MX MVAU whose terms are its DSP products (MXINT8 weights on int8 inputs: no
    exponent shift) has each pair of them summed through a DSP48E1's cascade on xc7 (sweep
    point m04: 16 of its 32 product DSPs take PCIN): the block trees sum half the terms."""
    from hwgen.perf.cost.model import tally_of
    from hwgen.perf.cost.mx_mvau import mx_mvau_features
    from tests.fixtures.mx_factories import make_mx_layer

    layer = make_mx_layer(np.random.default_rng(3), mh=4, mw=32, pe=2, simd=16,
                          weights="mxint8", inputs="uint8", outputs="int8")
    xcup = tally_of(mx_mvau_features, layer, "xcup").features
    xc7 = tally_of(mx_mvau_features, layer, "xc7").features
    assert not xcup["dsp_post_add"] and xc7["dsp_post_add"] > 0
    assert xc7["mx_csa"] < xcup["mx_csa"]


@pytest.mark.parametrize("mw", [32, 64])
def test_xc7_packs_an_mx_requantizer_product_but_the_first_dsps_low_bits(mw):
    """An MX requantizer lane's accumulator (16 / 18 bits here) times its 32-bit multiplier
    is two DSP48E1s, the multiplier cut in slices of 17 and 15 bits summed through the
    cascade: xc7 keeps the first DSP's 17 low product bits in the fabric and the rest in
    the second DSP's PREG (the MXFP4 MLP's netlist, all 7 lanes); xcup keeps all of it
    (``reg_dsp``)."""
    from hwgen.perf.cost.model import tally_of
    from hwgen.perf.cost.mx_mvau import mx_mvau_features
    from tests.fixtures.mx_factories import make_mx_layer

    layer = make_mx_layer(np.random.default_rng(3), mh=4, mw=mw, pe=2, simd=16,
                          weights="mxfp4", inputs="uint8", outputs="int8")
    product = layer.acc_bits + 32
    xcup = tally_of(mx_mvau_features, layer, "xcup").features
    xc7 = tally_of(mx_mvau_features, layer, "xc7").features
    assert layer.acc_bits <= 18
    assert xcup["reg_dsp"] == 2 * product and not xc7["reg_dsp"]
    # the same bits, counted apart
    assert xc7["reg"] + xc7["reg_dsp_port"] == xcup["reg"] + xcup["reg_dsp"]

    from hwgen.perf.cost.components import requant_lane
    from hwgen.perf.cost.tally import Tally
    lane = Tally(XC7)
    requant_lane(lane, product_bits=product, right_values=[20], out_bits=8,
                 rounding="single", product_in_dsp=True, cascade_low_bits=17)
    assert lane.features["reg"] == 17 + 8 and lane.features["reg_dsp_port"] == product - 17


def test_xc7_sums_pairs_of_an_int_mvaus_dsp_products_in_the_cascade():
    """An int MVAU's unpacked DSP products: on xc7 each pair of a tree's first level is summed
    in the second DSP48E1 (sweep point i20, 8 products a PE: 4 DSPs take PCIN), so each
    first-stage piece of four products is one adder of two pair sums, not a carry-save tree;
    xcup counts the trees as before."""
    from hwgen.perf.cost.int_mvau import int_mvau_features
    from hwgen.perf.cost.model import tally_of

    p = random_mvau_params(np.random.default_rng(7), mh=8, mw=8, pe=1, simd=8, w_bits=8,
                           in_bits=8)
    p = dataclasses.replace(p, dsp_packing="off")
    xcup = tally_of(int_mvau_features, p, "xcup").features
    xc7 = tally_of(int_mvau_features, p, "xc7").features
    assert xcup["csa_dsp"] > 0 and xc7["csa_dsp"] == 0
    # four pairs of 16-bit products (int8 x uint8): 17-bit sums
    assert xc7["dsp_post_add"] >= 4 * 17 and not xcup["dsp_post_add"]


@pytest.mark.parametrize("multiplier, serial, rounding, apart", [
    (1280674792, False, "gemmlowp", True),    # a constant, low piece even: in the fabric
    (1280674793, False, "gemmlowp", False),   # a constant, low piece odd: the post-adder
    (1280674792, True, "gemmlowp", True),     # a serial lane: summed a cycle apart
    (1280674792, False, "single", False),     # single rounding: rq_s_bits holds its sum
])
def test_xc7_counts_a_gemmlowp_lanes_fabric_sum_apart(multiplier, serial, rounding, apart):
    """On xc7 a gemmlowp lane's two products summed in the fabric (no DSP48E1 post-adder
    takes them: i20's constant lane, low piece 0x466, 32 LUT6 reaching its product register;
    g09's serial lane 33) are ``dsp_sum``, counted apart from the fitted lane, which is then
    the lane whose sum a post-adder takes (i30's: no LUT there). A single-rounding lane keeps
    its sum in its measured ``rq_s_bits``; xcup and the other targets count ``dsp_add``."""
    from hwgen.perf.cost.components import requantizer
    from hwgen.perf.cost.tally import Tally

    counted = {}
    for name in ("xcup", "xc7"):
        t = Tally(COST_TARGETS[name])
        requantizer(t, acc_bits=14, out_bits=8, multiplier=np.array([[multiplier]] * 2),
                    shift=np.array([[-2]] * 2), rounding=rounding, lanes=1, serial=serial)
        counted[name] = t.features
    total = 14 + 32
    assert counted["xcup"]["dsp_add"] == total and not counted["xcup"]["dsp_sum"]
    assert counted["xc7"]["dsp_sum"] == (total if apart else 0)
    assert counted["xc7"]["dsp_add"] == (0 if apart else total)
    assert not counted["xc7"]["dsp_post_add"]


@pytest.mark.parametrize("simd, adds", [(8, 2), (16, 4), (4, 1), (2, 0)])
def test_xc7_counts_the_sums_of_two_pairs_of_dsp_products_apart(simd, adds):
    """With each pair of an int MVAU's unpacked DSP products summed in the cascade (xc7), the
    first stage's piece of four products adds two pairs' sums, both a DSP48E1's P: measured a
    LUT6 a bit (i20, g06's and g09's second MVAUs: 34 / 36, 26 / 28, 52 / 56), counted as
    ``dsp_pair_add``, not the fitted ``add``; two products are one pair, no such adder."""
    from hwgen.perf.cost.int_mvau import int_mvau_features
    from hwgen.perf.cost.model import tally_of

    p = random_mvau_params(np.random.default_rng(7), mh=4, mw=2 * simd, pe=1, simd=simd,
                           w_bits=8, in_bits=8)
    p = dataclasses.replace(p, dsp_packing="off")
    xcup = tally_of(int_mvau_features, p, "xcup").features
    xc7 = tally_of(int_mvau_features, p, "xc7").features
    # int8 x uint8 products are 16 bits, a pair's sum 17, two pairs' sum 18
    assert xc7["dsp_pair_add"] == 18 * adds and not xcup["dsp_pair_add"]


def test_xc7_maps_a_128_word_bit_to_one_ram128x1d():
    """lutrams_xc5v.txt's dual-port RAM (``cost 8; widthscale``) holds 128 x 1 in one
    RAM128X1D; two RAM64M of the simple dual-port RAM (``cost 8; widthscale 7``) cost libmap
    10.17 with their read mux and write demux, the RAM128X1D 10.0 (Yosys' ``-debug`` log on
    sweep point w04's line buffer). xcup keeps its two RAM64M8."""
    from hwgen.perf.cost.memory import lutram_banks

    ram = Ram(depth=128, width=1, sync_read=True)
    assert memory_style(ram, XC7) == "lutram"
    assert lutram_primitives(ram, XC7) == 1 and lutram_banks(ram, XC7) == 1
    assert lutram_primitives(ram, XCUP) == 2
    # wider, the simple dual-port RAM64Ms win again: 3 bits of 128 words, two RAM64M
    assert lutram_primitives(Ram(depth=128, width=3, sync_read=True), XC7) == 2


def test_a_lutram_primitive_goes_only_when_none_of_its_bits_is_read():
    """Sweep point m07 on xc7: an MX input buffer of 4 words x 96 declared bits (eight lanes
    of a 4-bit code and an 8-bit exponent, the first lane's exponent read) keeps 8 of its 12
    single-port RAM32Ms (8 bits each): the 40 used bits are spread over 8 of them."""
    lane, used = 12, 0
    for k in range(8):
        used |= (0xF if k else 0xFFF) << (k * lane)
    ram = Ram(depth=4, width=40, sync_read=True, shared_address=True)
    assert lutram_primitives(ram, XC7) == 5
    assert lutram_primitives(dataclasses.replace(ram, used_mask=used), XC7) == 8


@pytest.mark.parametrize("multiplier, packed", [(1280674793, True), (1280674792, False),
                                                 (0x390f << 17 | 0x19ac, False)])
def test_xc7_packs_no_product_register_whose_pieces_are_summed_in_luts(multiplier, packed):
    """A 12-bit accumulator times a constant multiplier in two pieces: with the low piece
    even, Yosys splits its zero low bits off the product, the pieces are summed in LUTs
    and xc7 packs no product register (the average pool p05, low piece 0x19ac: 668 FF on
    xc7 and on xcup; 332 with 0x19ad): a plain register on xc7, ``reg_dsp`` on xcup."""
    from hwgen.perf.cost.components import requantizer
    from hwgen.perf.cost.tally import Tally

    counted = {}
    for name in ("xcup", "xc7"):
        t = Tally(COST_TARGETS[name])
        requantizer(t, acc_bits=12, out_bits=8, multiplier=np.array([[multiplier]]),
                    shift=np.array([[-2]]), rounding="single", lanes=1)
        counted[name] = t.features
    product = 12 + 32
    assert counted["xcup"]["reg_dsp"] == product and not counted["xcup"]["reg_dsp_port"]
    assert counted["xc7"]["reg_dsp_port"] == (product if packed else 0)
    assert counted["xc7"]["reg"] - counted["xcup"]["reg"] == (0 if packed else product)


def test_xc7_packs_no_product_register_behind_a_per_fold_left_shift():
    """gemmlowp's per-fold left shift stands between the DSPs and the product register: xc7
    packs none of it (sweep b04, bw3, t04: their lanes' product registers kept on xc7 as on
    xcup), where the same lane without a left shift packs it."""
    from hwgen.perf.cost.components import requantizer
    from hwgen.perf.cost.tally import Tally

    counted = {}
    for shift in ((0, 0), (1, 3)):
        t = Tally(XC7)
        requantizer(t, acc_bits=12, out_bits=8, multiplier=np.array([[1280674793], [1280674793]]),
                    shift=np.array([shift]).T, rounding="gemmlowp", lanes=1)
        counted[shift] = t.features
    high = 12 + 32 - 30
    assert counted[(0, 0)]["reg_dsp_port"] == high
    assert not counted[(1, 3)]["reg_dsp_port"] and not counted[(1, 3)]["reg_dsp"]


def test_xc7_packs_the_single_lanes_and_inputs_beside_packed_pairs():
    """An int MVAU of one packed pair and one single lane in DSPs (sweep i10's shape): on
    xc7 the inputs (read by DSPs only), the single lane's weights and its product registers
    are DSP port registers, the pair's weights and products are not; on xcup all are
    flip-flops, the same bits."""
    from hwgen.perf.cost.int_mvau import int_mvau_features, packed_pairs
    from hwgen.perf.cost.model import tally_of

    p = random_mvau_params(np.random.default_rng(3), mh=24, mw=24, pe=3, simd=6, w_bits=3,
                           in_bits=6)
    assert packed_pairs(p) == 1
    xcup = tally_of(int_mvau_features, p, "xcup")
    xc7 = tally_of(int_mvau_features, p, "xc7")
    assert not xcup.features["reg_dsp_port"]
    # at least the inputs (6 x 6 bits) and the single lane's products (6 x 9 bits)
    assert xc7.features["reg_dsp_port"] >= 6 * 6 + p.product_registers * 6 * 9
    assert xc7.features["reg"] + xc7.features["reg_dsp_port"] == pytest.approx(
        xcup.features["reg"] + xcup.features["reg_dsp"] - xc7.features["reg_dsp"])
    off = tally_of(int_mvau_features, dataclasses.replace(p, dsp_packing="off"), "xc7")
    assert off.features["reg_dsp_port"] > xc7.features["reg_dsp_port"]


@pytest.mark.parametrize("left_shift", [False, True])
def test_xc7_packs_a_binary_mvaus_accumulators_with_its_product_registers(left_shift):
    """A binary-weight MVAU with a requantizer: where its lanes' product registers go into
    the DSP48E1s (no left shift), xc7 packs the accumulators and the registered dot products
    too (sweep bw1 and t01); behind a per-fold left shift nothing (bw3, t04)."""
    from hwgen.perf.cost.arith import width
    from hwgen.perf.cost.binary_mvau import bwn_mvau_features, dot_zeros, step_dot_bounds
    from hwgen.perf.cost.model import tally_of
    from tests.fixtures.binary_factories import random_binary_params

    p = random_binary_params(np.random.default_rng(7), "bwn", mh=8, mw=32, pe=2, simd=8,
                             activation="requant", out_bits=8)
    # a left shift of 1 or 2 by fold (a row's fold is its index // PE), or a right shift
    shift = 1 + np.arange(p.mh) // p.pe % 2 if left_shift else -np.abs(p.shift) - 1
    p = dataclasses.replace(p, multiplier=p.multiplier | 1, shift=shift,
                            rounding=RequantRounding.GEMMLOWP)
    xcup = tally_of(bwn_mvau_features, p, "xcup")
    xc7 = tally_of(bwn_mvau_features, p, "xc7")
    zeros = dot_zeros(p)
    engine = p.pe * (p.hw_acc_bits - zeros) + p.pe * (
        width(*step_dot_bounds(*p.hw_term_bounds, p.simd)) - zeros)
    if left_shift:
        assert not xc7.features["reg_dsp_port"]
        assert xc7.features["reg"] == xcup.features["reg"] + xcup.features["reg_dsp"]
    else:
        assert xc7.features["reg_dsp_port"] == xcup.features["reg_dsp"] + engine
        assert xc7.features["reg"] == xcup.features["reg"] - engine


def test_xc7_packs_the_sums_an_element_wise_add_hands_its_requantizer():
    """The element-wise add's sums are read by its requantizer's DSP multiplies only: xc7
    packs them into the DSP48E1s (sweep a01: its 88 ``i_acc`` flip-flops on xcup, none on
    xc7), and keeps its lanes' 55-bit product registers whole (plain flip-flops); xcup
    counts the sums as flip-flops and the products as ``reg_dsp``."""
    from hwgen.ir import TensorQuant
    from hwgen.ir.blocks.eltwise_add import AddParams, add_constants
    from hwgen.perf.cost.arith_blocks import eltwise_add_features
    from hwgen.perf.cost.model import tally_of

    a = TensorQuant(IntType(8, True), 0.03, 2)
    b = TensorQuant(IntType(8, True), 0.02, -1)
    out = TensorQuant(IntType(8, True), 0.08, -5)
    a_factor, b_factor, multiplier, shift = add_constants(a, b, out)
    p = AddParams(name="add", shape=(4, 4, 4), lanes=4, a_type=a.dtype, b_type=b.dtype,
                  output_type=out.dtype, a_zero_point=a.zero_point, b_zero_point=b.zero_point,
                  a_factor=a_factor, b_factor=b_factor, multiplier=multiplier, shift=shift,
                  rounding=RequantRounding.SINGLE, out_zero_point=-5, out_min=-5,
                  out_max=out.dtype.qmax)
    xcup = tally_of(eltwise_add_features, p, "xcup")
    xc7 = tally_of(eltwise_add_features, p, "xc7")
    assert xc7.dsp == xcup.dsp > 0 and not xcup.features["reg_dsp_port"]
    sums = xc7.features["reg_dsp_port"]
    assert sums > 0 and sums % 4 == 0                     # a sum a lane
    assert not xc7.features["reg_dsp"]
    assert xc7.features["reg"] == xcup.features["reg"] - sums + xcup.features["reg_dsp"]


def test_xc7_keeps_a_pipelined_lanes_product_register():
    """A pipelined requantizer lane's operand and partial products are DSP port registers
    on xc7, its product register (the partial products' sum) is not: a plain register on
    xc7 (i37's netlist: ``MREG`` in every DSP48E1, no ``PREG``), ``reg_dsp`` on xcup."""
    from hwgen.perf.cost.components import requantizer
    from hwgen.perf.cost.tally import Tally

    counted = {}
    for name in ("xcup", "xc7"):
        t = Tally(COST_TARGETS[name])
        requantizer(t, acc_bits=10, out_bits=8, multiplier=np.array([[1280674793]]),
                    shift=np.array([[-2]]), rounding="gemmlowp", lanes=1, pipelined=True)
        counted[name] = t.features
    high = 10 + 32 - 30
    assert counted["xcup"]["reg_dsp"] == high and not counted["xc7"]["reg_dsp"]
    assert counted["xc7"]["reg_dsp_port"] > 0
    assert counted["xc7"]["reg"] + counted["xc7"]["reg_dsp_port"] == \
        counted["xcup"]["reg"] + high


@pytest.mark.parametrize("name", ["xcup", "xc7", "ecp5", "ice40"])
def test_a_per_fold_left_shift_keeps_gemmlowps_high_part_and_rounded_value_whole(name):
    """Where gemmlowp's left-shift table changes with the fold, every lane (one whose column
    is constant too) shifts its sum by a table read Yosys learns is constant only after
    ``wreduce``: the high part's and the rounded value's registers keep their declared 33
    bits each (sweep i37 and i39: ``high_r`` 32-33 and ``rounded_r`` 33 flip-flops a lane
    on xcup and xc7); a table constant over the folds (i38) keeps the high part's bits."""
    from hwgen.perf.cost.components import requantizer
    from hwgen.perf.cost.tally import Tally

    def regs(shift):
        t = Tally(COST_TARGETS[name])
        requantizer(t, acc_bits=10, out_bits=8, multiplier=np.full((2, 2), 1280674793),
                    shift=np.array(shift), rounding="gemmlowp", lanes=2, pipelined=True)
        return t.features["reg"], t

    varying, t = regs([[1, -2], [0, -2]])         # lane 0's left shift 1, then 0
    constant, _ = regs([[1, -2], [1, -2]])
    high = 10 + 32 - 30
    # two lanes, two registers each, and lane 0's shift stage (the one bit its values set)
    assert varying - constant == 2 * 2 * (33 - (high + 1)) + 1
    assert t.features["rq_lshift"] > 0


def test_a_dot_register_keeps_the_accumulators_width():
    """The accumulator reads its own width of a registered dot product; Yosys drops the bits
    above (sweep m01: 21 of its 24-bit step sums kept a lane, the accumulator's 21 bits;
    the MXFP4 MLP's fc3 16 of 17)."""
    from hwgen.perf.cost.components import mvau_core
    from hwgen.perf.cost.memory import rom_from_words
    from hwgen.perf.cost.tally import Tally

    def regs(dot_bits):
        t = Tally(XCUP)
        mvau_core(t, nf=2, sf=4, pe=2, in_bits=8,
                  weights=rom_from_words([1, 2, 3, 4] * 2, 8, sync_read=True),
                  dot_bits=dot_bits, acc_bits=21, bias=np.zeros((2, 2), dtype=object),
                  out_bits=16, depth=2)
        return t.features["reg"]

    assert regs(24) == regs(21) and regs(21) - regs(20) == 2


def test_xcup_keeps_products_under_nine_bits_in_logic():
    # int4 x uint4 (the code one bit wider for the DSP), a result of 8 bits: "4 x 4 and
    # smaller" stay in LUTs
    product = multiplier(4, 4, 8, XCUP, b_signed=False)
    assert product.dsp == 0 and product.soft_bits > 0
    assert multiplier(4, 4, 9, XCUP, b_signed=False).dsp == 1
    assert multiplier(4, 5, 9, XCUP).dsp == 1
    assert multiplier(1, 8, 9, XCUP).dsp == 0           # a 1-bit operand: never a DSP


def test_an_unsigned_operand_counts_as_one_bit_wider_and_signed_for_the_dsps():
    for target in (XCUP, ECP5):
        for a, b, y in ((8, 8, 16), (18, 17, 35), (27, 18, 45), (32, 31, 63), (4, 4, 8)):
            assert (multiplier(a, b, y, target, b_signed=False).dsp
                    == multiplier(a, b + 1, y, target).dsp)
            assert (multiplier(a, b, y, target, a_signed=False).dsp
                    == multiplier(a + 1, b, y, target).dsp)


def _partial_products_by_enumeration(a_bits, b_bits, y_bits, a_signed, b_signed):
    """The AND gates of a shift-and-add multiplier whose operands are extended to the
    result's width, the constant ones left out: bit ``i`` of the extended ``b`` times bit
    ``j`` of the extended ``a`` lands at weight ``i + j``."""
    def varies(bits, signed, k):
        return k < bits or signed          # above the operand: its sign bit, or a zero
    return sum(1 for i in range(y_bits) for j in range(y_bits)
               if i + j < y_bits and varies(a_bits, a_signed, j)
               and varies(b_bits, b_signed, i))


@pytest.mark.parametrize("a, b, y, a_signed, b_signed", [
    (4, 4, 8, True, True), (4, 4, 8, True, False), (4, 3, 7, True, True), (3, 4, 7, True, False),
    (2, 2, 4, True, True), (8, 8, 16, False, False), (8, 8, 16, True, False), (5, 3, 6, True, True),
])
def test_soft_partial_products_extend_each_operand_to_the_result(a, b, y, a_signed, b_signed):
    expected = _partial_products_by_enumeration(a, b, y, a_signed, b_signed)
    assert soft_partial_products(a, b, y, a_signed=a_signed, b_signed=b_signed) == expected
    assert (multiplier(a, b, y, ICE40, a_signed=a_signed, b_signed=b_signed).soft_bits
            == expected)


def test_a_signed_input_code_costs_more_partial_products_than_an_unsigned_one():
    # int4 x int4 against int4 x uint4, both an 8-bit result: the signed code's sign bit
    # repeats up to the result's width, the unsigned code's zeros fall away
    assert multiplier(4, 4, 8, XCUP, b_signed=True).soft_bits == 36
    assert multiplier(4, 4, 8, XCUP, b_signed=False).soft_bits == 26
    # unsigned by unsigned: a x b when the result holds every weight
    assert soft_partial_products(3, 5, 8, a_signed=False, b_signed=False) == 15


@pytest.mark.parametrize("a, b, dsp, soft", [
    (2, 3, 1, 0), (18, 18, 1, 0), (32, 32, 4, 0), (20, 32, 4, 0), (36, 36, 4, 0),
    (19, 18, 1, 18),      # 18-bit slices: the 1-bit rest is below the 2-bit minimum: logic
    (37, 8, 2, 8),
])
def test_ecp5_takes_every_product_from_two_bits_in_18x18_slices(a, b, dsp, soft):
    product = multiplier(a, b, a + b, ECP5)
    assert (product.dsp, product.soft_bits) == (dsp, soft)
    assert multiplier(1, b, b, ECP5).dsp == 0


def test_ice40_multiplies_in_logic():
    product = multiplier(8, 8, 16, ICE40, b_signed=False)
    assert product.dsp == 0
    assert product.soft_bits == soft_partial_products(8, 8, 16, a_signed=True, b_signed=False)


# -- memories -------------------------------------------------------------------------------

def _random_rom(depth, width, seed=0, sync_read=True):
    bits = np.random.default_rng(seed).integers(0, 2, size=(depth, width))
    return rom_from_bits(bits, sync_read=sync_read)


def test_rom_contents_constant_duplicate_and_address_columns():
    address = np.arange(4)
    columns = [np.zeros(4), address & 1, 1 - (address & 1), (address ^ (address >> 1)) & 1,
               (address ^ (address >> 1)) & 1, np.ones(4)]
    rom = rom_from_bits(np.stack(columns, axis=1).astype(np.uint8), sync_read=True)
    assert (rom.depth, rom.width) == (4, 6)
    assert rom.columns == 4          # the all-0 and all-1 columns are constants
    assert rom.distinct == 1         # address bit, its complement and a duplicate are free


def test_weight_rom_placement_follows_libmap_costs():
    # 64 words x 512 bits (the digits MLP's fc1): Xilinx logic costs 64*512/64 = 512, less
    # than 15 RAMB18 (129 each): logic. ECP5 logic costs 64*512/16 = 2048, more than 15
    # PDPW16KD (36 bits x 512 words, 128 each): block RAM.
    fc1 = _random_rom(64, 512)
    assert memory_style(fc1, XCUP) == "logic"
    assert memory_style(fc1, ECP5) == "bram" and bram_tiles(fc1, ECP5) == 15
    # 1024 words x 32 bits: logic 512 on Xilinx; one RAMB36 (1024 x 36, cost 257) is cheaper
    deep = _random_rom(1024, 32)
    assert memory_style(deep, XCUP) == "bram" and bram_tiles(deep, XCUP) == 1
    # a table read without a clock cannot be a block RAM, however deep
    assert memory_style(_random_rom(1024, 32, sync_read=False), XCUP) == "logic"


def test_rams_go_to_lut_ram_unless_block_ram_is_cheaper():
    fifo = Ram(depth=7, width=8, sync_read=False)
    assert memory_style(fifo, XCUP) == "lutram" and lutram_primitives(fifo, XCUP) == 1
    assert memory_style(fifo, ECP5) == "lutram" and lutram_primitives(fifo, ECP5) == 2
    line_buffer = Ram(depth=4 * 28 * 8, width=8, sync_read=True)   # 896 words
    assert memory_style(line_buffer, ECP5) == "bram"
    assert memory_style(line_buffer, XCUP) == "bram"
    buffer = Ram(depth=2, width=64, sync_read=True, shared_address=True)
    assert memory_style(buffer, XCUP) == "lutram" and lutram_primitives(buffer, XCUP) == 4
    # a 128-word single-port buffer (the digits CNN's fc input buffer, 128 x 16 bits): the
    # 128 x 4 option costs 16 x 16 / 4 = 64, RAM64M8 two deep 16 x 2 x 16 / 8 + 8 = 72;
    # Yosys builds the 128 x 4 option from four RAM128X1S: 16 cells
    deep_buffer = Ram(depth=128, width=16, sync_read=True, shared_address=True)
    assert memory_style(deep_buffer, XCUP) == "lutram"
    assert lutram_primitives(deep_buffer, XCUP) == 16
    # ECP5 (measured: sweep point c02's line buffer): 36 x 64 bits is 16 DPR16X4 wide and 3
    # deep, 48 primitives of cost 4 = 192, below two DP16KD (256): LUT RAM
    line_buffer = Ram(depth=36, width=64, sync_read=True)
    assert memory_style(line_buffer, ECP5) == "lutram"
    assert lutram_primitives(line_buffer, ECP5) == 48


# -- resources and targets ------------------------------------------------------------------

def test_resources_add_and_round():
    a = Resources("ecp5", lut=10.4, ff=3, bram=0.5)
    b = Resources("ecp5", lut=1.2, dsp=2, bram=0.5)
    total = (a + b).rounded()
    assert total.as_dict() == {"lut": 12, "ff": 3, "carry": 0, "dsp": 2, "bram": 1,
                               "lutram": 0}
    with pytest.raises(ValueError, match="'ecp5' and 'xcup'"):
        a + Resources("xcup")


def test_unknown_target_names_the_known_ones():
    with pytest.raises(HwgenError, match="unknown cost-model target 'virtex'.*xcup"):
        cost_target("virtex")


# -- designs ---------------------------------------------------------------------------------

def test_design_cost_sums_blocks_and_glue_named_as_the_accelerator():
    rng = np.random.default_rng(0)
    fc1 = random_mvau_params(rng, mh=8, mw=16, pe=1, simd=8, name="fc1")
    fc2 = random_mvau_params(rng, mh=4, mw=8, pe=2, simd=4, in_signed=True, name="fc2",
                             in_fifo_depth=2)
    cost = design_cost([fc1, fc2], None, "xcup")
    # fc1 emits 1 lane, fc2 reads 4: a width converter, then fc2's input FIFO
    assert set(cost.glue) == {"dwc_1_0", "in_fifo_1_0", "top"}
    assert cost.glue["top"].lut == 4                  # two stream taps per block
    parts = list(cost.blocks) + list(cost.glue.values())
    for key in ("lut", "ff", "dsp", "lutram"):
        assert getattr(cost.total, key) == sum(getattr(p, key) for p in parts)


def test_window_address_products_by_row_lengths_that_are_not_powers_of_two():
    def window(width, channels=4):
        return SlidingWindowParams(name="w", height=8, width=width, channels=channels,
                                   kernel=3, stride=1, pads=(1, 1, 1, 1),
                                   element=IntType(8, True), pad_value=0, lanes=4)
    # one channel group per pixel: the row length is the width; 8 is a shift, 6 a product
    # (6 = 3 << 1: a 3-bit signed constant, which ECP5 still takes into a MULT18X18D) in
    # the two places a row length multiplies: the read and the write address (buffer row x
    # W); the input beat a read needs is compared as a (row, column) pair, no product
    assert design_cost([window(8)], None, "ecp5").blocks[0].dsp == 0
    assert design_cost([window(6)], None, "ecp5").blocks[0].dsp == 2
    # three channel groups (12 channels, 4 lanes): the row is 8 x 3 = 3 << 3 words (two
    # products), and the column times G twice, for the read address (ix x 3 + g) and for
    # the last column the beat needs (x x 3 + g): four MULT18X18D, as synth_ecp5 maps it
    assert design_cost([window(8, channels=12)], None, "ecp5").blocks[0].dsp == 4


def test_a_multi_tap_window_counts_one_buffer_bank_per_column_and_buffer_row():
    from hwgen.perf.cost.model import tally_of
    from hwgen.perf.cost.stream import sliding_window_features

    def banks(lanes):
        window = SlidingWindowParams(name="w", height=6, width=7, channels=2, kernel=3,
                                     stride=1, pads=(1, 1, 1, 1), element=IntType(8, True),
                                     pad_value=0, lanes=lanes)
        tally = tally_of(sliding_window_features, window, "xcup")
        return window.buffer_rows, [m for m in tally.memories if m[0].startswith("buffer")]

    # one tap per beat: one memory of buffer_rows x 7 pixels x 2 channel groups of 1 lane
    rows, memories = banks(1)
    assert [(depth, width) for _, _, depth, width in memories] == [(rows * 7 * 2, 8)]
    # a kernel row per beat (3 taps of 2 channels): 3 column banks, each holding every
    # buffer row's pixels x with x mod 3 == bank: ceil(7 / 3) = 3 words of a 16-bit pixel
    rows, memories = banks(6)
    assert [(depth, width) for _, _, depth, width in memories] == [(rows * 3, 16)] * 3
    # the whole patch per beat: a bank per buffer row and column, 3 words each
    rows, memories = banks(18)
    assert [(depth, width) for _, _, depth, width in memories] == [(3, 16)] * (rows * 3)


# -- the lean datapaths: split requantizer multiply, shared requantizer, DSP packing -----------
#
# Counts worked out from the hardware's rules (tests/synth/expected.py holds the same rule for
# whole designs): a requantizer multiplier with an accumulator of at most 27 bits is two
# products, the accumulator times the multiplier's low 17 and high 14 bits (18 and 15 bits
# signed); an MVAU with SF > 1 has ceil(PE / SF) of them; with packing, a PE pair takes one
# 27 x 9 multiply per input code (one DSP48E2, two 18 x 18 tiles on ECP5), an odd last PE one
# multiply per code of its own.

def _requant_dsps(block, target):
    from hwgen.perf.cost.components import requantizer
    from hwgen.perf.cost.tally import Tally
    t = Tally(target)
    requantizer(t, lanes=block["lanes"], acc_bits=block["acc_bits"], out_bits=8,
                multiplier=block["multiplier"], shift=np.full_like(block["multiplier"], -3),
                rounding="gemmlowp")
    return t.dsp


@pytest.mark.parametrize("acc_bits, xcup, ecp5", [
    (16, 2, 2),           # 16 x 18 and 16 x 15: one DSP48E2 / MULT18X18D each
    (20, 2, 4),           # ECP5: 20 bits on an 18-bit port: each piece in two tiles
    (27, 2, 4),           # the widest accumulator still split
    (30, 4, 4),           # whole 30 x 32: mul2dsp cuts both operands in two
])
def test_requantizer_multiplies_in_two_pieces_up_to_27_accumulator_bits(acc_bits, xcup, ecp5):
    # three lanes, per-channel multipliers that change per fold (two folds)
    block = {"lanes": 3, "acc_bits": acc_bits,
             "multiplier": np.array([[1 << 30, 1 << 29 | 5, 1234567890],
                                     [1 << 30 | 7, 1 << 28 | 3, 2000000001]])}
    assert _requant_dsps(block, XCUP) == 3 * xcup
    assert _requant_dsps(block, ECP5) == 3 * ecp5


def _mvau(pe, simd, mw, **kwargs):
    rng = np.random.default_rng(7)
    return random_mvau_params(rng, mh=2 * pe, mw=mw, pe=pe, simd=simd, **kwargs)


def test_packed_mvau_with_an_odd_pe_and_serial_requantizer_lanes():
    from hwgen.perf.cost.int_mvau import int_mvau_cost
    p = _mvau(pe=3, simd=32, mw=64, w_bits=8, in_bits=8)   # int8 x uint8, SF = 2
    # 64 products of at most 128 x 255 and a bias: 20 to 27 bits
    assert p.sf == 2 and 20 <= p.acc_bits <= 27
    # products: one packed pair (32 multiplies) + the odd PE (32); requantizer: a serial
    # lane per PE (both pieces in the fold's 2 cycles, one multiplier) beats ceil(3 / 2) =
    # 2 lanes of 2 pieces
    assert p.requant_serial and p.requant_units == 3
    assert int_mvau_cost(p, XCUP).dsp == 32 + 32 + 3
    # ECP5: a packed 27 x 9 multiply is two 18 x 18 tiles; the accumulator (20 bits or
    # more, a rest of at least 2 bits beyond 18) takes two tiles per piece
    assert int_mvau_cost(p, ECP5).dsp == 32 * 2 + 32 + 3 * 2


def test_packed_mvau_with_a_shared_requantizer():
    from hwgen.perf.cost.int_mvau import int_mvau_cost
    p = _mvau(pe=4, simd=32, mw=64, w_bits=8, in_bits=8)   # SF = 2
    # serial would need 4 lanes (one accumulator per lane per fold), parallel 2 lanes of
    # 2 pieces: a tie, parallel kept
    assert not p.requant_serial and p.requant_units == 2 and p.acc_bits <= 27
    assert int_mvau_cost(p, XCUP).dsp == 2 * 32 + 2 * 2


def test_unpacked_mvau_when_packing_is_off_and_every_pe_requantizes_at_sf_1():
    from dataclasses import replace

    from hwgen.perf.cost.int_mvau import int_mvau_cost
    p = replace(_mvau(pe=4, simd=4, mw=4, w_bits=8, in_bits=8), dsp_packing="off")
    assert p.sf == 1 and p.acc_bits <= 18
    assert int_mvau_cost(p, XCUP).dsp == 4 * 4 + 4 * 2          # 16 products, 4 requantizers
    packed = replace(p, dsp_packing="auto")
    assert int_mvau_cost(packed, XCUP).dsp == 2 * 4 + 4 * 2      # two pairs


def test_deep_pipeline_adds_flip_flops_only():
    from dataclasses import replace

    from hwgen.perf.cost.int_mvau import int_mvau_cost
    # SF = 1, packing off: 16 multiplies of int8 x int8, four requantizer lanes, accumulators
    # of at most 18 bits (one tile chunk: two 18 x 17 tiles per lane)
    p = replace(_mvau(pe=4, simd=4, mw=4, w_bits=8, in_bits=8, in_signed=True),
                dsp_packing="off")
    assert p.acc_bits <= 18 and p.requant_rounds == 1
    deep = replace(p, pipeline="deep")
    auto_cost, deep_cost = int_mvau_cost(p, ECP5), int_mvau_cost(deep, ECP5)
    # beyond flip-flops, only the input slice: a StreamFifo of two beats of SIMD inputs
    from hwgen.perf.cost.components import stream_fifo
    from hwgen.perf.cost.model import evaluate
    from hwgen.perf.cost.tally import Tally
    slice_tally = Tally(ECP5)
    stream_fifo(slice_tally, "input_slice", width_bits=4 * 8, depth=2)
    lone_slice = evaluate(slice_tally).rounded()
    assert deep_cost.dsp == auto_cost.dsp
    # (LUTs before rounding: the two blocks' rounded counts may differ by the rounding)
    from hwgen.perf.cost.int_mvau import int_mvau_features
    from hwgen.perf.cost.model import tally_of
    deep_lut, auto_lut = (evaluate(tally_of(int_mvau_features, q, ECP5)).lut for q in (deep, p))
    assert deep_lut - auto_lut == pytest.approx(evaluate(slice_tally).lut)
    assert lone_slice.lut > 0
    assert deep_cost.lutram - auto_cost.lutram == lone_slice.lutram > 0
    # at least the second operand registers (16 x (8 + 8) bits) and, per lane, two tiles'
    # operand and product registers beyond the default's two pieces (4 x 2 x (18 + 17))
    assert deep_cost.ff - auto_cost.ff >= 16 * 16 + 4 * 2 * 35


def test_narrow_products_stay_in_luts_and_are_not_packed_on_xcup():
    from hwgen.perf.cost.int_mvau import int_mvau_cost, packed_pairs
    # int2 x uint2: products in [-6, 3], 4 bits: below 9 bits, soft logic on Xilinx
    p = _mvau(pe=2, simd=4, mw=16, w_bits=2, in_bits=2)
    assert packed_pairs(p) == 0
    # SF = 4: one serial requantizer lane (two accumulators, two pieces each, in 4
    # cycles): the only DSP
    assert int_mvau_cost(p, XCUP).dsp == 1
    # ECP5 takes every product of two bits and more: 2 x 4 products, one serial
    # requantizer lane (a narrow accumulator times an 18-bit piece: one tile)
    assert p.acc_bits <= 18
    assert int_mvau_cost(p, ECP5).dsp == 8 + 1


def test_serial_requantizer_lane_is_one_multiplier():
    from hwgen.perf.cost.int_mvau import int_mvau_cost
    p = _mvau(pe=5, simd=1, mw=32, w_bits=8, in_bits=8)    # SF = 32: 5 rounds of 2 cycles
    assert p.requant_serial and p.requant_units == 1 and 19 <= p.acc_bits <= 27
    # products: two packed pairs and the odd PE (one input lane); requantizer: one lane,
    # the accumulator times an 18-bit (17 + sign) piece at a time: one DSP48E2
    assert int_mvau_cost(p, XCUP).dsp == 3 + 1
    # ECP5: packed pairs in two 18 x 18 tiles each; the accumulator (over 18 bits) times
    # the piece in two
    assert int_mvau_cost(p, ECP5).dsp == 2 * 2 + 1 + 2


def test_narrow_requantizer_lane_is_one_dsp48e2():
    from dataclasses import replace

    from hwgen.perf.cost.int_mvau import int_mvau_cost
    from hwgen.quant.multiplier import quantize_multiplier
    p = _mvau(pe=2, simd=32, mw=32, w_bits=8, in_bits=8)     # SF = 1: a lane per PE
    multiplier, shift = quantize_multiplier(2.0 ** -8 * np.array([1.1, 1.3, 1.7, 1.9]))
    p = replace(p, multiplier=multiplier, shift=shift)
    assert 18 < p.acc_bits <= 27 and not p.requant_serial
    q = replace(p, requant_acc_bits=18)
    # products: one packed pair, 32 multiplies; two lanes of two pieces, or of one 18 x 27
    # product (the multiplier's low 5 bits in logic)
    assert int_mvau_cost(p, XCUP).dsp == 32 + 2 * 2
    assert int_mvau_cost(q, XCUP).dsp == 32 + 2 * 1
    assert int_mvau_cost(q, XCUP).lut > int_mvau_cost(p, XCUP).lut


# -- structure the LUT features follow (the carry-chain rule, LUT RAM depth, fold tables) --

def test_adders_narrower_than_the_carry_chain_rule_are_luts():
    from hwgen.perf.cost.tally import Tally
    # Yosys' arith_map leaves a $alu of Y_WIDTH <= 2 (Xilinx) or <= 4 (Lattice) to LUTs
    for target, narrow, wide, cells in ((XCUP, 2, 3, 1), (ECP5, 4, 5, 3)):
        t = Tally(target)
        t.add(narrow, count=3)
        t.cmp(narrow, count=2)
        assert t.features["add_lut"] == 3 * narrow and t.features["cmp_lut"] == 2 * narrow
        assert t.features["carry"] == 0 and t.features["add"] == 0
        t.add(wide)
        assert t.features["add"] == wide and t.features["carry"] == cells
        assert t.features["add_lut"] == 3 * narrow       # unchanged


def test_a_lut_ram_deeper_than_one_primitive_reads_through_a_multiplexer():
    from hwgen.perf.cost.memory import lutram_banks
    from hwgen.perf.cost.tally import Tally
    # ECP5: DPR16X4 primitives of 16 words; 96 words are 6 deep (sweep point d01's buffer)
    line_buffer = Ram(depth=96, width=16, sync_read=True)
    assert memory_style(line_buffer, ECP5) == "lutram" and lutram_banks(line_buffer, ECP5) == 6
    t = Tally(ECP5)
    t.ram("buffer", line_buffer)
    assert t.features["lutram_mux"] == 16 * 5
    fifo = Ram(depth=7, width=8, sync_read=False)
    t = Tally(ECP5)
    t.ram("fifo", fifo)
    assert lutram_banks(fifo, ECP5) == 1 and t.features["lutram_mux"] == 0


def test_a_fold_table_read_into_a_register_may_take_block_ram():
    from hwgen.perf.cost.components import fold_table
    from hwgen.perf.cost.tally import Tally
    rng = np.random.default_rng(5)
    values = rng.integers(1 << 30, 1 << 31, size=(128, 1))   # 128 folds of a 31-bit constant
    # ECP5: 128 x 31 bits in logic cost 128 x 31 / 16 = 248 > one DP16KD (128); only a read
    # that memory_dff can make synchronous (its output registered) may use it
    t = Tally(ECP5)
    assert fold_table(t, "multiplier", values, bits=31, registered_output=True).style == "bram"
    assert t.bram == 1
    t = Tally(ECP5)
    assert fold_table(t, "multiplier", values, bits=31).style == "logic" and t.bram == 0
    assert t.features["rom"] > 0


def test_xnor_engine_has_registered_operands_and_no_input_multiplexer():
    from hwgen.perf.cost.binary_mvau import xnor_mvau_features
    from hwgen.perf.cost.model import tally_of
    from tests.fixtures.binary_factories import random_binary_params
    p = random_binary_params(np.random.default_rng(3), "xnor", mh=32, mw=64, pe=2, simd=8)
    assert p.nf > 1 and p.sf > 1
    t = tally_of(xnor_mvau_features, p, XCUP)
    # every beat through the input buffer, read without a clock: no latched beat, no select
    assert t.features["in_mux"] == 0
    assert ("input_buffer", "lutram", p.sf, 8) in t.memories
    # registers: not the 8-bit latched beat nor an 8-bit buffer read register
    one_step = random_binary_params(np.random.default_rng(3), "xnor", mh=32, mw=8, pe=2,
                                    simd=8)
    assert one_step.sf == 1
    assert tally_of(xnor_mvau_features, one_step, XCUP).features["acc_mux"] == 0


def test_width_converter_registers_only_the_elements_a_load_reaches():
    from hwgen.perf.cost.stream import width_converter_features
    from hwgen.perf.cost.tally import Tally
    # 4 -> 8 lanes hold up to 11 elements; loads start at 0 and 4 (multiples of gcd 4, up
    # to 11 - 4), so elements 8..10 are never written; the count (0, 4 or 8) keeps two bits;
    # every element has one way (its load): no pick register (sweep point g02: 66 flip-flops)
    t = Tally(XCUP)
    width_converter_features(t, element_bits=8, in_lanes=4, out_lanes=8)
    assert t.features["reg"] == 8 * 8 + 2
    # 3 -> 2 lanes: loads at 0 and 1, all four elements written, a count to 4; element 0
    # picks the shift or load 0 (one bit), 1 the shift or either load (two), 2 either load
    # (one), 3 has load 1 alone
    t = Tally(XCUP)
    width_converter_features(t, element_bits=8, in_lanes=3, out_lanes=2)
    assert t.features["reg"] == 4 * 8 + 3 + (1 + 2 + 1)


@pytest.mark.parametrize(("in_lanes", "out_lanes", "target", "pick", "ctl"), [
    # 8 -> 1 (the digits CNN's last converter): elements 0..6 pick the shift or load 0
    # (3 inputs: one LUT a bit), element 7 has load 0 alone; two enables (with and without
    # the shift) and one pick bit, each a function of the 4-bit count and both handshakes
    # (6 inputs: four LUT4 on ECP5, one LUT6)
    (8, 1, "ecp5", 7 * 8, (2 + 1) * 4),
    (8, 1, "xcup", 7 * 8, 2 + 1),
    # 5 -> 3: loads at 0, 1, 2; ways per element 2, 3, 4, 4, 3 (no shift from 7), 2, 1:
    # selects of 3, 5, 6, 6, 5, 3 inputs (LUT4s on ECP5: 1, 2, 4, 4, 2, 1); six distinct
    # enables and 1 + 2 + 2 + 2 + 1 pick bits on a 3-bit count (5 inputs: two LUT4)
    (5, 3, "ecp5", 8 * (1 + 2 + 4 + 4 + 2 + 1), (6 + 8) * 2),
    (5, 3, "xcup", 8 * 6, 6 + 8),
    # 16 -> 1: a 5-bit count, the decode shared: one LUT per enable (two: with and without
    # the shift) and per pick bit (one) on either target
    (16, 1, "ecp5", 15 * 8, 2 + 1),
    (16, 1, "xcup", 15 * 8, 2 + 1),
    # 1 -> 16: sixteen loads, no shift, no pick; a 5-bit count held one-hot too: no decode
    (1, 16, "ecp5", 0, 0),
    # 1 -> 8: eight enables on a 4-bit count
    (1, 8, "ecp5", 0, 8 * 4),
])
def test_width_converter_picks_and_decodes(in_lanes, out_lanes, target, pick, ctl):
    from hwgen.perf.cost.stream import width_converter_features
    from hwgen.perf.cost.tally import Tally
    t = Tally(COST_TARGETS[target])
    width_converter_features(t, element_bits=8, in_lanes=in_lanes, out_lanes=out_lanes)
    assert t.features["dwc_pick"] == pick
    assert t.features["dwc_ctl"] == ctl


@pytest.mark.parametrize(("target", "luts"), [("ecp5", 19), ("xcup", 18)])
def test_width_converter_one_hot_count(target, luts):
    from hwgen.perf.cost.stream import width_converter_features
    from hwgen.perf.cost.tally import Tally
    # 1 -> 16: seventeen flags (levels 0..16); levels 2..15 each from itself (no input) or
    # the one below (an input): a LUT3; level 0 from itself or 16 (an output, no input) and
    # 16 from itself or 15 (two flags, both handshakes: a LUT4); level 1 from 0, 1 and 16
    # (five inputs: two LUT4, one LUT6); element 0's enable is level 0's flag or level
    # 16's with o_ready (one LUT), the other elements' enables are one flag each (none)
    t = Tally(COST_TARGETS[target])
    width_converter_features(t, element_bits=8, in_lanes=1, out_lanes=16)
    assert t.features["dwc_onehot"] == luts
    assert t.features["reg"] == 16 * 8 + 5 + 17


@pytest.mark.parametrize(("in_lanes", "out_lanes", "pick", "ctl", "onehot"), [
    # 8 -> 3 on iCE40 (no wide multiplexers): ways 2, 3, 4 x 5, 3, 2, 1 a select tree of
    # ``ways - 1`` LUT4 (21 an element bit, as measured alone), where ECP5 counts 26
    (8, 3, 8 * (1 + 2 + 3 * 5 + 2 + 1), 6 + 8, 0),
    # 3 -> 8: 26 enables and pick bits on a 4-bit count, decoded once and shared: one LUT4
    # each (four each on ECP5)
    (3, 8, 8 * 16, 18 + 8, 0),
    # 1 -> 16, the count one-hot: the 15 enables that are one flag take the reset (a LUT4
    # each, ``E = flag | rst``; element 0's OR of two flags and o_ready takes it in its LUT4)
    (1, 16, 0, 0, 19 + 15),
])
def test_width_converter_on_ice40(in_lanes, out_lanes, pick, ctl, onehot):
    from hwgen.perf.cost.stream import width_converter_features
    from hwgen.perf.cost.tally import Tally
    t = Tally(ICE40)
    width_converter_features(t, element_bits=8, in_lanes=in_lanes, out_lanes=out_lanes)
    assert t.features["dwc_pick"] == pick
    assert t.features["dwc_ctl"] == ctl
    assert t.features["dwc_onehot"] == onehot


def test_a_fifo_on_ice40_counts_its_pointers_and_word_enables():
    from hwgen.perf.cost.components import stream_fifo
    from hwgen.perf.cost.tally import Tally
    # the binary MLP's input FIFO of fc3, 9 beats of 4 bits in flip-flops: 8 two-way
    # selects a bit, a write enable a word, two 4-bit pointers and a 4-bit level
    t = Tally(ICE40)
    stream_fifo(t, "fifo", width_bits=4, depth=9)
    assert t.features["ram_mux"] == 4 * 8 and t.features["ram_we"] == 9
    assert t.features["fifo_ctl"] == 4 + 4 + 4
    assert t.features["add"] == 0 and t.features["inc_lut"] == 0
    assert t.features["reg"] == 12
    # on ECP5 the pointers and level stay adders (not measured there)
    for target in (COST_TARGETS["ecp5"],):
        t = Tally(target)
        stream_fifo(t, "fifo", width_bits=4, depth=9)
        assert t.features["fifo_ctl"] == 0 and t.features["ram_we"] == 0
        assert t.features["reg"] == 12


def test_a_fifo_on_xilinx_counts_its_control_and_the_narrow_counters_are_fixed():
    from hwgen.perf.cost.coefficients import COEFFICIENTS, FIXED
    from hwgen.perf.cost.components import counter, stream_fifo
    from hwgen.perf.cost.model import evaluate
    from hwgen.perf.cost.tally import Tally
    xc7 = COST_TARGETS["xc7"]
    # the binary MLP's input FIFO of fc3 (9 beats of 4 bits, LUT RAM): two 4-bit pointers
    # and a 4-bit level at 1.13 LUT6 a bit, each beside its CARRY4 (its netlist: 13 LUT6,
    # 3 CARRY4, 12 FDRE); no adder, compare or narrow counter besides
    t = Tally(xc7)
    stream_fifo(t, "fifo", width_bits=4, depth=9)
    assert t.features["fifo_ctl"] == 4 + 4 + 4 and t.features["reg"] == 12
    assert t.features["carry"] == 3
    assert t.features["add"] == t.features["inc_lut"] == t.features["cmp"] == 0
    assert t.features["ram_we"] == 0 and t.features["ram_mux"] == 0
    assert 13 <= evaluate(t, COEFFICIENTS["xc7"]).rounded().lut <= 15
    # the narrow counters it shared inc_lut / add_lut with, fixed at what they measure alone
    # (benchmarks/bench_narrow_counters.py: a LUT6 a bit), so the refit cannot move them
    # (xcup alike: its FIFOs alone 1.12 LUT6 a control bit)
    assert FIXED["xc7"]["lut"]["fifo_ctl"] == 1.13 and FIXED["xcup"]["lut"]["fifo_ctl"] == 1.12
    for name in ("xcup", "xc7"):
        assert FIXED[name]["lut"]["inc_lut"] == FIXED[name]["lut"]["add_lut"] == 1.0
        t = Tally(COST_TARGETS[name])
        counter(t, 3)                              # a 2-bit counter: LUTs, no carry chain
        assert t.features["inc_lut"] == 2 and t.features["carry"] == 0
        assert evaluate(t, COEFFICIENTS[name]).rounded().lut == 2
        t = Tally(COST_TARGETS[name])
        stream_fifo(t, "fifo", width_bits=4, depth=9)
        assert t.features["fifo_ctl"] == 12 and t.features["add"] == 0


def test_a_pipelined_dot_product_is_a_sum_per_register_stage():
    from hwgen.perf.cost.arith import staged_trees
    # registers every 2 adder levels (pipelined_sum): 16 terms are four sums of 4, then
    # one of 4; 9 terms are sums of 4, 4 (the ninth waits), then one of 3
    pieces = staged_trees([(-8, 7)] * 16, every=2)
    assert [p.leaves for p in pieces] == [4, 4, 4, 4, 4]
    assert [p.leaves for p in staged_trees([(-8, 7)] * 9, every=2)] == [4, 4, 3]
    assert pieces[-1].lo == -8 * 16 and pieces[-1].hi == 7 * 16
    assert staged_trees([(0, 1)], every=2) == []


def test_window_registers_follow_the_registered_lookahead():
    from hwgen.perf.cost.model import tally_of
    from hwgen.perf.cost.stream import sliding_window_features
    # sweep point w01: 8 x 8 x 4 channels in 2 groups of 2 lanes, 3 x 3, pad 1, one tap a
    # beat, 4 buffer rows of 16 words, output FIFO of 3
    window = SlidingWindowParams(name="w", height=8, width=8, channels=4, kernel=3, stride=1,
                                 pads=(1, 1, 1, 1), element=IntType(8, True), pad_value=-93,
                                 lanes=2, out_fifo_depth=3)
    assert window.buffer_rows == 4
    # The flip-flops Yosys keeps of the window (synth -flatten, then opt: names from the
    # RTL), by hand: input counters in_y 3, in_col 4, in_lin 7, in_word 4, in_slot 2, in_last
    # 1; slack 6, row_step 2, one_minus_step 2; images_ahead 3 and its two flags; read
    # counters oy 3, ox 3, ky 2, kb 2, g 1; base_y 6, base_y_slot 2, base_x 6; iy, ix,
    # iy_end, ix_end 7 each (the last ones too, though equal to the first with one tap: their
    # next values are other sums); the view: tap_in 1, inside 1, last_y 3, last_col 4, the
    # address 6, row_last 1, image_last 1; credits 2 and credit 1; valid1 and a pad flag;
    # the FIFO's two pointers and level, 2 each: 117. LUT RAM adds the buffer's 16-bit read
    # register: 133, Yosys' 132 on xcup.
    tally = tally_of(sliding_window_features, window, "xcup")
    assert tally.features["reg"] == 117 + 16
    # the control flip-flops among them: all but the read side's valid1 and pad flag, the
    # FIFO's 6 and the buffer's read register
    assert tally.features["win_ctl"] == 117 - 2 - 6


def test_max_pool_registers_follow_the_prefetch_and_the_late_write():
    from hwgen.ir.blocks.window_reduce import WindowReduceParams
    from hwgen.perf.cost.arith_blocks import window_reduce_features
    from hwgen.perf.cost.model import tally_of
    # sweep point p01's pool: 4 positions, 8 channels in 2 groups of 4 8-bit lanes
    pool = WindowReduceParams(name="p", positions=4, channels=8, spatial=(4, 4), op="max",
                              input_type=IntType(8, False), output_type=IntType(8, False),
                              lanes=4, out_fifo_depth=2)
    tally = tally_of(window_reduce_features, pool, "xcup")
    # pos 2, g 1; first_pos, last_pos, last_g; credits 2 and credit 1; g_next 1, pending_g
    # 1, pending 1; current 32 (the group's value read a beat early) and pending_value 32
    # (the merged value written a cycle late); result1 32 and done1; the FIFO's pointers 1
    # each and level 2: 113, as Yosys keeps on xcup
    assert tally.features["reg"] == 113
    # the running values: 2 words of 32 bits, written at pending_g and read at g_next, so
    # simple dual port (RAM32M16 on xcup: 32 / 14 -> 3, and the FIFO's 3)
    assert [m[:2] for m in tally.memories] == [("running", "lutram"), ("fifo", "lutram")]
    assert tally.lutram == 6

@pytest.mark.parametrize(("channels", "lanes", "ctl", "bypass"), [
    # the digits CNN's pool1: 4 positions, 8 channels in 4 groups of 2 int8 lanes, FIFO of 3:
    # pos 2; first_pos, last_pos, last_g; credits 2 (0..3) and credit; g 2, g_next 2,
    # pending_g 2 and pending: 15 control flip-flops; the bypass picks 2 x 8 bits
    (8, 2, 2 + 3 + 2 + 1 + 2 + 2 + 2 + 1, 16),
    # one group: no group counter, no pending write, no bypass (a register per lane)
    (2, 2, 2 + 3 + 2 + 1, 0),
])
def test_max_pool_control_and_bypass_features(channels, lanes, ctl, bypass):
    from hwgen.ir.blocks.window_reduce import WindowReduceParams
    from hwgen.perf.cost.arith_blocks import window_reduce_features
    from hwgen.perf.cost.model import tally_of
    pool = WindowReduceParams(name="p", positions=4, channels=channels, spatial=(4, 4),
                              op="max", input_type=IntType(8, True),
                              output_type=IntType(8, True), lanes=lanes, out_fifo_depth=3)
    tally = tally_of(window_reduce_features, pool, "ecp5")
    assert tally.features["wr_ctl"] == ctl
    assert tally.features["wr_bypass"] == bypass
    # the control counted as flip-flops only: no increment or compare of its own
    assert tally.features["inc_lut"] == 4                  # the output FIFO's two pointers


@pytest.mark.parametrize(("target", "bits", "signed", "lanes"), [
    # ECP5's carry chains start at 5 bits: a signed int8 or 6-bit max counts its lanes
    ("ecp5", 8, True, 2), ("ecp5", 6, True, 4),
    # a 4-bit compare is a LUT compare (the sign flip is in its inputs), an unsigned one has
    # no sign to correct: none
    ("ecp5", 4, True, 0), ("ecp5", 8, False, 0),
    # xcup counts the lanes too (its coefficient, measured, is 0)
    ("xcup", 8, True, 2),
])
def test_signed_max_pool_counts_its_lanes(target, bits, signed, lanes):
    from hwgen.ir.blocks.window_reduce import WindowReduceParams
    from hwgen.perf.cost.arith_blocks import window_reduce_features
    from hwgen.perf.cost.model import tally_of
    element = IntType(bits, signed)
    pool = WindowReduceParams(name="p", positions=4, channels=8, spatial=(4, 4), op="max",
                              input_type=element, output_type=element,
                              lanes=2 if lanes != 4 else 4, out_fifo_depth=3)
    tally = tally_of(window_reduce_features, pool, target)
    assert tally.features["cmp_signed"] == lanes


@pytest.mark.parametrize(("target", "width_bits", "depth", "style"), [
    # Amaranth FIFOs synthesised alone (StreamFifo, read without a clock): memory_libmap
    # adds one emulated feature (2) to the LUT RAM's cost, and a tie goes to logic
    (XCUP, 1, 3, "logic"), (XCUP, 2, 2, "logic"), (XCUP, 1, 4, "lutram"),
    (XCUP, 3, 2, "lutram"), (ECP5, 3, 2, "logic"), (ECP5, 5, 2, "logic"),
    (ECP5, 4, 2, "lutram"), (ECP5, 1, 4, "logic"),
])
def test_tiny_rams_stay_in_flip_flops_as_memory_libmap_decides(target, width_bits, depth,
                                                               style):
    assert memory_style(Ram(depth=depth, width=width_bits, sync_read=False), target) == style


# -- the sliding window's read data (win_read) ------------------------------------------------

@pytest.mark.parametrize(("sources", "padded", "lut_inputs", "luts"), [
    (1, False, 6, 0), (1, False, 4, 0),   # the read register straight into the FIFO
    (1, True, 6, 1), (1, True, 4, 1),     # register or pad value: one gate
    (3, True, 6, 1),                      # 3 data, 2 selects, the pad flag: one LUT6
    (4, True, 6, 2),                      # 4 + 2 + 1 inputs: two LUT6 and a MUXF7
    (3, True, 4, 2),                      # LUT4s of two leaves each, joined by a PFUMX
    (12, True, 4, 7),                     # 13 leaves, two a LUT4
])
def test_read_select_luts_by_hand(sources, padded, lut_inputs, luts):
    from hwgen.perf.cost.stream import read_select_luts
    assert read_select_luts(sources, padded, lut_inputs) == luts


@pytest.mark.parametrize(("sources", "padded", "luts"), [
    (1, False, 0), (1, True, 1),          # a wire; register or pad value: one gate
    (3, True, 3),                         # no PFUMX to join two LUT4s: three two-way selects
    (12, True, 12),
])
def test_read_select_luts_without_wide_multiplexers(sources, padded, luts):
    from hwgen.perf.cost.stream import read_select_luts
    assert read_select_luts(sources, padded, 4, wide_muxes=False) == luts
    assert not cost_target("ice40").wide_muxes and cost_target("ecp5").wide_muxes


def test_ice40_window_read_stages_count_two_way_selects():
    from hwgen.perf.cost.stream import rotation_luts
    # one tap row, three column banks and the pad, a 72-bit beat: 3 LUT4 a bit on iCE40
    # against 2 with ECP5's PFUMX; one function of every source is ABC's either way
    stage = dict(word=24, row_banks=1, tap_rows=1, tap_cols=3, padded=True, lut_inputs=4,
                 bank_words=64)
    assert rotation_luts(**stage, wide_muxes=False) == 72 * 3
    assert rotation_luts(**stage) == 72 * 2
    one = dict(word=16, row_banks=4, tap_rows=3, tap_cols=3, padded=True, lut_inputs=4,
               bank_words=2)
    assert rotation_luts(**one, wide_muxes=False) == rotation_luts(**one)


def test_rotation_luts_keep_stages_that_fit_one_lut6_and_flatten_on_lut4():
    from hwgen.perf.cost.stream import rotation_luts
    # sweep point w06: 4 row banks x 3 column banks of 16 bits (2 words each), padded, 144
    # beat bits. xcup: a row select (4 ways, 2 selects: one LUT6) per tap row and column
    # bank, shared by the taps that read it (3 x 3 x 16 = 144 LUTs), then per beat bit 3
    # columns, 2 selects and the pad in one LUT6 (144): 288, what Yosys builds (the LUTs
    # feeding the output FIFO's RAM32M16 write data, counted in its netlist)
    assert rotation_luts(word=16, row_banks=4, tap_rows=3, tap_cols=3, padded=True,
                         lut_inputs=6, bank_words=2) == 288
    # ECP5, banks of two words: one select among all 12 sources and the pad per bit, 13
    # leaves at two a LUT4: 7 a bit (Yosys: 1079 LUT4 feed the FIFO's write data, 7.5)
    assert rotation_luts(word=16, row_banks=4, tap_rows=3, tap_cols=3, padded=True,
                         lut_inputs=4, bank_words=2) == 144 * 7
    # ECP5, banks of three words (an 8 x 8 image, the digits CNN's conv1 window: 8-bit
    # taps): the stages stay, a 4-way row select (2 LUT4) then 3 columns and the pad (2)
    assert rotation_luts(word=8, row_banks=4, tap_rows=3, tap_cols=3, padded=True,
                         lut_inputs=4, bank_words=3) == 72 * 4
    # one tap a beat, padded (sweep point w03, 64 bits): a gate per bit on either target
    assert rotation_luts(word=64, row_banks=1, tap_rows=1, tap_cols=1, padded=True,
                         lut_inputs=4, bank_words=30) == 64


@pytest.mark.parametrize(("banks", "lut_inputs", "luts"), [
    # measured in Yosys netlists: the LUTs between a line buffer's DPR16X4 primitives and
    # its read register, per bit (c01 / d02 / w03: 2 banks, c02: 3, w01: 4, p02: 5, d01: 6)
    (1, 4, 0), (2, 4, 1), (3, 4, 2), (4, 4, 3), (5, 4, 3), (6, 4, 4),
    # xcup p02: 3 RAM32M16 deep, one LUT5 a bit
    (3, 6, 1),
])
def test_bank_select_luts_as_measured(banks, lut_inputs, luts):
    from hwgen.perf.cost.stream import bank_select_luts
    assert bank_select_luts(banks, lut_inputs) == luts


def test_window_read_path_counts_the_line_buffer_banks_apart_from_lutram_mux():
    from hwgen.perf.cost.model import tally_of
    from hwgen.perf.cost.stream import sliding_window_features
    # sweep point w01 on ECP5: a 64 x 16-bit line buffer in 4 DPR16X4 deep (3 LUT4 a bit
    # before the read register: 48) and the pad gate after it (16): 64, none of it
    # lutram_mux (the output FIFO, 3 words, is one primitive deep)
    window = SlidingWindowParams(name="w", height=8, width=8, channels=4, kernel=3, stride=1,
                                 pads=(1, 1, 1, 1), element=IntType(8, True), pad_value=-93,
                                 lanes=2, out_fifo_depth=3)
    tally = tally_of(sliding_window_features, window, "ecp5")
    assert tally.features["win_read"] == 48 + 16
    assert tally.features["lutram_mux"] == 0
    assert tally.features["pad_mux"] == 0


@pytest.mark.parametrize(("pads", "target", "win_read"), [
    # ECP5: the DP16KD line buffer's read through its bypass select, a LUT4 a bit
    # (8 lanes x 4 bits), shared with the pad select when the window pads
    ((0, 0, 0, 0), "ecp5", 32), ((1, 1, 1, 1), "ecp5", 32),
    # xcup: the RAMB18E2 reads straight into the FIFO; only a pad select takes a LUT
    ((0, 0, 0, 0), "xcup", 0), ((1, 1, 1, 1), "xcup", 32),
])
def test_window_block_ram_read_bypass_shares_the_pad_select(pads, target, win_read):
    from hwgen.perf.cost.model import tally_of
    from hwgen.perf.cost.stream import sliding_window_features
    # sweep point p04: a 6 x 6 x 32 image of 4-bit codes, 3 x 3 stride 3, 8 lanes: the
    # whole image (6 rows of 24 words of 32 bits) in one block RAM on either target
    window = SlidingWindowParams(name="w", height=6, width=6, channels=32, kernel=3, stride=3,
                                 pads=pads, element=IntType(4, False), pad_value=0, lanes=8,
                                 out_fifo_depth=3)
    tally = tally_of(sliding_window_features, window, target)
    assert tally.bram > 0
    assert tally.features["win_read"] == win_read


def test_depthwise_sum_with_one_group_is_its_adder_with_the_preload_folded_in():
    from hwgen.ir.blocks.depthwise import DepthwiseParams
    from hwgen.perf.cost.arith_blocks import depthwise_features
    from hwgen.perf.cost.model import tally_of
    from tests.fixtures.depthwise_factory import depthwise_layer
    one, four = (DepthwiseParams.from_layer(depthwise_layer(0, image=(5, 5, 4), pe=pe))
                 for pe in (4, 1))
    assert (one.groups, four.groups) == (1, 4)
    # one group, DSP products: the running sum's adder in LUTs, no preload select apart
    t = tally_of(depthwise_features, one, XCUP)
    assert t.features["dw_sum"] == one.pe * one.acc_bits
    assert t.features["acc_mux"] == 0
    # groups: the preload select as before, the adder left to the fitted selects
    t = tally_of(depthwise_features, four, XCUP)
    assert t.features["dw_sum"] == 0
    assert t.features["acc_mux"] == four.pe * four.acc_bits
    # no DSP products (iCE40): the adder is counted as an adder, the select as before
    t = tally_of(depthwise_features, one, "ice40")
    assert t.features["dw_sum"] == 0 and t.features["acc_mux"] == one.pe * one.acc_bits


def test_gemmlowp_lane_without_a_right_shift_is_counted_apart():
    from hwgen.perf.cost.components import requant_lane
    from hwgen.perf.cost.tally import Tally
    counts = {}
    for name, right in (("none", [0, 0]), ("const", [3, 3]), ("per_fold", [0, 2])):
        t = Tally(cost_target("xcup"))
        requant_lane(t, product_bits=48, right_values=right, out_bits=8, rounding="gemmlowp")
        counts[name] = t.features
    # a right shift of 0 at every fold: no rounding divide, its own lane and bits
    assert counts["none"]["rq_g0"] == 1 and counts["none"]["rq_g0_bits"] == 48 - 30
    assert counts["none"]["rq_g"] == 0
    for name in ("const", "per_fold"):
        assert counts[name]["rq_g"] == 1 and counts[name]["rq_g0"] == 0


# -- iCE40's LUT multipliers ------------------------------------------------------------------

def test_a_product_by_a_constant_counts_a_row_per_set_bit_of_its_odd_part():
    from hwgen.perf.cost.tally import Tally
    t = Tally(ICE40)
    # 88 = 0b1011000: the three trailing zeros are a shift, the odd part 0b1011 three rows
    t.multiply_constant(10, 88, 24, count=2)
    assert t.features["soft_set"] == 10 * 3 * 2 and t.features["soft_ab"] == 0
    t.multiply_constant(10, 64, 24)                 # a power of two: wiring, no product
    assert t.features["soft_set"] == 60


def test_a_product_of_two_variables_counts_its_operand_bit_pairs():
    from hwgen.perf.cost.tally import Tally
    t = Tally(ICE40)
    t.multiply(8, 9, 16, count=3)
    assert t.features["soft_ab"] == 8 * 9 * 3 and t.features["soft_set"] == 0
    # xcup: the same product is a DSP48E2, no LUT multiplier
    x = Tally(XCUP)
    x.multiply(8, 9, 16, count=3)
    assert x.dsp == 3 and x.features["soft_ab"] == 0


def test_a_requantizer_product_by_a_per_fold_table_counts_the_bits_some_fold_sets():
    from hwgen.perf.cost.components import requant_multiply
    from hwgen.perf.cost.tally import Tally
    t = Tally(ICE40)
    # two folds: the low 17-bit piece has bits 0, 3 (fold 0) and 3, 5 (fold 1) set, the
    # high 14-bit piece bit 1 (fold 1): three rows and one row of the 20-bit accumulator
    values = [(1 << 0) | (1 << 3), (1 << 3) | (1 << 5) | (1 << 18)]
    requant_multiply(t, acc_bits=20, values=values, varying=True)
    assert t.features["soft_ab"] == 20 * (3 + 1)


def test_a_requantizer_counts_rows_over_bias_only_accumulator_bits_apart():
    from hwgen.perf.cost.components import requantizer
    from hwgen.perf.cost.tally import Tally
    multiplier = np.array([[1 << 20], [3 << 20]])          # two folds, one lane
    shift = np.array([[-10], [-10]])
    # the accumulator's low 4 bits hold only the bias: 0b0101 (fold 0) and 0b0110 (fold 1),
    # three bits some fold sets; bit 3 is 0 in both and has no row at all
    bias = np.array([[0b0101], [0b0110]])
    counts = {}
    for low in (0, 4):
        t = Tally(ICE40)
        requantizer(t, acc_bits=12, out_bits=8, multiplier=multiplier, shift=shift,
                    rounding="single_even", lanes=1, low_bits=low, bias=bias)
        counts[low] = t.features
    rows = counts[0]["soft_ab"] // 12
    assert rows == 2 and counts[0]["soft_ab_fold"] == 0    # bits 20 and 21: one row each
    assert counts[4]["soft_ab"] == (12 - 4) * rows
    assert counts[4]["soft_ab_fold"] == 3 * rows
    # over four folds those bits are functions of two fold bits: pairs like any other's,
    # still none for the bit no fold sets
    t = Tally(ICE40)
    requantizer(t, acc_bits=12, out_bits=8, multiplier=np.tile(multiplier, (2, 1)),
                shift=np.tile(shift, (2, 1)), rounding="single_even", lanes=1, low_bits=4,
                bias=np.tile(bias, (2, 1)))
    assert t.features["soft_ab"] == (12 - 4 + 3) * rows and t.features["soft_ab_fold"] == 0
    # xcup multiplies in DSPs: neither is counted there
    x = Tally(XCUP)
    requantizer(x, acc_bits=12, out_bits=8, multiplier=multiplier, shift=shift,
                rounding="single_even", lanes=1, low_bits=4, bias=bias)
    assert x.features["soft_ab"] == x.features["soft_ab_fold"] == 0 and x.dsp > 0


def test_an_xnor_mvau_requantizer_takes_its_acc_shift_bits_as_bias_only():
    from dataclasses import replace

    from hwgen.perf.cost.binary_mvau import dot_zeros, xnor_mvau_features
    from hwgen.perf.cost.model import tally_of
    from tests.fixtures.binary_factories import random_binary_params
    p = random_binary_params(np.random.default_rng(3), "xnor", mh=4, mw=16, pe=2, simd=8,
                             activation="requant", out_bits=8, acc_shift=8)
    assert dot_zeros(p, xnor=True) == 9
    shifted = tally_of(xnor_mvau_features, p, "ice40").features
    plain = tally_of(xnor_mvau_features, replace(p, acc_shift=0), "ice40").features
    assert shifted["soft_ab_fold"] > 0 and plain["soft_ab_fold"] < shifted["soft_ab_fold"]
    assert shifted["soft_ab"] < plain["soft_ab"]


def test_a_packed_pair_counts_its_two_weight_fields_in_luts():
    from dataclasses import replace

    from hwgen.perf.cost.int_mvau import int_mvau_features
    from hwgen.perf.cost.model import tally_of
    p = random_mvau_params(np.random.default_rng(5), mh=8, mw=16, pe=2, simd=4, w_bits=4,
                           in_bits=8)
    plain, packed = replace(p, dsp_packing="off"), replace(p, dsp_packing="auto")
    assert packed.packed_pairs == 1 and plain.packed_pairs == 0
    # per input code one product of the code (9 bits with its sign) and both 4-bit weights
    # with a sign bit between them, in place of two int4 x uint8 products (the code's zero
    # sign bit is no operand bit); the requantizers' products are the same in both
    one = tally_of(int_mvau_features, packed, "ice40").features["soft_ab"]
    two = tally_of(int_mvau_features, plain, "ice40").features["soft_ab"]
    assert one - two == p.simd * (2 * 4 + 1) * 9 - 2 * p.simd * 4 * 8


@pytest.mark.parametrize("mw, steps_feature", [(4, "soft_ab_one"), (8, "soft_ab_two"),
                                               (16, None)])
def test_a_packed_pairs_products_by_known_weights_are_counted_by_their_steps(
        mw, steps_feature, monkeypatch):
    from hwgen.perf.cost import int_mvau
    from hwgen.perf.cost.int_mvau import int_mvau_features
    from hwgen.perf.cost.model import tally_of
    # PE 4 (two pairs), SIMD 4, NF 1: one, two or four steps
    p = random_mvau_params(np.random.default_rng(9), mh=4, mw=mw, pe=4, simd=4, w_bits=8,
                           in_bits=8)
    assert p.packed_pairs == 2 and p.nf * p.sf == mw // 4
    features = tally_of(int_mvau_features, p, "ice40").features
    pairs = 2 * 4 * (2 * 8 + 1) * 9            # pairs x SIMD x one product's operand pairs
    known = {"soft_ab_one", "soft_ab_two"}
    if steps_feature is None:
        # weights the synthesis cannot know: operand pairs, and a unit per input bit
        assert all(features[k] == 0 for k in known)
        assert features["soft_pack_x"] == 2 * 4 * 9
        assert features["soft_ab"] >= pairs
    else:
        # one or two steps: the pairs' operand pairs under the steps' feature, none of them
        # as a variable product's (the requantizers' products stay ``soft_ab``)
        assert features[steps_feature] == pairs
        assert all(features[k] == 0 for k in known - {steps_feature})
        assert features["soft_pack_x"] == 0
        monkeypatch.setattr(int_mvau, "PACKED_KNOWN_FEATURES", {})
        variable = tally_of(int_mvau_features, p, "ice40").features
        assert features["soft_ab"] == variable["soft_ab"] - pairs
    # where the packed products are DSPs, none of it
    ecp5 = tally_of(int_mvau_features, p, "ecp5").features
    assert all(ecp5[k] == 0 for k in known | {"soft_pack_x"})


def test_a_memory_in_flip_flops_reads_through_two_way_selects_without_wide_muxes():
    from hwgen.perf.cost.components import stream_fifo
    from hwgen.perf.cost.tally import Tally
    counts = {}
    for target in (ICE40, dataclasses.replace(ICE40, wide_muxes=True)):
        t = Tally(target)
        stream_fifo(t, "fifo", width_bits=128, depth=3)   # the digits MLP's input FIFO
        assert [m[1] for m in t.memories] == ["logic"]
        counts[target.wide_muxes] = t.features
    # iCE40: 2 two-way selects a bit (a LUT4 each); with wide multiplexers to join LUTs the
    # read is a select tree of its own (``mux_n``), as on the other targets
    assert counts[False]["ram_mux"] == 128 * 2 and counts[False]["mux_n"] == 0
    assert counts[True]["ram_mux"] == 0 and counts[True]["mux_n"] == 128 * 2


def test_xc7_packs_an_xnor_mvaus_accumulators_into_its_requantizer_dsps():
    from dataclasses import replace

    from hwgen.ir import RequantRounding
    from hwgen.perf.cost.binary_mvau import xnor_mvau_features
    from hwgen.perf.cost.model import tally_of
    from tests.fixtures.binary_factories import random_binary_params
    p = random_binary_params(np.random.default_rng(7), "xnor", mh=8, mw=64, pe=2, simd=8,
                             activation="requant", out_bits=8, acc_shift=16,
                             rounding=RequantRounding.SINGLE_EVEN)
    xc7 = tally_of(xnor_mvau_features, p, "xc7").features
    xcup = tally_of(xnor_mvau_features, p, "xcup").features
    # the same flip-flops in all, but the accumulators' are DSP port registers on xc7
    total = ("reg", "reg_dsp", "reg_dsp_port")
    assert sum(xc7[k] for k in total) == sum(xcup[k] for k in total)
    assert xc7["reg_dsp_port"] - xcup["reg_dsp_port"] >= p.pe * (p.hw_acc_bits - 17)
    # behind a per-fold left shift (gemmlowp, a positive shift) they stay in the fabric
    shifted = replace(p, rounding=RequantRounding.GEMMLOWP, shift=np.abs(p.shift) % 3 + 1)
    assert tally_of(xnor_mvau_features, shifted, "xc7").features["reg_dsp_port"] == 0


def test_ice40_block_ram_read_before_write_at_one_address_keeps_two_registers_a_bit():
    from hwgen.perf.cost.tally import Tally
    regs = {}
    for shared in (False, True):
        t = Tally(ICE40)
        # an MVAU's input buffer: 8 beats of 64 bits, four SB_RAM40_4K
        assert t.ram("input_buffer", Ram(depth=8, width=64, sync_read=True,
                                         shared_address=shared)) == "bram"
        regs[shared] = t.features["reg"]
    # the write data delayed a cycle and the bypass to the read, two SB_DFF a bit (sweep
    # bw1's netlist: 64 + 64), where a RAM read and written at two addresses (a window's
    # line buffer) keeps the one
    assert regs[False] == 64 and regs[True] == 128
    # the other targets' block RAMs read before they write: no such registers
    assert all(t.bram_read_first_ffs == 0 for t in (XCUP, XC7, ECP5))


@pytest.mark.parametrize(("mw", "simd", "buffer"), [
    (64, 8, "bram"),      # bw1's shape: 8 beats of 64 bits, four SB_RAM40_4K
    (32, 16, "logic"),    # 2 beats of 128 bits: flip-flops, no bypass
])
def test_ice40_binary_weight_mvau_counts_its_dot_products_and_selects_as_measured(mw, simd,
                                                                                 buffer):
    from hwgen.perf.cost.binary_mvau import bwn_dot_luts, bwn_mvau_features
    from hwgen.perf.cost.model import tally_of
    from tests.fixtures.binary_factories import random_binary_params
    p = random_binary_params(np.random.default_rng(3), "bwn", mh=32, mw=mw, pe=2, simd=simd)
    ice40 = tally_of(bwn_mvau_features, p, "ice40")
    ecp5 = tally_of(bwn_mvau_features, p, "ecp5").features
    assert [m[1] for m in ice40.memories if m[0] == "input_buffer"] == [buffer]
    f = ice40.features
    # iCE40: the dot products one feature, 9-bit terms (+x / -x of uint8) of bits x (terms -
    # 1.58) a PE, none of ECP5's pieces; ECP5 keeps its selects and carry-save rows
    assert f["bwn_dot"] == pytest.approx(p.pe * bwn_dot_luts(9, simd))
    assert f["term_sel"] == f["bwn_csa"] == 0 and ecp5["term_sel"] > 0 and ecp5["bwn_dot"] == 0
    # the select in front of them a LUT4 a bit, and the block RAM's bypass one more
    bits = simd * 8
    assert f["in_mux"] == 0 and f["bin_in_mux"] == (2 if buffer == "bram" else 1) * bits
    assert ecp5["in_mux"] == bits and ecp5["bin_in_mux"] == 0
