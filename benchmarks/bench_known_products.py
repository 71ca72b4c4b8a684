"""Products by weights known at synthesis, and their sums: Yosys LUTs against the counts.

    python benchmarks/bench_known_products.py [--targets xcup] [--values 1,2]
                                              [--out out/bench_known_products]

An int MVAU with one step (``NF = SF = 1``) multiplies each input code by a constant weight;
with two, by one of two weights chosen by the step. Each point here is that arrangement
alone: 8 PEs x 9 registered products sharing the 9 input codes, the weights drawn (seeded)
from one distribution and fixed in the design (one value) or held in a register loaded from
one of two (or four) constants by the step's select (two or four values), the products then
summed per PE into a register (``dots``) or not (``products``). Every point of a target is
synthesised in one Yosys run with the script ``hwgen synth`` runs (benchmarks/yosys_batch.py).

Printed per point: the products' LUTs against their function bits
(``hwgen.perf.cost.known_weights.known_function_bits``), the sums' LUTs (the dots less the
products) against the bits the trees compress (``known_tree_bits``), and the ratios pooled
over the points (total LUTs over total count): the measured coefficients of ``known_mul``
(one value), ``known_mul2`` (two values) and ``known_tree`` (over the one- and two-value
points; four values stay with the partial-product count). Figures, not assertions.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from amaranth.back import verilog  # noqa: E402
from amaranth.hdl import Cat, Const, Module, Signal, signed  # noqa: E402
from amaranth.lib import wiring  # noqa: E402
from amaranth.lib.wiring import In, Out  # noqa: E402
from bench_soft_products import product_range, registered_rows  # noqa: E402
from cpu_time import cpu_seconds  # noqa: E402
from yosys_batch import synthesize_batch  # noqa: E402

from hwgen.hw.arith.adder_tree import shape_for_range  # noqa: E402
from hwgen.perf.cost.known_weights import (  # noqa: E402
    KNOWN_FEATURES,
    known_function_bits,
    known_tree_bits,
)

PE, SIMD = 8, 9

#: weight distributions: (name, weight bits, draw(rng, shape))
WEIGHTS = (
    ("int4 uniform", 4, lambda rng, s: rng.integers(-8, 8, size=s)),
    ("int4 normal", 4, lambda rng, s: np.clip(np.round(rng.normal(0, 2.0, size=s)), -8, 7)),
    ("int4 >= 0", 4, lambda rng, s: rng.integers(0, 8, size=s)),
    ("int3 uniform", 3, lambda rng, s: rng.integers(-4, 4, size=s)),
    ("int2 uniform", 2, lambda rng, s: rng.integers(-2, 2, size=s)),
)

#: input codes: (bits, signed)
CODES = ((4, True), (4, False), (3, True), (2, False))


class KnownProducts(wiring.Component):
    """``PE`` rows of ``SIMD`` registered products of a code and a known weight (``weights``
    ``(values, PE, SIMD)``: one value a constant, more a register loaded by ``sel``), each row
    summed into a register if ``dots``."""

    def __init__(self, *, weights: np.ndarray, w_bits: int, x_bits: int, x_signed: bool,
                 dots: bool):
        self._weights, self._w_bits = weights, w_bits
        self._x_bits, self._x_signed, self._dots = x_bits, x_signed, dots
        lo, hi = product_range(w_bits, x_bits, x_signed)
        self._product = shape_for_range(lo, hi)
        self._sum = shape_for_range(lo * SIMD, hi * SIMD)
        out = self._sum.width if dots else self._product.width * SIMD
        select = max((weights.shape[0] - 1).bit_length(), 1)
        super().__init__({"sel": In(select), "x": In(x_bits * SIMD), "y": Out(out * PE)})

    def _weight(self, m: Module, row: int, i: int):
        values = [int(v) for v in self._weights[:, row, i]]
        if len(values) == 1:
            return Const(values[0], signed(self._w_bits))
        weight = Signal(signed(self._w_bits), name=f"w{row}_{i}")
        with m.Switch(self.sel):
            for step, value in enumerate(values):
                with m.Case(step):
                    m.d.sync += weight.eq(value)
        return weight

    def elaborate(self, platform):
        m = Module()
        outputs = registered_rows(m, self.x, x_bits=self._x_bits, x_signed=self._x_signed,
                                  rows=PE, count=SIMD,
                                  weight=lambda row, i: self._weight(m, row, i),
                                  product_shape=self._product, sum_shape=self._sum,
                                  dots=self._dots)
        m.d.comb += self.y.eq(Cat(*outputs))
        return m


def _points(values: list[int]):
    """``(name, weights, w_bits, x_bits, x_signed)`` per point, seeded."""
    rng = np.random.default_rng(11)
    for count in values:
        for label, w_bits, draw in WEIGHTS:
            weights = draw(rng, (count, PE, SIMD)).astype(np.int64)
            for x_bits, x_signed in CODES:
                code = f"{'s' if x_signed else 'u'}{x_bits}"
                name = f"v{count}_{label.replace(' ', '_').replace('>=_', 'ge')}_{code}"
                yield name, weights, w_bits, x_bits, x_signed


def _bench(target: str, values: list[int], out: Path) -> None:
    points = list(_points(values))
    designs = {}
    for name, weights, w_bits, x_bits, x_signed in points:
        for dots in (False, True):
            top = f"{name}_{'dots' if dots else 'products'}"
            block = KnownProducts(weights=weights, w_bits=w_bits, x_bits=x_bits,
                                  x_signed=x_signed, dots=dots)
            designs[top] = verilog.convert(block, name=top, emit_src=False)
    result = synthesize_batch(designs, target, out / target)

    def luts(top):
        return result["designs"][top][top]["resources"]["lut"]

    print()
    print(f"### {target}: {PE} PEs x {SIMD} products by known weights")
    print()
    print("| point | products LUT | function bits | LUT a bit | sums LUT | tree bits "
          "| LUT a bit |")
    print("|---|---|---|---|---|---|---|")
    pooled = {}
    for name, weights, w_bits, x_bits, x_signed in points:
        steps = weights.reshape(weights.shape[0], PE * SIMD)
        y_bits = shape_for_range(*product_range(w_bits, x_bits, x_signed)).width
        fbits = known_function_bits(steps, PE, SIMD, y_bits=y_bits, x_bits=x_bits,
                                    x_signed=x_signed)
        tbits = known_tree_bits(steps, PE, SIMD, x_bits=x_bits, x_signed=x_signed)
        products = luts(f"{name}_products")
        sums = luts(f"{name}_dots") - products
        key = KNOWN_FEATURES.get(weights.shape[0], f"products of {weights.shape[0]} weights")
        parts = [(key, products, fbits)]
        if weights.shape[0] in KNOWN_FEATURES:
            # (the trees' coefficient over the points the model counts so)
            parts.append(("known_tree", sums, tbits))
        for feature, lut, bits in parts:
            total = pooled.setdefault(feature, [0, 0])
            total[0] += lut
            total[1] += bits
        print(f"| {name} | {products} | {fbits} | {products / max(fbits, 1):.2f} | {sums} "
              f"| {tbits} | {sums / max(tbits, 1):.2f} |")
    print()
    for feature, (lut, bits) in pooled.items():
        print(f"{target} {feature}: {lut} LUT / {bits} bits = {lut / bits:.3f} LUT a bit")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="xcup")
    parser.add_argument("--values", default="1,2",
                        help="weights a product takes over the steps: 1 (constants), 2 or 4")
    parser.add_argument("--out", default="out/bench_known_products")
    args = parser.parse_args(argv)
    print("command: python " + " ".join(["benchmarks/bench_known_products.py", *sys.argv[1:]]))
    start, cpu = time.monotonic(), cpu_seconds()
    values = [int(v) for v in args.values.split(",")]
    for target in args.targets.split(","):
        _bench(target, values, Path(args.out))
    print()
    print(f"{cpu_seconds() - cpu:.0f} CPU s, {time.monotonic() - start:.0f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
