"""The add of two branches: hwgen's golden model against onnxruntime's QLinearAdd.

onnxruntime fuses ``DQ(a), DQ(b) -> Add -> Q`` into QLinearAdd and computes it in float32.
Its x86 AVX2 kernel (MLAS ``MlasQLinearAddKernelAvx2Helper``; reproduced here bit for bit on
every code pair, tests/unit/frontend/test_qdq_branches.py) rounds the scale ratios to float32
and folds the zero points into one constant::

    r_a = f32(S_a / S_y),  r_b = f32(S_b / S_y)
    c   = f32(Z_y) - fma(r_a, Z_a, f32(r_b * Z_b))
    y   = saturate(round_half_even(fma(q_a, r_a, fma(q_b, r_b, c))))

hwgen's rule (:class:`hwgen.ir.blocks.eltwise_add.AddParams`) brings both inputs to a common
scale with 14-bit integer factors and requantizes the exact integer sum once. Both approximate
``E = Z_y + (S_a (q_a - Z_a) + S_b (q_b - Z_b)) / S_y``; a differing output is one of:

``float32``
    hwgen gives ``round(E)`` and onnxruntime's float32 arithmetic lands on the other side of
    ``k + 0.5`` (its ratios carry 24 bits).
``add_factors``
    hwgen's integers move ``E`` across ``k + 0.5``: ``a_factor``, ``b_factor`` have 14 bits
    (relative error up to ``2**-15`` / ratio, times up to 255 code steps) and the output
    multiplier 31; onnxruntime gives ``round(E)``.
``tie``
    ``E`` is exactly ``k + 0.5`` and the tie rules differ.
``double_rounding``
    gemmlowp's two roundings of hwgen's exact integer sum miss its nearest integer.
``unexplained``
    onnxruntime's output is not the emulated one (another kernel, e.g. on ARM) or none of the
    above.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..ir.rules import RequantRounding
from .onnxruntime_mechanisms import MECHANISMS

__all__ = ["qlinear_add_float32", "classify_add"]


def _fma32(x, y, z) -> np.ndarray:
    """float32 fused multiply-add: ``x * y + z`` rounded once (the exact product of two
    float32 values fits the 64-bit significand of x86's long double)."""
    exact = np.asarray(x, np.longdouble) * np.asarray(y, np.longdouble) + \
        np.asarray(z, np.longdouble)
    return exact.astype(np.float32)


def qlinear_add_float32(a: np.ndarray, b: np.ndarray, layer) -> np.ndarray:
    """onnxruntime's QLinearAdd (x86 AVX2 kernel) of input codes ``a``, ``b`` for ``layer``
    (a :class:`~hwgen.ir.layers.add.QuantAdd`): output codes."""
    f32 = np.float32
    qa, qb, qy = layer.a_quant, layer.b_quant, layer.output_quant
    r_a, r_b = f32(f32(qa.scale) / f32(qy.scale)), f32(f32(qb.scale) / f32(qy.scale))
    fixed = f32(f32(qy.zero_point)
                - _fma32(r_a, f32(qa.zero_point), f32(r_b * f32(qb.zero_point))))
    y = _fma32(np.asarray(a, f32), r_a, _fma32(np.asarray(b, f32), r_b, fixed))
    low = qy.zero_point if layer.relu else qy.dtype.qmin
    return np.clip(np.rint(y).astype(np.int64), low, qy.dtype.qmax)


def _round(value: Fraction, ties_even: bool) -> int:
    low = value.numerator // value.denominator
    rest = value - low
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and (not ties_even or low % 2)):
        return low + 1
    return low


def classify_add(layer, block, a, b, golden, reference) -> tuple[dict, dict]:
    """``({mechanism: count}, {mechanism: example})`` for the outputs where the golden model
    and onnxruntime differ; ``block`` is the layer's
    :class:`~hwgen.ir.blocks.eltwise_add.AddParams`, ``a``, ``b`` the input codes, all
    flattened in the same order."""
    a, b = np.asarray(a).reshape(-1), np.asarray(b).reshape(-1)
    golden, reference = np.asarray(golden).reshape(-1), np.asarray(reference).reshape(-1)
    emulated = qlinear_add_float32(a, b, layer)
    qa, qb, qy = layer.a_quant, layer.b_quant, layer.output_quant
    low, high = (qy.zero_point if layer.relu else qy.dtype.qmin), qy.dtype.qmax
    counts, examples = {m: 0 for m in MECHANISMS}, {}
    for i in np.nonzero(golden != reference)[0]:
        da, db = int(a[i]) - qa.zero_point, int(b[i]) - qb.zero_point
        exact = (Fraction(qa.scale) * da + Fraction(qb.scale) * db) / Fraction(qy.scale)
        acc = block.a_factor * da + block.b_factor * db
        ours = Fraction(acc * block.multiplier, 1 << (31 - block.shift))
        nearest = min(max(_round(exact, True) + qy.zero_point, low), high)
        ours_nearest = min(max(_round(ours, False) + qy.zero_point, low), high)
        step = abs(int(golden[i]) - int(reference[i]))
        if emulated[i] != reference[i]:
            kind = "unexplained"
        elif exact.denominator == 2 and step == 1:
            kind = "tie"
        elif golden[i] == nearest and step == 1:
            kind = "float32"
        elif block.rounding is RequantRounding.GEMMLOWP and golden[i] != ours_nearest:
            kind = "double_rounding"
        elif step == 1:
            kind = "add_factors"
        else:
            kind = "unexplained"
        counts[kind] += 1
        examples.setdefault(kind, (
            f"codes a {a[i]}, b {b[i]}: exact value {float(exact) + qy.zero_point:.9f}, "
            f"hwgen's integers {float(ours) + qy.zero_point:.9f}: onnxruntime {reference[i]}, "
            f"hwgen {golden[i]}"))
    return counts, examples
