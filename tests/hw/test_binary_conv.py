# amaranth: UnusedElaboratable=no
"""Binary and ternary convolutions (sliding window + XNOR / binary-weight / ternary MVAU) in
Amaranth's simulator: every output equals the golden model and every transfer happens when
the cycle model says; under random idle and backpressure the outputs still match."""

import numpy as np
import pytest

from hwgen.compiler import compile_graph
from hwgen.golden import run_pipeline
from hwgen.hw.accelerator import Accelerator
from hwgen.ir import Folding, Graph
from hwgen.ir.layers.conv import QuantPool
from hwgen.ir.packing import pack_words, unpack_words
from hwgen.perf import pipeline_timing
from hwgen.sim.amaranth_tb import run_stream_component
from tests.fixtures.binary_conv_factory import binary_cnn_graph, random_binary_conv, random_codes

# (kind, image (h, w, c), out channels, kernel, stride, pad, pe, simd, activation, out bits)
# kernels 1 / 3, strides 1 / 2, pads 0 / 1 (bipolar inputs pad with -1), odd sizes, channel
# counts that are not powers of two, SIMD below, at and above a pixel's channels.
CASES = [
    ("xnor", (5, 5, 3), 4, 3, 1, 1, 2, 9, "threshold", 1),
    ("xnor", (7, 6, 5), 6, 3, 2, 0, 3, 5, "threshold", 2),
    ("xnor", (5, 7, 3), 5, 1, 1, 0, 5, 3, "threshold", 1),
    ("xnor", (6, 5, 6), 4, 3, 2, 1, 4, 6, "requant", 8),
    ("bwn", (5, 5, 3), 4, 3, 1, 1, 4, 3, "threshold", 1),
    ("bwn", (7, 5, 3), 6, 3, 2, 1, 2, 9, "requant", 8),
    ("bwn", (5, 6, 5), 3, 1, 2, 0, 3, 5, "threshold", 2),
    ("ternary", (5, 5, 3), 5, 3, 1, 1, 5, 3, "requant", 8),
    ("ternary", (6, 7, 2), 4, 3, 2, 0, 2, 6, "threshold", 1),
    ("ternary-bipolar", (5, 5, 5), 3, 3, 1, 1, 3, 15, "threshold", 2),
    ("ternary-bipolar", (7, 7, 3), 4, 1, 2, 0, 1, 3, "requant", 8),
]


def _ids(case):
    kind, (h, w, c), out, k, s, pad, pe, simd, act, bits = case
    return f"{kind}-{h}x{w}x{c}-o{out}-k{k}s{s}p{pad}-pe{pe}simd{simd}-{act}{bits}"


def build(case, seed):
    kind, image, out, k, s, pad, pe, simd, act, bits = case
    rng = np.random.default_rng(seed)
    layer = random_binary_conv(rng, kind, image=image, out_channels=out, kernel=k, stride=s,
                               pads=pad, activation=act, out_bits=bits,
                               levels=kind == "ternary", folding=Folding(pe=pe, simd=simd))
    return compile_graph(Graph(name="bconv", layers=(layer,))), layer, rng


def simulate(design, x, **kwargs):
    fin, fout = design.input_format, design.output_format
    run = run_stream_component(
        Accelerator(blocks=design.blocks),
        pack_words(x.reshape(-1, fin.lanes), fin.element.bits),
        len(x) * design.beats_out_per_inference, **kwargs)
    got = unpack_words(run.out_words, fout.lanes, fout.element.bits, fout.element.signed)
    return run, got


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_binary_conv_outputs_and_cycles_exact(case):
    design, layer, rng = build(case, sum(map(ord, _ids(case))))
    x = random_codes(rng, layer, 3)
    golden = run_pipeline(design.blocks, x, edges=design.edges)
    assert len(np.unique(golden)) > 1, "a constant output would test little"
    run, got = simulate(design, x)
    np.testing.assert_array_equal(got.reshape(golden.shape), golden)
    timing = pipeline_timing(design.blocks, len(x), design.edges)
    assert tuple(run.in_cycles) == timing.in_beats
    assert tuple(run.out_cycles) == timing.out_beats


@pytest.mark.parametrize("case", CASES[::2], ids=_ids)
def test_binary_conv_under_idle_and_backpressure(case):
    design, layer, rng = build(case, 7 + sum(map(ord, _ids(case))))
    x = random_codes(rng, layer, 2)
    golden = run_pipeline(design.blocks, x, edges=design.edges)
    _, got = simulate(design, x, idle=0.3, backpressure=0.5, seed=len(_ids(case)))
    np.testing.assert_array_equal(got.reshape(golden.shape), golden)


def test_binary_cnn_pipeline_exact():
    graph = binary_cnn_graph(4)
    design = compile_graph(graph, max_macs=24)
    x = random_codes(np.random.default_rng(1), graph.layers[0], 3)
    golden = run_pipeline(design.blocks, x, edges=design.edges)
    run, got = simulate(design, x)
    np.testing.assert_array_equal(got.reshape(golden.shape), golden)
    timing = pipeline_timing(design.blocks, len(x), design.edges)
    assert tuple(run.in_cycles) == timing.in_beats
    assert tuple(run.out_cycles) == timing.out_beats


def test_max_pool_of_bipolar_bits_between_xnor_convs():
    """XNOR conv (bipolar out) -> 2x2 max pool of the bits (stride 2, pad 1: the pad is the
    bit of -1) -> XNOR conv: FINN CNV's pooling of sign activations."""
    rng = np.random.default_rng(11)
    c1 = random_binary_conv(rng, "xnor", image=(5, 5, 3), out_channels=4, kernel=3, pads=1,
                            name="c1")
    pool = QuantPool(name="pool", op="max", input_shape=(5, 5, 4), input_quant=c1.output_quant,
                     output_quant=c1.output_quant, kernel=2, stride=2, pads=(1, 1, 0, 0))
    c2 = random_binary_conv(rng, "xnor", image=(3, 3, 4), out_channels=5, kernel=3,
                            out_bits=2, name="c2").replace(input_quant=c1.output_quant)
    design = compile_graph(Graph(name="pooled", layers=(c1, pool, c2)), max_macs=16)
    assert [b.kind for b in design.blocks][2:4] == ["sliding_window", "window_reduce"]
    assert design.blocks[2].pad_value == 0 and design.blocks[2].element.bits == 1
    x = random_codes(rng, c1, 3)
    golden = run_pipeline(design.blocks, x, edges=design.edges)
    # the pool's output is the max of the bipolar values, i.e. of the bits
    mid = run_pipeline(design.blocks[:2], x)
    padded = np.pad(mid, ((0, 0), (1, 0), (1, 0), (0, 0)), constant_values=0)
    want_pool = np.zeros((3, 3, 3, 4), dtype=np.int64)
    for i in range(3):
        for j in range(3):
            want_pool[:, i, j] = padded[:, 2 * i:2 * i + 2, 2 * j:2 * j + 2].max(axis=(1, 2))
    np.testing.assert_array_equal(run_pipeline(design.blocks[:4], x), want_pool)
    run, got = simulate(design, x)
    np.testing.assert_array_equal(got.reshape(golden.shape), golden)
    timing = pipeline_timing(design.blocks, len(x), design.edges)
    assert tuple(run.in_cycles) == timing.in_beats
    assert tuple(run.out_cycles) == timing.out_beats
