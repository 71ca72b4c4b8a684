"""Random binary and ternary MVAU parameters for tests (seeded)."""

from __future__ import annotations

import math

import numpy as np

from hwgen.ir import IntType, RequantRounding
from hwgen.ir.binary import BIT, Activation
from hwgen.ir.binary_params import (BinaryWeightMvauParams, TernaryMvauParams,
                                    XnorMvauParams)
from hwgen.quant.multiplier import quantize_multiplier

KINDS = {"xnor": XnorMvauParams, "bwn": BinaryWeightMvauParams, "ternary": TernaryMvauParams}


def _reference_acc(kind, weights, bias, levels, in_type, bipolar, x, acc_shift=0):
    """acc = bias + 2**s sum c v, written out independently of the code under test."""
    lp, ln = levels
    c = np.where(weights > 0, lp[:, None], np.where(weights < 0, -ln[:, None], 0))
    v = 2 * x - 1 if bipolar else x
    return (v @ c.T) * 2 ** acc_shift + bias


def random_inputs(rng, p, n):
    lo, hi = (0, 1) if p.input_bipolar else (p.input_type.qmin, p.input_type.qmax)
    return rng.integers(lo, hi + 1, size=(n,) + tuple(p.input_shape))


def random_binary_params(rng, kind, *, mh, mw, pe, simd, activation="threshold", in_bits=8,
                         in_signed=False, bipolar_input=None, out_bits=1, out_signed=False,
                         levels=False, descending=0.3, per_channel=True, relu=False,
                         rounding=RequantRounding.GEMMLOWP, out_fifo_depth=None,
                         in_fifo_depth=0, name="layer", spatial=(), acc_shift=0):
    """Parameters whose outputs vary for random inputs.

    Thresholds are drawn from accumulators of random inputs, so ties (acc == t) occur; with
    ``out_bits == 1`` and unsigned output the activation is a bipolar sign.
    """
    cls = KINDS[kind]
    bipolar = kind == "xnor" if bipolar_input is None else bipolar_input
    codes = (-1, 0, 1) if kind == "ternary" else (-1, 1)
    weights = rng.choice(codes, size=(mh, mw))
    in_type = BIT if bipolar else IntType(in_bits, in_signed)
    lp = rng.integers(1, 6, mh) if levels else np.ones(mh, dtype=np.int64)
    ln = rng.integers(1, 6, mh) if levels else np.ones(mh, dtype=np.int64)
    bias = rng.integers(-3 << acc_shift, (3 << acc_shift) + 1, mh)
    probe_lo, probe_hi = (0, 1) if bipolar else (in_type.qmin, in_type.qmax)
    probe = rng.integers(probe_lo, probe_hi + 1, size=(64, mw))
    acc = _reference_acc(kind, weights, bias, (lp, ln), in_type, bipolar, probe, acc_shift)
    common = dict(name=name, weights=weights, input_type=in_type, bias=bias, pe=pe, simd=simd,
                  input_bipolar=bipolar, in_fifo_depth=in_fifo_depth, spatial=spatial,
                  acc_shift=acc_shift)
    if kind == "ternary":
        common.update(level_pos=lp, level_neg=ln)
    nf, sf = mh // pe, mw // simd
    common["out_fifo_depth"] = out_fifo_depth or max(nf, 1 + math.ceil(6 / sf))
    if activation == "threshold":
        out_type = IntType(out_bits, out_signed)
        count = (1 << out_bits) - 1
        thresholds = np.stack([rng.choice(acc[:, i], size=count) for i in range(mh)])
        down = (rng.random(mh) < descending).astype(np.int64)
        return cls(activation=Activation.THRESHOLD, output_type=out_type,
                   thresholds=thresholds, descending=down, out_offset=out_type.qmin, **common)
    out_type = IntType(out_bits, out_signed)
    spread = max(1.0, float(acc.std()))
    target = (out_type.qmax - out_type.qmin) / (6.0 * spread)
    m = target * (rng.uniform(0.5, 2.0, size=mh) if per_channel else np.ones(mh))
    multiplier, shift = quantize_multiplier(m)
    zero_point = 0 if not out_signed else int(rng.integers(-4, 5))
    return cls(activation=Activation.REQUANT, output_type=out_type, multiplier=multiplier,
               shift=shift, rounding=rounding, out_zero_point=zero_point,
               out_min=max(out_type.qmin, zero_point) if relu else out_type.qmin,
               out_max=out_type.qmax, **common)
