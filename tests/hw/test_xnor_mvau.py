# amaranth: UnusedElaboratable=no
"""XNOR, binary-weight and ternary MVAUs in Amaranth's simulator: every output against the
golden model and every transfer cycle against the cycle model, over a PE x SIMD grid."""

import itertools

import numpy as np
import pytest
from amaranth.hdl import Shape

from hwgen.golden import run_pipeline
from hwgen.golden.xnor import binary_mvau
from hwgen.hw.accelerator import Accelerator
from hwgen.hw.arith.adder_tree import popcount, shape_for_range
from hwgen.hw.binary.bwn_mvau import BinaryWeightMvau
from hwgen.hw.binary.ternary_mvau import TernaryMvau
from hwgen.hw.binary.threshold_unit import ThresholdUnit
from hwgen.hw.binary.xnor_mvau import XnorMvau
from hwgen.hw.registry import block_component
from hwgen.ir import IntType, RequantRounding
from hwgen.ir.packing import pack_words, unpack_words
from hwgen.perf import int_mvau_isolated_latency, pipeline_timing
from hwgen.perf.xnor_mvau import ACTIVATION_LATENCY
from hwgen.sim.amaranth_tb import run_stream_component
from tests.fixtures.binary_factories import random_binary_params, random_inputs
from tests.fixtures.factories import random_mvau_params

MH, MW = 8, 12
FOLDINGS = list(itertools.product([1, 2, 4, MH], [1, 3, 4, MW]))


def variant(kind, index):
    """Rotate activations, output widths, input types, directions and TTQ levels."""
    threshold = index % 3 != 2
    v = dict(activation="threshold" if threshold else "requant",
             descending=(0.0, 0.4, 1.0)[index % 3], acc_shift=(0, 0, 3, 1)[index % 4])
    if threshold:
        v.update(out_bits=(1, 2, 3)[index % 3], out_signed=index % 4 == 1 and index % 3 != 0)
    else:
        v.update(out_bits=(8, 4)[index % 2], out_signed=True, per_channel=index % 4 != 2,
                 relu=index % 5 == 0,
                 rounding=RequantRounding.SINGLE if index % 4 == 3 else RequantRounding.GEMMLOWP)
    if kind != "xnor":
        v.update(in_bits=(8, 4, 2)[index % 3], in_signed=index % 2 == 0)
    if kind == "ternary":
        v.update(levels=index % 2 == 1, bipolar_input=index % 4 in (1, 2))
    return v


CASES = [(kind, i, pe, simd) for kind in ("xnor", "bwn", "ternary")
         for i, (pe, simd) in enumerate(FOLDINGS)]


def simulate(p, x, **kwargs):
    run = run_stream_component(block_component(p),
                               pack_words(x.reshape(-1, p.simd), p.input_type.bits),
                               len(x) * p.vectors * p.nf, **kwargs)
    out = unpack_words(run.out_words, p.pe, p.output_type.bits, p.output_type.signed)
    return run, out.reshape((len(x),) + p.output_shape)


def check_exact(p, x):
    """The block's outputs equal the golden model's and every transfer its modelled cycle;
    returns the model's timing."""
    run, got = simulate(p, x)
    want = binary_mvau(x, p)
    assert len(np.unique(want)) > 1, "a constant output would test little"
    np.testing.assert_array_equal(got, want)
    timing = pipeline_timing([p], len(x))
    assert tuple(run.in_cycles) == timing.in_beats
    assert tuple(run.out_cycles) == timing.out_beats
    return timing


@pytest.mark.parametrize("kind,index,pe,simd", CASES,
                         ids=[f"{k}-pe{pe}-simd{s}" for k, _, pe, s in CASES])
def test_outputs_and_cycles_exact(kind, index, pe, simd):
    rng = np.random.default_rng(1000 * pe + simd + sum(map(ord, kind)))
    p = random_binary_params(rng, kind, mh=MH, mw=MW, pe=pe, simd=simd, **variant(kind, index))
    timing = check_exact(p, random_inputs(rng, p, 5))
    assert timing.ii == p.nf * p.sf
    assert timing.latency == int_mvau_isolated_latency(p)


