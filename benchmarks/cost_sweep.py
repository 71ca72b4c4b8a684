"""The cost-model sweep: small seeded designs over every block kind and its parameters.

Each point is ``(id, builder, arguments)``; :func:`build_point` turns it into a
:class:`~hwgen.backend.LoweredDesign` (FIFOs sized as the compiler sizes them) whose Verilog top
is the point's id. The same point always gives the same design (seeded from its id), so
benchmarks/fit_cost_model.py can cache synthesis results by point and rebuild the blocks to
fit or check the model without synthesising again. Points marked ``holdout`` are left out of
the fit and reported apart (benchmarks/bench_resources.py).

Sizes stay small (a few dozen MAC lanes, memories up to a few thousand words) so the whole
sweep synthesises in well under an hour on two cores.
"""

from __future__ import annotations

import functools
import itertools
import sys
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np

# the checkout's root: tests.fixtures holds the seeded block factories the sweep reuses
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hwgen.backend import LoweredDesign  # noqa: E402
from hwgen.ir import IntType, RequantRounding, TensorQuant
from hwgen.ir.binary import BIT
from hwgen.ir.block import DESIGN_INPUT
from hwgen.ir.blocks.depthwise import lower_depthwise
from hwgen.ir.blocks.eltwise_add import AddParams, add_constants
from hwgen.ir.blocks.sliding_window import SlidingWindowParams, window_lanes
from hwgen.ir.blocks.window_reduce import WindowReduceParams
from hwgen.ir.mx.types import MxElementType, MxQuant
from hwgen.passes import size_fifos
from hwgen.quant.multiplier import quantize_multiplier
from tests.fixtures.binary_factories import random_binary_params
from tests.fixtures.depthwise_factory import depthwise_layer
from tests.fixtures.factories import random_mvau_params
from tests.fixtures.mx_factories import make_mx_layer

__all__ = ["POINTS", "build_point", "point_ids"]

GEMM, SINGLE, EVEN = RequantRounding.GEMMLOWP, RequantRounding.SINGLE, RequantRounding.SINGLE_EVEN


def _int(mh, mw, pe, simd, w=8, a=8, signed=False, per_channel=True, rounding=GEMM,
         relu=False, out=8):
    return ("int_mvau", dict(mh=mh, mw=mw, pe=pe, simd=simd, w_bits=w, in_bits=a,
                             in_signed=signed, per_channel=per_channel, rounding=rounding.value,
                             relu=relu, out_bits=out))


def _bin(kind, mh, mw, pe, simd, act="threshold", a=8, bipolar=None, out=1, levels=False,
         acc_shift=0, rounding=None):
    extra = {} if not acc_shift else dict(acc_shift=acc_shift)
    if rounding is not None:
        extra["rounding"] = rounding
    return ("binary", dict(kind=kind, mh=mh, mw=mw, pe=pe, simd=simd, activation=act,
                           in_bits=a, bipolar_input=bipolar,
                           out_bits=out if act == "threshold" else 8, levels=levels, **extra))


def _mx(mh, mw, pe, simd, weights="mxfp4", inputs="uint8", outputs="int8", block=None):
    return ("mx", dict(mh=mh, mw=mw, pe=pe, simd=simd, weights=weights, inputs=inputs,
                       outputs=outputs, block=block))


def _conv(h, w, c, k, s, pads, out, pe, simd, wb=8, ab=8):
    return ("conv", dict(h=h, w=w, c=c, k=k, s=s, pads=pads, out=out, pe=pe, simd=simd,
                         w_bits=wb, in_bits=ab))


def _window(h, w, c, k, s, pads, lanes, bits=8, signed=True):
    return ("window", dict(h=h, w=w, c=c, k=k, s=s, pads=pads, lanes=lanes, bits=bits,
                           signed=signed))


def _pool(op, h, w, c, k, s, lanes, bits=8, signed=False):
    return ("pool", dict(op=op, h=h, w=w, c=c, k=k, s=s, lanes=lanes, bits=bits,
                         signed=signed))


