# amaranth: UnusedElaboratable=no
"""IntMvau in Amaranth's simulator against the golden model and the cycle model."""

import itertools
from dataclasses import replace

import numpy as np
import pytest

from hwgen.golden import int_mvau
from hwgen.hw.arith.int_mvau import IntMvau
from hwgen.ir import IntMvauParams, RequantRounding
from hwgen.ir.packing import pack_words, unpack_words
from hwgen.perf import int_mvau_isolated_latency, pipeline_timing
from hwgen.perf.mvau import credits_for_full_rate, int_mvau_write_delay
from hwgen.quant.multiplier import quantize_multiplier
from hwgen.sim.amaranth_tb import run_stream_component
from tests.fixtures.factories import random_inputs, random_mvau_params

MH, MW = 8, 12
FOLDINGS = list(itertools.product([1, 2, 4, MH], [1, 2, 4, MW]))
BITS = [2, 4, 8]


def case(index, pe, simd):
    """Rotate bit widths, signedness, granularity, rounding and ReLU across the foldings."""
    return dict(
        pe=pe, simd=simd,
        w_bits=BITS[index % 3], in_bits=BITS[(index // 3) % 3], out_bits=BITS[(index + 1) % 3],
        in_signed=bool(index % 2), out_signed=index % 4 != 3,
        per_channel=index % 3 != 1, relu=index % 5 == 2,
        rounding=[RequantRounding.GEMMLOWP, RequantRounding.SINGLE, RequantRounding.GEMMLOWP,
                  RequantRounding.SINGLE_EVEN][index % 4],
    )


CASES = [case(i, pe, simd) for i, (pe, simd) in enumerate(FOLDINGS)]


def simulate(p: IntMvauParams, x, **kwargs):
    dut = IntMvau(params=p)
    run = run_stream_component(dut, pack_words(x.reshape(-1, p.simd), p.input_type.bits),
                               len(x) * p.nf, **kwargs)
    out = unpack_words(run.out_words, p.pe, p.output_type.bits, p.output_type.signed)
    return run, out.reshape(len(x), p.mh)


def check_outputs_and_cycles(p: IntMvauParams, x):
    """The RTL equals the golden model, and every transfer is in the cycle model's cycle."""
    run, got = simulate(p, x)
    np.testing.assert_array_equal(got, int_mvau(x, p))
    timing = pipeline_timing([p], len(x))
    assert tuple(run.in_cycles) == timing.in_beats
    assert tuple(run.out_cycles) == timing.out_beats
    assert timing.ii == p.nf * p.sf
    assert timing.latency == int_mvau_isolated_latency(p)


@pytest.mark.parametrize(
    "params", CASES, ids=lambda c: "pe{pe}-simd{simd}-w{w_bits}-a{in_bits}-o{out_bits}".format(**c))
def test_outputs_and_cycles_exact(params):
    rng = np.random.default_rng(params["pe"] * 100 + params["simd"])
    p = random_mvau_params(rng, mh=MH, mw=MW, **params)
    x = random_inputs(rng, p, 5)
    check_outputs_and_cycles(p, x)


@pytest.mark.parametrize("params", CASES[::3], ids=lambda c: "pe{pe}-simd{simd}".format(**c))
def test_outputs_under_idle_and_backpressure(params):
    rng = np.random.default_rng(7 + params["pe"] + 10 * params["simd"])
    p = random_mvau_params(rng, mh=MH, mw=MW, **params)
    x = random_inputs(rng, p, 4)
    _, got = simulate(p, x, idle=0.3, backpressure=0.5, seed=params["simd"])
    np.testing.assert_array_equal(got, int_mvau(x, p))


@pytest.mark.parametrize("pipeline", ["auto", "deep"])
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_small_output_fifo_cycles_follow_model(depth, pipeline):
    # With few credits the engine waits for the output to drain: the model must track it
    # (under "deep" the credits are kept as held - issued + returned, MvauCore's
    # registered_credits).
    rng = np.random.default_rng(depth)
    p = random_mvau_params(rng, mh=MH, mw=MW, pe=2, simd=12, out_fifo_depth=depth)
    p = replace(p, pipeline=pipeline)
    x = random_inputs(rng, p, 4)
    run, got = simulate(p, x, backpressure=0.0)
    np.testing.assert_array_equal(got, int_mvau(x, p))
    timing = pipeline_timing([p], len(x))
    assert tuple(run.out_cycles) == timing.out_beats
    assert tuple(run.in_cycles) == timing.in_beats


def test_extreme_values_saturate_like_golden():
    # Inputs and weights at the ends of their ranges drive the accumulator to its bounds.
    rng = np.random.default_rng(11)
    p = random_mvau_params(rng, mh=4, mw=8, pe=2, simd=4, w_bits=8, in_bits=8, in_signed=True)
    x = np.array([[p.input_type.qmin] * 8, [p.input_type.qmax] * 8,
                  [p.input_type.qmin, p.input_type.qmax] * 4, [0] * 8])
    _, got = simulate(p, x)
    np.testing.assert_array_equal(got, int_mvau(x, p))
    assert set(np.unique(got)) & {p.out_min, p.out_max}


def test_rejects_non_params():
    with pytest.raises(TypeError, match="params must be an instance of IntMvauParams, not"):
        IntMvau(params={"pe": 1})


@pytest.mark.parametrize("in_signed", [True, False], ids=["int8", "uint8"])
@pytest.mark.parametrize("pe", [2, 3, 4])
def test_dsp_packing_is_bit_and_cycle_exact(pe, in_signed):
    # Two PEs share one multiplier per input lane; with an odd PE count the last one does not.
    # Every int8 weight code appears in each row and every input code in the inputs, the
    # extremes often, so each packed low product is negative and positive, large and small.
    rng = np.random.default_rng(pe + 10 * in_signed)
    mh, mw = 2 * pe, 256
    p = random_mvau_params(rng, mh=mh, mw=mw, pe=pe, simd=16, w_bits=8, in_bits=8,
                           in_signed=in_signed, rounding=RequantRounding.SINGLE)
    weights = np.stack([rng.permutation(np.arange(-128, 128)) for _ in range(mh)])
    weights[:, :8] = [-128, 127, -128, 127, -1, 1, 0, -128]
    # Outputs spread over the int8 range (dot products of about +-450k at 3 sigma).
    multiplier, shift = quantize_multiplier(np.full(mh, 128 / 450_000))
    lo, hi = p.input_type.qmin, p.input_type.qmax
    x = np.stack([rng.permutation(np.arange(lo, hi + 1)), np.full(mw, lo), np.full(mw, hi),
                  rng.integers(lo, hi + 1, size=mw)])
    results = {}
    for packing in ("auto", "off"):
        q = replace(p, weights=weights, multiplier=multiplier, shift=shift, acc_bias=np.zeros(mh),
                    dsp_packing=packing)
        assert IntMvau(params=q).packed_pairs == (pe // 2 if packing == "auto" else 0)
        run, got = simulate(q, x)
        np.testing.assert_array_equal(got, int_mvau(x, q))
        timing = pipeline_timing([q], len(x))
        assert tuple(run.out_cycles) == timing.out_beats
        results[packing] = got
    got = results["auto"]
    assert np.mean((got > -128) & (got < 127)) > 0.5       # mostly not saturated
    np.testing.assert_array_equal(results["auto"], results["off"])


@pytest.mark.parametrize("pe, simd", [(2, 32), (4, 16)], ids=["sf1", "shared"])
def test_narrow_requantizer_is_bit_and_cycle_exact(pe, simd):
    # Accumulators of about 21 bits whose outputs saturate before 18 bits (a scale of at
    # least 2**-9): hwgen.passes.narrow_requantizers saturates them to 18 bits, and the
    # outputs, extremes included, stay the golden model's.
    from hwgen.passes import narrow_requantizers
    rng = np.random.default_rng(pe * 10 + simd)
    p = random_mvau_params(rng, mh=8, mw=32, pe=pe, simd=simd, w_bits=8, in_bits=8,
                           in_signed=True, relu=pe == 2)
    multiplier, shift = quantize_multiplier(2.0 ** -9 * rng.uniform(1.0, 2.0, size=8))
    (q,) = narrow_requantizers((replace(p, multiplier=multiplier, shift=shift),))
    assert q.acc_bits > 18 and q.requant_acc_bits == 18 and not q.requant_serial
    lo, hi = q.input_type.qmin, q.input_type.qmax
    x = np.concatenate([np.stack([np.full(32, lo), np.full(32, hi),
                                  np.where(q.weights[0] > 0, hi, lo),
                                  np.where(q.weights[1] > 0, lo, hi)]),
                        rng.integers(lo // 4, hi // 4 + 1, size=(4, 32))])
    acc = x @ q.weights.T + q.acc_bias
    assert acc.max() >= 1 << 17 and acc.min() < -(1 << 17)       # saturated both ways
    run, got = simulate(q, x)
    want = int_mvau(x, q)
    np.testing.assert_array_equal(got, want)
    assert {q.out_min, q.out_max} <= set(np.unique(want))          # both clamps reached
    assert np.mean((want > q.out_min) & (want < q.out_max)) > 0.2  # and values between
    timing = pipeline_timing([q], len(x))
    assert tuple(run.out_cycles) == timing.out_beats


def test_foldings_cover_every_requantizer_plan():
    # test_outputs_and_cycles_exact must see a lane per PE, shared parallel lanes and serial
    # lanes (on their own and shared), or a plan could go untested
    plans = set()
    for params in CASES:
        p = random_mvau_params(np.random.default_rng(0), mh=MH, mw=MW, **params)
        plans.add((p.requant_serial, p.requant_rounds > 1))
    assert plans == {(False, False), (False, True), (True, False), (True, True)}


# pipeline = "deep": a lane per PE, shared lanes (serial plans become parallel), packed
# pairs (int8 codes, even PE) and a narrow requantizer, each against golden and cycle model.
DEEP_CASES = [CASES[i] for i in (0, 5, 6, 10, 15)] + [
    dict(pe=4, simd=4, w_bits=8, in_bits=8, in_signed=True, rounding=RequantRounding.GEMMLOWP),
    dict(pe=2, simd=12, w_bits=8, in_bits=8, in_signed=False, relu=True,
         rounding=RequantRounding.SINGLE_EVEN),
]


@pytest.mark.parametrize("params", DEEP_CASES,
                         ids=lambda c: "pe{pe}-simd{simd}-w{w_bits}-a{in_bits}".format(**c))
def test_deep_pipeline_is_bit_and_cycle_exact(params):
    rng = np.random.default_rng(params["pe"] * 100 + params["simd"] + 1)
    auto = random_mvau_params(rng, mh=MH, mw=MW, **params)
    p = replace(auto, pipeline="deep")
    p = replace(p, out_fifo_depth=max(p.nf, credits_for_full_rate(p.sf, int_mvau_write_delay(p))))
    assert not p.requant_serial
    assert p.requant_units == -(-p.pe // p.sf)
    # one more operand and one more product register, two more requantizer stages, and no
    # serial lane's cycles
    assert p.pipeline_delay == auto.pipeline_delay + 4 - auto.requant_serial
    x = random_inputs(rng, p, 5)
    check_outputs_and_cycles(p, x)
    _, got = simulate(p, x[:3], idle=0.3, backpressure=0.5, seed=params["pe"])
    np.testing.assert_array_equal(got, int_mvau(x[:3], p))


def test_deep_pipeline_packed_and_narrow():
    # dsp_packing with the packed operand in the second register, and a narrow requantizer
    # (18-bit saturated accumulator: two tiles instead of four)
    from hwgen.passes import narrow_requantizers
    rng = np.random.default_rng(61)
    p = random_mvau_params(rng, mh=8, mw=32, pe=4, simd=16, w_bits=8, in_bits=8,
                           in_signed=True)
    multiplier, shift = quantize_multiplier(2.0 ** -9 * rng.uniform(1.0, 2.0, size=8))
    (q,) = narrow_requantizers((replace(p, multiplier=multiplier, shift=shift,
                                        pipeline="deep"),))
    assert q.requant_acc_bits == 18 and IntMvau(params=q).packed_pairs == 2
    lo, hi = q.input_type.qmin, q.input_type.qmax
    x = np.concatenate([np.stack([np.full(32, lo), np.full(32, hi),
                                  np.where(q.weights[0] > 0, hi, lo)]),
                        rng.integers(lo // 4, hi // 4 + 1, size=(4, 32))])
    run, got = simulate(q, x)
    want = int_mvau(x, q)
    np.testing.assert_array_equal(got, want)
    assert {q.out_min, q.out_max} <= set(np.unique(want))
    timing = pipeline_timing([q], len(x))
    assert tuple(run.out_cycles) == timing.out_beats


def test_pipeline_value_is_checked():
    p = random_mvau_params(np.random.default_rng(0), mh=4, mw=4, pe=2, simd=2)
    with pytest.raises(Exception, match=r"layer '.*': pipeline = 'fast' is not valid; "
                                        r"valid: auto, deep"):
        replace(p, pipeline="fast")