@pytest.mark.parametrize("kind,index,pe,simd", CASES[::5],
                         ids=[f"{k}-pe{pe}-simd{s}" for k, _, pe, s in CASES[::5]])
def test_outputs_under_idle_and_backpressure(kind, index, pe, simd):
    rng = np.random.default_rng(77 + pe + 10 * simd)
    p = random_binary_params(rng, kind, mh=MH, mw=MW, pe=pe, simd=simd, **variant(kind, index))
    x = random_inputs(rng, p, 4)
    _, got = simulate(p, x, idle=0.3, backpressure=0.5, seed=simd)
    np.testing.assert_array_equal(got, binary_mvau(x, p))


# Wide XNOR lanes: the compressor tree's later levels, and weight tables of 1 to 6 address
# bits (its full-adder first level with 2 or 3, its 5:3 first level otherwise).
WIDE = [(16, 1, 64), (8, 2, 64), (32, 8, 64), (16, 4, 32), (8, 1, 8), (64, 8, 16)]


@pytest.mark.parametrize("mh,pe,simd", WIDE, ids=[f"mh{h}-pe{p}-simd{s}" for h, p, s in WIDE])
@pytest.mark.parametrize("activation", ["threshold", "requant"])
def test_wide_xnor_lanes_exact(mh, pe, simd, activation):
    rng = np.random.default_rng(mh + pe + simd)
    extra = dict(out_bits=2) if activation == "threshold" else dict(out_bits=8, out_signed=True)
    p = random_binary_params(rng, "xnor", mh=mh, mw=64, pe=pe, simd=simd,
                             activation=activation, **extra)
    check_exact(p, random_inputs(rng, p, 4))


@pytest.mark.parametrize("kind", ["xnor", "bwn", "ternary"])
@pytest.mark.parametrize("depth", [1, 2])
def test_shallow_output_fifo_and_many_vectors_follow_the_model(kind, depth):
    # Few credits make the engine wait for the output; three vectors per inference (the
    # spatial positions of a convolution) exercise the per-vector rules.
    rng = np.random.default_rng(depth)
    p = random_binary_params(rng, kind, mh=MH, mw=MW, pe=2, simd=12, out_fifo_depth=depth,
                             spatial=(3,))
    x = random_inputs(rng, p, 3)
    run, got = simulate(p, x)
    np.testing.assert_array_equal(got, binary_mvau(x, p))
    timing = pipeline_timing([p], len(x))
    assert tuple(run.out_cycles) == timing.out_beats
    assert tuple(run.in_cycles) == timing.in_beats


def test_wide_thresholds_and_extreme_inputs():
    # int8 inputs at their ends drive the accumulator to its bounds; 255 thresholds per
    # channel (8-bit output codes) include values outside the reachable range.
    rng = np.random.default_rng(9)
    p = random_binary_params(rng, "bwn", mh=4, mw=8, pe=2, simd=4, out_bits=8, in_signed=True)
    x = np.array([[-128] * 8, [127] * 8, [-128, 127] * 4, [0] * 8])
    _, got = simulate(p, x)
    np.testing.assert_array_equal(got, binary_mvau(x, p))