#: (id, (builder, arguments), holdout)
POINTS = (
    # integer MVAUs: folding, weight and activation bits, per-channel / per-tensor, rounding
    ("i01", _int(16, 16, 1, 1), False),
    ("i02", _int(16, 16, 2, 4), False),
    ("i03", _int(32, 32, 4, 8), False),
    ("i04", _int(32, 64, 1, 32), False),
    ("i05", _int(10, 32, 5, 1), True),
    ("i06", _int(16, 32, 2, 8, signed=True, per_channel=False, rounding=SINGLE), False),
    ("i07", _int(16, 16, 4, 4, w=4, a=4), False),
    ("i08", _int(32, 32, 2, 16, w=4, a=8), False),
    ("i09", _int(16, 32, 4, 8, w=2, a=2), False),
    ("i10", _int(24, 24, 3, 6, w=3, a=6), True),
    ("i11", _int(16, 16, 2, 8, w=6, a=4, signed=True, per_channel=False), False),
    ("i12", _int(32, 32, 2, 16), False),
    ("i13", _int(64, 64, 1, 64), False),
    ("i14", _int(64, 128, 2, 4, w=4, a=4), False),
    ("i15", _int(128, 64, 1, 2), False),
    ("i16", _int(32, 32, 8, 4, w=2, a=8, rounding=SINGLE), True),
    ("i17", _int(16, 64, 1, 16, a=4, per_channel=False, relu=True), False),
    ("i18", _int(20, 40, 4, 5, w=5, a=5, rounding=EVEN), False),
    ("i19", _int(48, 96, 2, 8, w=8, a=8), True),
    ("i20", _int(8, 8, 1, 8, w=8, a=8, per_channel=False), False),
    # one step per fold (SF = 1): a requantizer lane per PE (the digits CNN's conv1 is 2)
    ("i21", _int(16, 16, 4, 16), False),
    ("i22", _int(8, 9, 2, 9), False),
    ("i23", _int(16, 32, 2, 32, w=4, a=8, rounding=SINGLE), True),
    ("i24", _int(24, 24, 3, 24, w=6, a=6), True),
    # tiny layers (a classifier's last few outputs): the fixed part of a block dominates
    ("i25", _int(4, 8, 1, 8), False),
    ("i26", _int(6, 4, 2, 2), True),
    # many requantizer lanes beside a small datapath (SIMD 2): per-fold, constant and
    # single-rounding lanes, a shared lane of two rounds, so the fit can tell a lane apart
    ("i27", _int(16, 2, 8, 2), False),
    ("i28", _int(16, 2, 8, 2, per_channel=False), False),
    ("i29", _int(32, 4, 8, 2), False),
    ("i30", _int(24, 4, 6, 4, w=6, a=6), True),
    ("i31", _int(16, 2, 8, 2, rounding=SINGLE), False),
    # the digits CNN explorer finalist's W4A4 conv2 (docs/explore.md: 16 x 72, PE 8, SIMD 8):
    # 64 int4 x int4 LUT multipliers a step on xcup, where the sweep's W4A4 points (i07, i14)
    # have 16 and 8. Held out: on ECP5 its products are MULT18X18D (from 2 x 2 bits up) whose
    # adder trees the model under-counts, and fitted it moved ECP5's shared coefficients (i26
    # and d02 beyond 15 %) while on xcup it was within 8 % before it was fitted
    ("i32", _int(16, 72, 8, 8, w=4, a=4), True),
    # and its W4A4 conv1 (8 x 9, PE 2, SIMD 9: a requantizer lane per PE), held out likewise
    ("i33", _int(8, 9, 2, 9, w=4, a=4), True),
    # the same two with signed int4 inputs, as the finalist has them (its activations' zero
    # point makes them int4): a signed-by-signed product left to LUTs, held out
    ("i34", _int(16, 72, 8, 8, w=4, a=4, signed=True), True),
    ("i35", _int(8, 9, 2, 9, w=4, a=4, signed=True), True),
    # the explorer's faster finalists' conv1 (PE 8 and PE 4 x SIMD 9, W4A4): weights constant
    # over the steps (NF = SF = 1) or of two values, so Yosys multiplies by constants; held out
    ("i36", _int(8, 9, 8, 9, w=4, a=4, signed=True), True),
    ("i37", _int(8, 9, 4, 9, w=4, a=4, signed=True), True),
    # the same conv1 shape at one step with PE 4 (4 x 9) and at two with PE 8 (16 x 9): the
    # sweep's only fitted int MVAUs of one or two steps with signed int4 codes, so that the
    # fit sees few-step blocks (no input select, no weight ROM) and their zero-shift lanes
    ("i38", _int(4, 9, 4, 9, w=4, a=4, signed=True), False),
    ("i39", _int(16, 9, 8, 9, w=4, a=4, signed=True), False),
    # XNOR, binary-weight and ternary MVAUs (FINN-R's cases 1 x 8 and 8 x 64 among them)
    ("b01", _bin("xnor", 32, 64, 1, 8), False),
    ("b02", _bin("xnor", 64, 64, 4, 16), False),
    ("b03", _bin("xnor", 16, 128, 2, 32, out=2), True),
    ("b04", _bin("xnor", 32, 32, 2, 8, act="requant"), False),
    ("b05", _bin("xnor", 64, 256, 8, 64), False),
    ("b06", _bin("xnor", 16, 64, 1, 8, out=2), False),
    # requantized with the accumulators' low 17 bits the bias preloads (acc_shift 16, round
    # half to even), as the binary MLP example's fc3: held out, it checks the measured
    # ``soft_ab_fold`` on iCE40 (its requantizer's rows over those bits)
    ("b07", _bin("xnor", 16, 64, 2, 8, act="requant", acc_shift=16, rounding=EVEN), True),
    ("bw1", _bin("bwn", 32, 64, 2, 8, act="requant"), False),
    ("bw2", _bin("bwn", 16, 32, 4, 4, a=4), True),
    ("bw3", _bin("bwn", 64, 64, 1, 16, act="requant", a=2), False),
    # a wide binary-weight tree (64 terms of 9 bits a PE, as the binary MLP example's fc1)
    ("bw4", _bin("bwn", 16, 128, 2, 64), False),
    ("t01", _bin("ternary", 32, 32, 2, 8, act="requant", levels=True), False),
    ("t02", _bin("ternary", 32, 64, 4, 8, bipolar=True), False),
    ("t03", _bin("ternary", 16, 32, 1, 16, a=4, out=2, levels=True), True),
    ("t04", _bin("ternary", 64, 64, 2, 16, act="requant", a=4), False),
    # a ternary MVAU on integer inputs with a threshold output, fitted (t03, held out, was the
    # only one: the fit could not tell its gated terms from the requantizing points')
    ("t05", _bin("ternary", 32, 64, 2, 8, a=6, out=2), False),
    # MX MVAUs: element formats, micro-exponents, int weights on MX inputs, MX outputs
    ("m01", _mx(16, 64, 2, 8), False),
    ("m02", _mx(16, 32, 2, 8, weights="mxfp8_e4m3"), False),
    ("m03", _mx(16, 32, 2, 8, weights="mxfp6_e2m3"), True),
    ("m04", _mx(16, 32, 2, 16, weights="mxint8"), False),
    ("m05", _mx(16, 32, 2, 8, weights="mx6"), False),
    ("m06", _mx(16, 32, 2, 8, weights="int8", inputs="mxfp8_e4m3", block=32), False),
    ("m07", _mx(32, 32, 2, 8, inputs="mxfp4", outputs="mxfp8_e4m3"), False),
    ("m08", _mx(32, 32, 1, 16, weights="mx9"), True),
    ("m09", _mx(16, 64, 4, 4, weights="mxfp8_e5m2"), False),
    # MX9 weights at the digits MX CNN's conv2 shape (16 x 72, PE 16 x SIMD 4, blocks of 12,
    # int8 inputs; the example runs MX6 there, the explorer offers MX9): fitted, so MX9's
    # sign-magnitude decode has a fitted point; m08 (MX9, PE 1 x SIMD 16) stays held out as
    # the check
    ("m10", _mx(16, 72, 16, 4, weights="mx9", inputs="int8", block=12), False),
    # MXFP4 at the MXFP4 MLP example's fc2 shape (32 x 64, PE 1 x SIMD 32, one block of 32
    # lanes: a 32-term block tree, where the sweep's other MX points have 4-16 terms; int8
    # inputs): held out, the check of the example's shape (fitted, with MXINT8's terms
    # counted as wires, it left the example's fc1 at +16 % on xcup: docs/synthesis.md)
    ("m11", _mx(32, 64, 1, 32, inputs="int8", block=32), True),
    # MX6 weights on MXFP8 (E4M3) inputs, one 16-lane block a beat (the digits MX example's
    # mx6+mxfp8_e4m3 row has this pair; its fc3 is one 8-lane block a beat): the check of the
    # MX-input block trees that m06 (fitted) and that fc3 measured (docs/synthesis.md), held out
    ("m12", _mx(16, 32, 1, 16, weights="mx6", inputs="mxfp8_e4m3", block=16), True),
    # the same with blocks of 8: two blocks a beat (the example's fc2 has two of 16), where
    # the MX-input trees cost what the others' do; held out, the check of that side
    ("m13", _mx(16, 32, 1, 16, weights="mx6", inputs="mxfp8_e4m3", block=8), True),
    # convolutions: a sliding window feeding an integer MVAU
    ("c01", _conv(8, 8, 3, 3, 1, (1, 1, 1, 1), 8, 2, 3), False),
    ("c02", _conv(6, 6, 8, 3, 1, (0, 0, 0, 0), 16, 4, 8), True),
    ("c03", _conv(7, 7, 4, 2, 2, (0, 0, 0, 0), 8, 1, 4, wb=4, ab=4), False),
    ("c04", _conv(12, 12, 1, 3, 1, (1, 1, 1, 1), 8, 8, 1), False),
    ("c05", _conv(8, 8, 3, 3, 1, (1, 1, 1, 1), 8, 2, 9), True),      # a kernel row per beat
    # sliding windows alone
    ("w01", _window(8, 8, 4, 3, 1, (1, 1, 1, 1), 2), False),
    ("w02", _window(12, 12, 16, 3, 2, (1, 1, 0, 0), 4, bits=4, signed=False), False),
    ("w03", _window(5, 5, 8, 5, 1, (2, 2, 2, 2), 8), True),
    ("w04", _window(16, 16, 2, 3, 1, (1, 1, 1, 1), 1, bits=1, signed=False), False),
    # parallel windows: a kernel row per beat (column banks), a whole patch (row banks too)
    ("w05", _window(8, 8, 3, 3, 1, (1, 1, 1, 1), 9), False),
    ("w06", _window(6, 6, 2, 3, 1, (1, 1, 1, 1), 18), False),
    ("w07", _window(8, 8, 4, 2, 2, (0, 0, 0, 0), 8), True),
    # pools: a sliding window feeding a window reduction, and global average pools
    ("p01", _pool("max", 8, 8, 8, 2, 2, 4), False),
    ("p02", _pool("avg", 6, 6, 4, 3, 1, 2), True),
    ("p03", _pool("gap", 4, 4, 16, 4, 1, 4), False),
    ("p04", _pool("max", 6, 6, 32, 3, 3, 8, bits=4), False),
    ("p05", _pool("gap", 3, 3, 8, 3, 1, 8, signed=True), False),
    # signed max pools (the digits CNN's pool1 is int8 signed; the explorer's 4-bit
    # activations are signed): int8, 4 lanes in 4 groups, fitted; 4-bit, 8 lanes, held out
    ("p06", _pool("max", 8, 8, 16, 2, 2, 4, signed=True), False),
    ("p07", _pool("max", 6, 6, 16, 2, 2, 8, bits=4, signed=True), True),
    # depthwise convolutions (window + depthwise unit)
    ("d01", ("depthwise", dict(image=(6, 6, 8), kernel=3, stride=1, pe=2)), False),
    ("d02", ("depthwise", dict(image=(5, 5, 4), kernel=3, stride=1, pe=4)), True),
    ("d03", ("depthwise", dict(image=(8, 8, 16), kernel=3, stride=2, pe=4)), False),
    # element-wise adds (both inputs from the design input: a fork with branch FIFOs)
    ("a01", ("add", dict(shape=(4, 4, 8), lanes=4)), False),
    ("a02", ("add", dict(shape=(2, 2, 16), lanes=8)), True),
    ("a03", ("add", dict(shape=(8, 8, 4), lanes=1)), False),
    # chains: width converters and input FIFOs between blocks
    ("g01", ("mlp", dict(sizes=(32, 16, 8), folding=((1, 8), (2, 4)))), False),
    ("g02", ("mlp", dict(sizes=(16, 24, 6), folding=((4, 2), (1, 8)))), False),
    # width converters whose held elements select among the shift and a load (8 -> 1: the
    # digits CNN's last), among loads at two bases (6 -> 4), or load only (2 -> 8)
    ("g03", ("mlp", dict(sizes=(16, 16, 8, 4), folding=((8, 4), (2, 1), (1, 8)))), False),
    ("g04", ("mlp", dict(sizes=(8, 12, 6), folding=((6, 8), (2, 4)))), True),
    ("g05", ("mlp", dict(sizes=(16, 8, 4), folding=((4, 4), (1, 2)))), False),
    # converters whose held elements pick among up to three ways (3 -> 8: loads at 0..7;
    # 5 -> 3: loads at 0, 1, 2 and the shift), a wide one (16 -> 1: a 5-bit count) and the
    # digits MLP's 2 -> 16 (eight loads, no shift): all held out, the converter features are
    # fitted on g01-g05 (and their MVAUs stay out of the other kinds' fit)
    ("g06", ("mlp", dict(sizes=(16, 24, 4), folding=((3, 4), (1, 8)))), True),
    ("g07", ("mlp", dict(sizes=(10, 15, 3), folding=((5, 2), (1, 3)))), True),
    ("g08", ("mlp", dict(sizes=(8, 16, 4), folding=((16, 2), (1, 1)))), True),
    ("g09", ("mlp", dict(sizes=(16, 32, 4), folding=((2, 4), (1, 16)))), True),
)


