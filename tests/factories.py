"""Random but realistic layers for tests (seeded)."""

from __future__ import annotations

import math

import numpy as np

from hwgen.ir import IntMvauParams, IntType, RequantRounding
from hwgen.quant.multiplier import quantize_multiplier


def random_mvau_params(rng, *, mh, mw, pe, simd, w_bits=4, in_bits=8, in_signed=False,
                       out_bits=8, out_signed=True, per_channel=True, relu=False,
                       rounding=RequantRounding.GEMMLOWP, out_fifo_depth=None,
                       in_fifo_depth=0, name="layer"):
    """An IntMvauParams whose outputs spread over the output range for random inputs."""
    w_type = IntType(w_bits, True)
    in_type = IntType(in_bits, in_signed)
    out_type = IntType(out_bits, out_signed)
    weights = rng.integers(w_type.qmin, w_type.qmax + 1, size=(mh, mw))
    x_rms = math.sqrt(np.mean(np.arange(in_type.qmin, in_type.qmax + 1) ** 2.0))
    w_rms = max(1.0, math.sqrt(np.mean(weights ** 2.0)))
    acc_std = max(1.0, math.sqrt(mw) * w_rms * x_rms)
    acc_bias = rng.integers(-int(acc_std), int(acc_std) + 1, size=mh)
    target = (out_type.qmax - out_type.qmin) / (6.0 * acc_std)
    if per_channel:
        m = target * rng.uniform(0.5, 2.0, size=mh)
    else:
        m = np.full(mh, target * rng.uniform(0.5, 2.0))
    multiplier, shift = quantize_multiplier(m)
    zero_point = int(rng.integers(out_type.qmin, out_type.qmax + 1)) // 2 if out_signed else \
        int(rng.integers(0, out_type.qmax // 2 + 1))
    zero_point = min(max(zero_point, out_type.qmin), out_type.qmax)
    nf, sf = mh // pe, mw // simd
    if out_fifo_depth is None:
        out_fifo_depth = max(nf, 1 + math.ceil(6 / sf))
    return IntMvauParams(
        name=name, weights=weights, weight_type=w_type, input_type=in_type,
        output_type=out_type, acc_bias=acc_bias, multiplier=multiplier, shift=shift,
        rounding=rounding, out_zero_point=zero_point,
        out_min=max(out_type.qmin, zero_point) if relu else out_type.qmin,
        out_max=out_type.qmax, pe=pe, simd=simd, out_fifo_depth=out_fifo_depth,
        in_fifo_depth=in_fifo_depth)


def random_inputs(rng, p: IntMvauParams, n: int) -> np.ndarray:
    return rng.integers(p.input_type.qmin, p.input_type.qmax + 1, size=(n, p.mw))
