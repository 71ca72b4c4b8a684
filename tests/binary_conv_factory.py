"""Random binary and ternary convolutions (IR layers) for tests, and an independent float
reference of their accumulators (seeded)."""

from __future__ import annotations

import numpy as np

from hwgen.ir import BipolarQuant, Folding, Graph, IntType, TensorQuant
from hwgen.ir.binary import RequantActivation, ThresholdActivation
from hwgen.ir.binary_conv import BinaryConv

#: kind -> (weight format, bipolar input)
KINDS = {"xnor": ("bipolar", True), "bwn": ("bipolar", False), "ternary": ("ternary", False),
         "ternary-bipolar": ("ternary", True)}


def input_values(layer, codes) -> np.ndarray:
    """Real-valued inputs (in units of the input scale) of stored codes: +-1 or q - Z."""
    codes = np.asarray(codes, dtype=np.float64)
    if isinstance(layer.input_quant, BipolarQuant):
        return 2 * codes - 1
    return codes - layer.input_quant.zero_point


def reference_acc(layer, codes) -> np.ndarray:
    """``acc`` of every output pixel, ``(N, Ho, Wo, out)``, computed in float64 by a loop over
    output pixels and kernel taps: padded positions hold -1 (bipolar) or 0 (integer)."""
    v = input_values(layer, codes)
    n, h, w, c = v.shape
    top, left, bottom, right = layer.pads
    pad = -1.0 if isinstance(layer.input_quant, BipolarQuant) else 0.0
    padded = np.full((n, h + top + bottom, w + left + right, c), pad)
    padded[:, top:top + h, left:left + w] = v
    w_codes = layer.weights.astype(np.float64)
    levels = np.where(w_codes > 0, layer.level_pos[:, None, None, None],
                      np.where(w_codes < 0, -layer.level_neg[:, None, None, None], 0))
    ho, wo, out = layer.output_shape
    k, s = layer.kernel, layer.stride
    acc = np.zeros((n, ho, wo, out))
    for oy in range(ho):
        for ox in range(wo):
            patch = padded[:, oy * s:oy * s + k, ox * s:ox * s + k, :]     # (N, k, k, c)
            acc[:, oy, ox] = np.einsum("nyxc,oyxc->no", patch, levels)
    return acc * 2 ** layer.acc_shift + layer.bias


def random_codes(rng, layer, n) -> np.ndarray:
    q = layer.input_quant
    lo, hi = (0, 1) if isinstance(q, BipolarQuant) else (q.dtype.qmin, q.dtype.qmax)
    return rng.integers(lo, hi + 1, (n,) + layer.input_shape)


def random_binary_conv(rng, kind, *, image, out_channels, kernel, stride=1, pads=0,
                       activation="threshold", out_bits=1, levels=False, folding=None,
                       in_bits=8, in_signed=False, zero_point=None, name="conv"):
    """A :class:`BinaryConv` whose outputs vary for random inputs.

    Thresholds are drawn from accumulators of random inputs (ties occur); ``out_bits = 1``
    with a threshold activation gives a bipolar output.
    """
    fmt, bipolar = KINDS[kind]
    c = image[2]
    codes = (-1, 0, 1) if fmt == "ternary" else (-1, 1)
    weights = rng.choice(codes, size=(out_channels, kernel, kernel, c))
    if bipolar:
        in_q = BipolarQuant(0.5)
    else:
        dtype = IntType(in_bits, in_signed)
        z = zero_point if zero_point is not None else int(rng.integers(dtype.qmin,
                                                                       dtype.qmax + 1) // 2)
        in_q = TensorQuant(dtype, 0.02, z)
    lp = rng.integers(1, 5, out_channels) if levels else None
    ln = rng.integers(1, 5, out_channels) if levels else None
    pads = (pads,) * 4 if isinstance(pads, int) else tuple(pads)
    common = dict(name=name, weights=weights, weight_format=fmt,
                  weight_scale=rng.uniform(0.5, 2.0, out_channels),
                  bias=rng.integers(-3, 4, out_channels), input_quant=in_q,
                  input_shape=tuple(image), stride=stride, pads=pads, level_pos=lp,
                  level_neg=ln, folding=folding)
    # A provisional activation to read the accumulators of random inputs.
    probe_layer = BinaryConv(activation=ThresholdActivation(
        np.zeros((out_channels, 1), np.int64), np.zeros(out_channels, np.int64),
        BipolarQuant()), **common)
    acc = reference_acc(probe_layer, random_codes(rng, probe_layer, 4)).reshape(-1,
                                                                                out_channels)
    if activation == "threshold":
        count = (1 << out_bits) - 1
        t = np.stack([rng.choice(acc[:, i], size=count) for i in range(out_channels)])
        down = (rng.random(out_channels) < 0.3).astype(np.int64)
        out_q = BipolarQuant() if out_bits == 1 else TensorQuant(IntType(out_bits, False),
                                                                 0.1, 0)
        act = ThresholdActivation(t.astype(np.int64), down, out_q, 0)
    else:
        spread = max(1.0, float(acc.std()))
        # M = weight_scale * S_X / S_Y: choose S_Y so that +-3 spreads fill int8.
        s_y = float(np.median(common["weight_scale"])) * in_q.scale * 6 * spread / 255
        act = RequantActivation(TensorQuant(IntType(8, True), s_y, int(rng.integers(-5, 6))),
                                relu=bool(rng.random() < 0.5))
    return BinaryConv(activation=act, **common)


def with_folding(layer, pe, simd):
    return layer.replace(folding=Folding(pe=pe, simd=simd))


def binary_cnn_graph(seed=0):
    """int8 pixels -> BWN conv (pad 1, bipolar out) -> XNOR conv (pad 1 with -1, stride 2,
    2-bit out) -> ternary conv (int8 out): the interfaces between the kinds."""
    rng = np.random.default_rng(seed)
    c1 = random_binary_conv(rng, "bwn", image=(6, 6, 3), out_channels=6, kernel=3, pads=1,
                            in_bits=8, zero_point=0, name="c1")
    c2 = random_binary_conv(rng, "xnor", image=(6, 6, 6), out_channels=5, kernel=3, stride=2,
                            pads=1, out_bits=2, name="c2")
    c2 = c2.replace(input_quant=c1.output_quant)
    c3 = random_binary_conv(rng, "ternary", image=(3, 3, 5), out_channels=4, kernel=3,
                            activation="requant", in_bits=2, zero_point=0, name="c3")
    c3 = c3.replace(input_quant=c2.output_quant)
    return Graph(name="bcnn", layers=(c1, c2, c3))