def test_mixed_pipeline_binary_int_ternary_chain():
    # int8 pixels x binary weights -> bipolar; XNOR -> 2-bit codes; INT MVAU -> int8;
    # ternary (TTQ levels) -> int8: every stream interface meets another kind's.
    rng = np.random.default_rng(21)
    layers = [
        random_binary_params(rng, "bwn", mh=12, mw=16, pe=3, simd=4, in_bits=8, name="in"),
        random_binary_params(rng, "xnor", mh=8, mw=12, pe=2, simd=6, out_bits=2, name="hid"),
        random_mvau_params(rng, mh=6, mw=8, pe=3, simd=2, in_bits=2, in_signed=False,
                           name="int", w_bits=4),
        random_binary_params(rng, "ternary", mh=4, mw=6, pe=1, simd=3, levels=True,
                             activation="requant", out_bits=8, out_signed=True,
                             in_bits=8, in_signed=True, name="out"),
    ]
    x = random_inputs(rng, layers[0], 6)
    dut = Accelerator(blocks=layers)
    run = run_stream_component(dut, pack_words(x.reshape(-1, 4), 8), len(x) * 4)
    got = unpack_words(run.out_words, 1, 8, True).reshape(len(x), 4)
    np.testing.assert_array_equal(got, run_pipeline(layers, x))
    timing = pipeline_timing(layers, len(x))
    assert tuple(run.in_cycles) == timing.in_beats
    assert tuple(run.out_cycles) == timing.out_beats


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 64])
def test_popcount_tree_is_minimal_width(n):
    from amaranth.hdl import Signal
    bits = [Signal(name=f"b{i}") for i in range(n)]
    assert popcount(bits).shape() == Shape(n.bit_length(), False)


def test_accumulators_are_minimal():
    rng = np.random.default_rng(0)
    p = random_binary_params(rng, "xnor", mh=4, mw=12, pe=2, simd=4)
    assert p.popcount_domain and p.hw_acc_bits == 4           # popcount 0..12
    q = random_binary_params(rng, "xnor", mh=4, mw=12, pe=2, simd=4, activation="requant",
                             out_bits=8, out_signed=True)
    lo, hi = q.hw_acc_range
    assert shape_for_range(lo, hi).width == q.hw_acc_bits and q.hw_acc_signed
    assert ThresholdUnit.LATENCY == ACTIVATION_LATENCY == 2


def test_components_reject_other_params():
    rng = np.random.default_rng(0)
    xnor = random_binary_params(rng, "xnor", mh=4, mw=4, pe=1, simd=1)
    with pytest.raises(TypeError,
                       match="params must be an instance of BinaryWeightMvauParams, not"):
        BinaryWeightMvau(params=xnor)
    with pytest.raises(TypeError, match="params must be an instance of TernaryMvauParams, not"):
        TernaryMvau(params=xnor)
    with pytest.raises(TypeError, match="params must be an instance of XnorMvauParams, not"):
        XnorMvau(params={"pe": 1})
    with pytest.raises(ValueError, match=r"codes \[0, 3\] do not fit uint1"):
        ThresholdUnit(acc_shape=4, thresholds=np.zeros((1, 1, 3), dtype=np.int64),
                      flip=np.zeros((1, 1), dtype=np.int64), output_type=IntType(1, False))


def test_core_validates_its_parameters():
    from amaranth.lib import data

    from hwgen.hw.arith.mvau_core import MvauCore
    common = dict(nf=2, sf=2, pe=1, input_layout=data.ArrayLayout(1, 4),
                  weight_layout=data.ArrayLayout(1, 4), dot_range=(0, 4), acc_shape=4,
                  output_layout=data.ArrayLayout(1, 1), out_fifo_depth=2)
    with pytest.raises(ValueError, match=r"the weight memory needs NF \* SF = 4 words, not 3"):
        MvauCore(weight_words=[0] * 3, bias=np.zeros((2, 1), dtype=np.int64), **common)
    with pytest.raises(ValueError, match="weight words must fit the 4-bit weight layout"):
        MvauCore(weight_words=[0, 16, 0, 0], bias=np.zeros((2, 1), dtype=np.int64), **common)
    with pytest.raises(ValueError, match=r"bias must have shape \(NF, PE\) = \(2, 1\), not \(2,\)"):
        MvauCore(weight_words=[0] * 4, bias=np.zeros(2, dtype=np.int64), **common)
    with pytest.raises(TypeError, match="out_fifo_depth must be a positive integer, not 0"):
        MvauCore(weight_words=[0] * 4, bias=np.zeros((2, 1), dtype=np.int64),
                 **{**common, "out_fifo_depth": 0})
    with pytest.raises(TypeError, match="registered_operands must be a bool, not 1"):
        MvauCore(weight_words=[0] * 4, bias=np.zeros((2, 1), dtype=np.int64),
                 registered_operands=1, **common)
