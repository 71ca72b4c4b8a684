# amaranth: UnusedElaboratable=no
"""MxMvau in Amaranth's simulator over a PE x SIMD grid: outputs equal the golden model and
every transfer happens in the cycle the cycle model gives, on random and edge blocks."""

import itertools
from dataclasses import replace

import numpy as np
import pytest

from hwgen.golden.mx_mvau import mx_mvau
from hwgen.hw.mx.mvau import MxMvau
from hwgen.ir.packing import pack_words, unpack_words
from hwgen.perf.mx_mvau import mx_credits_for_full_rate, mx_isolated_latency, mx_mvau_processes
from hwgen.sim.amaranth_tb import run_stream_component
from tests.fixtures.block_runs import modelled_transfers
from tests.fixtures.mx_factories import make_mx_layer, random_mx_inputs

MH, MW, BLOCK = 8, 16, 8
FOLDINGS = list(itertools.product([1, 2, 4, 8], [2, 4, 8, 16]))
WEIGHTS = ["mxfp4", "mxfp6_e2m3", "mxfp6_e3m2", "mxfp8_e4m3", "mxfp8_e5m2", "mxint8", "mx4",
           "mx6", "mx9", "int8"]
INPUTS = ["uint8", "mxfp8_e4m3", "int8", "mx6", "mxfp4", "mxint8", "mxfp6_e3m2", "mx9",
          "mxfp8_e5m2", "uint4", "mxfp6_e2m3"]
OUTPUTS = ["int8", "mxfp4", "int8", "mx9", "mxfp8_e4m3", "int4", "mxint8", "mx4",
           "mxfp6_e3m2", "mxfp8_e5m2", "mx6", "mxfp6_e2m3"]
# Shared exponents of weights and MX inputs: mid range, the minimum, the maximum.
EXPONENTS = [((118, 124), (120, 126)), ((0, 5), (249, 254)), ((248, 254), (0, 6))]


def case(index, pe, simd):
    """Rotate formats, exponent ranges, ReLU and rounding across the foldings."""
    return dict(pe=pe, simd=simd, weights=WEIGHTS[index % len(WEIGHTS)],
                inputs=INPUTS[index % len(INPUTS)], outputs=OUTPUTS[index % len(OUTPUTS)],
                exponents=EXPONENTS[index % 3], relu=index % 4 == 1,
                rounding="half_away" if index % 3 == 2 else "half_even",
                out_block=4 if index % 2 else 8)


CASES = [case(i, pe, simd) for i, (pe, simd) in enumerate(FOLDINGS)]


def params_for(c, rng, *, depth=None):
    w_exp, in_window = c["exponents"]
    p = make_mx_layer(rng, mh=MH, mw=MW, pe=c["pe"], simd=c["simd"], weights=c["weights"],
                      block=BLOCK, inputs=c["inputs"], outputs=c["outputs"],
                      out_block=c["out_block"], relu=c["relu"], rounding=c["rounding"],
                      w_exp=w_exp, in_window=in_window, edge_rows=c["weights"] != "int8")
    if depth is None:
        depth = max(p.nf, mx_credits_for_full_rate(p))
    return replace(p, out_fifo_depth=depth)


def simulate(p, x, **kwargs):
    run = run_stream_component(MxMvau(params=p), pack_words(x.reshape(-1, p.simd),
                                                            p.input_type.bits),
                               len(x) * p.nf, **kwargs)
    out = unpack_words(run.out_words, p.pe, p.output_type.bits, p.output_type.signed)
    return run, out.reshape(len(x), p.mh)


def cycle_model(p, vectors):
    return modelled_transfers(lambda s, a, b: mx_mvau_processes(s, p, a, b, vectors),
                              vectors * p.sf, vectors * p.nf)


def label(c):
    return "pe{pe}-simd{simd}-{weights}-{inputs}-{outputs}".format(**c)


@pytest.mark.parametrize("c", CASES, ids=label)
def test_outputs_and_cycles_exact(c):
    rng = np.random.default_rng(c["pe"] * 100 + c["simd"])
    p = params_for(c, rng)
    x = random_mx_inputs(rng, p, 6, edges=True)
    run, got = simulate(p, x)
    np.testing.assert_array_equal(got, mx_mvau(x, p))
    in_beats, out_beats = cycle_model(p, len(x))
    assert tuple(run.in_cycles) == in_beats
    assert tuple(run.out_cycles) == out_beats
    assert out_beats[p.nf - 1] - in_beats[0] == mx_isolated_latency(p)


@pytest.mark.parametrize("c", CASES[::4], ids=label)
def test_outputs_under_idle_and_backpressure(c):
    rng = np.random.default_rng(7 + c["pe"] + 10 * c["simd"])
    p = params_for(c, rng)
    x = random_mx_inputs(rng, p, 5, edges=True)
    _, got = simulate(p, x, idle=0.3, backpressure=0.5, seed=c["simd"])
    np.testing.assert_array_equal(got, mx_mvau(x, p))


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_small_output_fifo_cycles_follow_model(depth):
    # Few credits: the engine waits for the output to drain; MX blocks of 8 over PE 4 need
    # two FIFO slots, so the MX case starts at depth 2.
    rng = np.random.default_rng(depth)
    c = dict(CASES[1], pe=4, simd=16, outputs="mxfp4" if depth > 1 else "int8", out_block=8)
    p = params_for(c, rng, depth=depth)
    x = random_mx_inputs(rng, p, 4)
    run, got = simulate(p, x)
    np.testing.assert_array_equal(got, mx_mvau(x, p))
    assert (tuple(run.in_cycles), tuple(run.out_cycles)) == cycle_model(p, len(x))


def test_rejects_non_params():
    with pytest.raises(TypeError, match="params must be an instance of MxMvauParams, not"):
        MxMvau(params={"pe": 1})
