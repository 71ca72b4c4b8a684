# amaranth: UnusedElaboratable=no
"""MX convolutions (sliding window + MX MVAU) in Amaranth's simulator: every output equals the
golden model and every transfer happens in the cycle the model says; again under random idle
input and backpressure (outputs only). The grid covers kernels 1 / 3, strides 1 / 2, padding
0 / 1 (and asymmetric), odd sizes, every MX weight format and PE x SIMD inside, equal to and
across blocks."""

import numpy as np
import pytest

from hwgen.compiler import compile_graph
from hwgen.golden import run_pipeline
from hwgen.hw.accelerator import Accelerator
from hwgen.ir import Graph
from hwgen.ir.packing import pack_words, unpack_words
from hwgen.perf import pipeline_timing
from hwgen.sim.amaranth_tb import run_stream_component
from tests.fixtures.mx_cnn_factory import mx_conv_layer

# (h, w, c, kernel, stride, pads, out channels, format, block, PE, SIMD)
CASES = [
    (5, 5, 2, 3, 1, (1, 1, 1, 1), 4, "mxfp4", 6, 2, 6),           # SIMD = block
    (7, 6, 3, 3, 2, (1, 1, 1, 1), 3, "mxfp8_e4m3", 27, 3, 9),     # SIMD inside a block
    (6, 7, 4, 1, 1, (0, 0, 0, 0), 6, "mx6", 4, 2, 4),             # 1x1 kernel
    (5, 5, 5, 1, 2, (0, 0, 0, 0), 2, "mxint8", 5, 1, 5),          # 1x1, stride 2
    (7, 5, 2, 3, 2, (0, 0, 0, 0), 4, "mxfp6_e3m2", 9, 4, 3),      # blocks straddle taps
    (5, 7, 4, 3, 1, (1, 0, 1, 1), 5, "mx9", 12, 5, 12),           # asymmetric padding
    (4, 4, 8, 3, 1, (1, 1, 1, 1), 4, "mxfp8_e5m2", 4, 2, 8),      # SIMD across two blocks
    (3, 5, 2, 3, 1, (0, 0, 0, 0), 2, "mx4", 6, 1, 2),             # odd sizes, SIMD 2
    (5, 5, 3, 3, 1, (1, 1, 1, 1), 3, "mxfp6_e2m3", 3, 1, 9),      # SIMD = 3 blocks
]


def case_id(c):
    return "h{}w{}c{}k{}s{}p{}-o{}-{}-b{}-pe{}simd{}".format(*c[:5], "".join(map(str, c[5])),
                                                             *c[6:])


def design_for(case):
    h, w, c, k, s, pads, out, fmt, block, pe, simd = case
    rng = np.random.default_rng(sum(case[:5]) + out * 31 + block)
    layer = mx_conv_layer(rng, h=h, w=w, c=c, k=k, stride=s, pads=pads, out=out, fmt=fmt,
                          block=block, pe=pe, simd=simd, relu=bool(out % 2))
    design = compile_graph(Graph("mx_conv", [layer]))
    x = rng.integers(-128, 128, (3, h, w, c))
    return design, x


def simulate(design, x, **kwargs):
    fi, fo = design.input_format, design.output_format
    golden = run_pipeline(design.blocks, x)
    run = run_stream_component(Accelerator(blocks=design.blocks),
                               pack_words(x.reshape(-1, fi.lanes), fi.element.bits),
                               len(x) * design.beats_out_per_inference, **kwargs)
    got = unpack_words(run.out_words, fo.lanes, fo.element.bits, True).reshape(golden.shape)
    return run, got, golden


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_mx_conv_exact(case):
    design, x = design_for(case)
    mvau = design.blocks[-1]
    assert (mvau.pe, mvau.simd, mvau.weight_format) == (case[9], case[10], case[7])
    run, got, golden = simulate(design, x)
    np.testing.assert_array_equal(got, golden)
    timing = pipeline_timing(design.blocks, len(x))
    assert tuple(run.in_cycles) == timing.in_beats
    assert tuple(run.out_cycles) == timing.out_beats


@pytest.mark.parametrize("case", CASES[1::3], ids=case_id)
def test_mx_conv_under_stalls(case):
    design, x = design_for(case)
    _, got, golden = simulate(design, x[:2], idle=0.3, backpressure=0.5, seed=5)
    np.testing.assert_array_equal(got, golden)
