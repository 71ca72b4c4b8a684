"""Integer rules for the add of two branches, against the exact sum and onnxruntime's QLinearAdd.

Usage::

    PYTHONPATH=. python benchmarks/bench_add_rules.py [--configs 200] [--seed 7]

For random int8 quantizations of ``a``, ``b`` and ``y`` (float32 scales, as onnxruntime stores
them, and random zero points) and every pair of input codes (65,536 per quantization), counts
the outputs that differ from ``round_half_even(E)``, ``E = Z_y + (S_a (q_a - Z_a) + S_b (q_b -
Z_b)) / S_y``, and from onnxruntime's QLinearAdd (its x86 float32 arithmetic, emulated bit for
bit by :func:`hwgen.reference.onnxruntime_add.qlinear_add_float32`):

- ``float32``: onnxruntime's QLinearAdd itself;
- ``hwgen``: :class:`hwgen.ir.blocks.eltwise_add.AddParams`, the golden model (14-bit factors to the
  larger scale, one 31-bit multiplier, ``single_even``);
- ``two31``: a candidate rule, **not implemented** in hwgen:
  ``y = Z_y + round_half_even((M_a (q_a - Z_a) + M_b (q_b - Z_b)) / 2**t)`` with
  ``M = round(S / S_y * 2**t)`` and ``t`` the largest that keeps both ``M < 2**31`` (two
  31 x 9-bit products, a 41-bit sum, one rounding shift; no output multiplier).

Scales are drawn two ways: ``similar`` (uniform in [0.005, 0.05]) and ``spread`` (log-uniform
over [0.002, 0.2], as when the model input, at 1/255, is added to a convolution's output).
Uniform codes weight extreme codes more than real activations do. Prints figures only.
"""

from __future__ import annotations

import argparse
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from hwgen.golden.registry import golden_block
from hwgen.ir import IntType, TensorQuant
from hwgen.ir.layers.add import QuantAdd
from hwgen.ir.lowering import lower_layer
from hwgen.reference.onnxruntime_add import qlinear_add_float32

INT8 = IntType(8, True)


def _round_shift(acc: np.ndarray, t: int) -> np.ndarray:
    """round_half_even(acc / 2**t) of int64 values."""
    q = acc >> t
    rest = acc - (q << t)
    half = 1 << (t - 1)
    return q + ((rest > half) | ((rest == half) & (q % 2 == 1)))


def two31(a, b, layer) -> np.ndarray:
    qa, qb, qy = layer.a_quant, layer.b_quant, layer.output_quant
    t = 31 - (math.floor(math.log2(max(qa.scale, qb.scale) / qy.scale)) + 1)
    m_a, m_b = round(qa.scale / qy.scale * 2 ** t), round(qb.scale / qy.scale * 2 ** t)
    acc = m_a * (a - qa.zero_point) + m_b * (b - qb.zero_point)
    return np.clip(_round_shift(acc, t) + qy.zero_point, INT8.qmin, INT8.qmax)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    a, b = (v.ravel() for v in np.meshgrid(np.arange(-128, 128), np.arange(-128, 128)))
    print("| scales | outputs | float32 vs exact | hwgen vs exact | two31 vs exact "
          "| hwgen vs onnxruntime | two31 vs onnxruntime |")
    print("|---|---|---|---|---|---|---|")
    for spread in ("similar", "spread"):
        rng = np.random.default_rng(args.seed)
        counts = np.zeros(5, dtype=np.int64)
        for _ in range(args.configs):
            draw = rng.uniform(0.005, 0.05, 3) if spread == "similar" else \
                np.exp(rng.uniform(np.log(0.002), np.log(0.2), 3))
            sa, sb, sy = (float(np.float32(s)) for s in draw)
            za, zb, zy = (int(z) for z in rng.integers(-128, 128, 3))
            layer = QuantAdd(name="add", inputs=("a", "b"), a_quant=TensorQuant(INT8, sa, za),
                             b_quant=TensorQuant(INT8, sb, zb),
                             output_quant=TensorQuant(INT8, sy, zy), shape=(a.size,),
                             rounding="single_even")
            hwgen = golden_block(lower_layer(layer, 1)[0], a[None], b[None])[0]
            ort = qlinear_add_float32(a, b, layer)
            ours = two31(a, b, layer)
            exact = ((a - za) * sa + (b - zb) * sb) / sy
            nearest = np.clip(np.rint(exact) + zy, INT8.qmin, INT8.qmax)
            counts += [np.count_nonzero(ort != nearest), np.count_nonzero(hwgen != nearest),
                       np.count_nonzero(ours != nearest), np.count_nonzero(hwgen != ort),
                       np.count_nonzero(ours != ort)]
        n = args.configs * a.size
        print(f"| {spread} | {n} | " + " | ".join(f"{c} ({c / n:.1e})" for c in counts) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