def point_ids(holdout: bool | None = None) -> list[str]:
    """Ids of every point, or only of the fitted (``holdout=False``) / held-out ones."""
    return [pid for pid, _, held in POINTS if holdout is None or held == holdout]


def _rng(pid: str):
    return np.random.default_rng(zlib.crc32(pid.encode()))


def _int_mvau(rng, *, rounding, **kw):
    return (random_mvau_params(rng, rounding=RequantRounding(rounding), **kw),)


def _binary(rng, *, kind, **kw):
    return (random_binary_params(rng, kind, **kw),)


def _mx_mvau(rng, **kw):
    return (make_mx_layer(rng, **kw),)


def _conv_blocks(rng, *, h, w, c, k, s, pads, out, pe, simd, w_bits, in_bits):
    ho = (h + pads[0] + pads[2] - k) // s + 1
    wo = (w + pads[1] + pads[3] - k) // s + 1
    mvau = random_mvau_params(rng, mh=out, mw=k * k * c, pe=pe, simd=simd, w_bits=w_bits,
                              in_bits=in_bits, name="conv")
    window = SlidingWindowParams(name="conv.window", height=h, width=w, channels=c, kernel=k,
                                 stride=s, pads=pads, element=mvau.input_type,
                                 pad_value=int(rng.integers(0, 8)),
                                 lanes=window_lanes(c, k, simd))
    return (window, replace(mvau, spatial=(ho, wo)))


def _window_block(rng, *, h, w, c, k, s, pads, lanes, bits, signed):
    element = BIT if bits == 1 else IntType(bits, signed)
    return (SlidingWindowParams(name="window", height=h, width=w, channels=c, kernel=k,
                                stride=s, pads=pads, element=element,
                                pad_value=int(rng.integers(element.qmin, element.qmax + 1)),
                                lanes=lanes),)


def _pool_blocks(rng, *, op, h, w, c, k, s, lanes, bits, signed):
    in_type = IntType(bits, signed)
    if op == "gap":
        positions, spatial, window = h * w, (), ()
    else:
        window = (SlidingWindowParams(name="pool.window", height=h, width=w, channels=c,
                                      kernel=k, stride=s, pads=(0, 0, 0, 0), element=in_type,
                                      pad_value=in_type.qmin, lanes=lanes),)
        positions, spatial = k * k, ((h - k) // s + 1, (w - k) // s + 1)
    if op == "max":
        reduce = WindowReduceParams(name="pool", positions=positions, channels=c,
                                    spatial=spatial, op="max", input_type=in_type,
                                    output_type=in_type, lanes=lanes)
    else:
        out = IntType(8, True)
        multiplier, shift = quantize_multiplier(float(rng.uniform(0.5, 1.5)) / positions)
        reduce = WindowReduceParams(
            name="pool", positions=positions, channels=c, spatial=spatial, op="avg",
            input_type=in_type, output_type=out, lanes=lanes,
            in_zero_point=int(rng.integers(in_type.qmin, in_type.qmax + 1)) // 2,
            multiplier=int(multiplier), shift=int(shift), rounding=SINGLE,
            out_zero_point=int(rng.integers(-5, 6)), out_min=out.qmin, out_max=out.qmax)
    return window + (reduce,)


def _depthwise_blocks(rng, *, image, kernel, stride, pe):
    layer = depthwise_layer(int(rng.integers(1 << 16)), image=image, kernel=kernel,
                            stride=stride, pads=(1, 1, 1, 1), pe=pe)
    return lower_depthwise(layer, pe)


def _add_block(rng, *, shape, lanes):
    a = TensorQuant(IntType(8, True), float(rng.uniform(0.01, 0.05)), int(rng.integers(-9, 10)))
    b = TensorQuant(IntType(8, True), float(rng.uniform(0.01, 0.05)),
                    int(rng.integers(-3, 4)))
    out = TensorQuant(IntType(8, True), 0.08, int(rng.integers(-9, 10)))
    a_factor, b_factor, multiplier, shift = add_constants(a, b, out)
    return (AddParams(name="add", shape=shape, lanes=lanes, a_type=a.dtype, b_type=b.dtype,
                      output_type=out.dtype, a_zero_point=a.zero_point,
                      b_zero_point=b.zero_point, a_factor=a_factor, b_factor=b_factor,
                      multiplier=multiplier, shift=shift, rounding=SINGLE,
                      out_zero_point=out.zero_point, out_min=out.zero_point,
                      out_max=out.dtype.qmax),)


def _mlp_blocks(rng, *, sizes, folding):
    blocks = []
    layers = zip(itertools.pairwise(sizes), folding, strict=True)
    for i, ((n_in, n_out), (pe, simd)) in enumerate(layers):
        blocks.append(random_mvau_params(rng, mh=n_out, mw=n_in, pe=pe, simd=simd,
                                         in_bits=8, in_signed=i > 0, name=f"fc{i + 1}"))
    return tuple(blocks)


_BUILDERS = {"int_mvau": _int_mvau, "binary": _binary, "mx": _mx_mvau, "conv": _conv_blocks,
             "window": _window_block, "pool": _pool_blocks, "depthwise": _depthwise_blocks,
             "add": _add_block, "mlp": _mlp_blocks}


def _quant(element):
    """A quantization of the design's input / output stream (the sweep never uses it)."""
    if isinstance(element, MxElementType):
        return MxQuant(element.format, element.block_size)
    return TensorQuant(element, 1.0, max(element.qmin, 0))


@functools.cache
def build_point(pid: str) -> LoweredDesign:
    """The design of sweep point ``pid``, its Verilog top named ``pid``."""
    (builder, kwargs), = [spec for p, spec, _ in POINTS if p == pid]
    blocks = _BUILDERS[builder](_rng(pid), **kwargs)
    if builder == "add":
        edges = ((DESIGN_INPUT, DESIGN_INPUT),)
    else:
        edges = tuple((i - 1,) for i in range(len(blocks)))
    blocks = size_fifos(blocks, edges)
    return LoweredDesign(name=pid, blocks=blocks, edges=edges, top=pid,
                         input_quant=_quant(blocks[0].input_format.element),
                         output_quant=_quant(blocks[-1].output_format.element))
