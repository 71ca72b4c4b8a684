"""Packed pairs' products left to LUTs: by weights known at synthesis against variable ones.

    python benchmarks/bench_packed_products.py [--targets ice40] [--out out/bench_packed_products]

With DSP packing (``hwgen.hw.arith.dsp_packing``) two PEs share one multiply per input code,
the code times ``w1 * 2**18 + w0``. Where the target has no DSP (iCE40) that multiply is
LUTs, and the cost model counts its operand bit pairs, ``(2 w + 1) x`` a product
(``soft_ab``). Each point here is that arrangement alone: one PE pair x 8 input codes, each
code registered, each product's low field, high field and borrow registered as the int MVAU
registers them, its weights constants (``one``: an int MVAU of one step, ``NF = SF = 1``),
held in registers loaded from one of two constants by the step's select (``two``: two steps,
``NF x SF = 2``) or loaded from input ports (``variable``: weights the synthesis cannot
know). Every point of a target is synthesised in
one Yosys run with the script ``hwgen synth`` runs (benchmarks/yosys_batch.py).

Printed per point: the LUTs, the operand bit pairs and LUTs a pair; then per weight / code
shape the ratios of one- and two-step to variable. Figures, not assertions.
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
from bench_soft_products import product_range  # noqa: E402
from cpu_time import cpu_seconds  # noqa: E402
from yosys_batch import synthesize_batch  # noqa: E402

from hwgen.hw.arith.adder_tree import shape_for_range  # noqa: E402
from hwgen.hw.arith.dsp_packing import packed_pair  # noqa: E402

SIMD = 8

#: (weight bits, input bits, input signed): the shapes of the sweep's packed int MVAUs
#: (i27 / i28 / i31 int8 x uint8, g04's first layer int4 x uint8, i30 int6 x uint6)
SHAPES = ((8, 8, False), (4, 8, False), (6, 6, False), (8, 8, True))
#: draws of the two steps' weights per shape (seeded): uniform over the weight's codes
DRAWS = 2


class PackedPairProducts(wiring.Component):
    """One PE pair's ``SIMD`` packed products, each field registered; the weights constants
    (``weights`` ``(1, 2, SIMD)``: step, PE, input), loaded by ``sel`` from ``weights``
    (``(2, 2, SIMD)``) or, when ``weights`` is None, from the ``w`` port."""

    def __init__(self, *, weights, w_bits: int, x_bits: int, x_signed: bool):
        self._weights, self._w_bits = weights, w_bits
        self._x_bits, self._x_signed = x_bits, x_signed
        lo, hi = product_range(w_bits, x_bits, x_signed)
        self._low, self._high = shape_for_range(lo, hi), shape_for_range(lo - 1, hi)
        out = SIMD * (self._low.width + self._high.width + 1)
        super().__init__({"sel": In(1), "x": In(x_bits * SIMD), "w": In(2 * SIMD * w_bits),
                          "y": Out(out)})

    def _weight(self, m: Module, pe: int, i: int):
        weight = Signal(signed(self._w_bits), name=f"w{pe}_{i}")
        if self._weights is None:
            k = (pe * SIMD + i) * self._w_bits
            m.d.sync += weight.eq(self.w[k:k + self._w_bits].as_signed())
            return weight
        if len(self._weights) == 1:
            return Const(int(self._weights[0, pe, i]), signed(self._w_bits))
        with m.Switch(self.sel):
            for step in range(2):
                with m.Case(step):
                    m.d.sync += weight.eq(int(self._weights[step, pe, i]))
        return weight

    def elaborate(self, platform):
        m = Module()
        outputs = []
        for i in range(SIMD):
            code = Signal(self._x_bits, name=f"x{i}")
            m.d.sync += code.eq(self.x[i * self._x_bits:(i + 1) * self._x_bits])
            x = code.as_signed() if self._x_signed else code
            low, high, borrow = packed_pair(x, self._weight(m, 0, i), self._weight(m, 1, i))
            for name, value, shape in (("low", low, self._low), ("high", high, self._high),
                                       ("borrow", borrow, 1)):
                field = Signal(shape, name=f"{name}{i}")
                m.d.sync += field.eq(value)
                outputs.append(field)
        m.d.comb += self.y.eq(Cat(*outputs))
        return m


def operand_pairs(w_bits: int, x_bits: int, x_signed: bool) -> int:
    """The model's count of one packed product (``hwgen.perf.cost.int_mvau``)."""
    return (2 * w_bits + 1) * (x_bits + (0 if x_signed else 1))


def _points():
    """``(name, weights or None, w_bits, x_bits, x_signed)`` per point, seeded."""
    rng = np.random.default_rng(27)
    for w_bits, x_bits, x_signed in SHAPES:
        shape = f"w{w_bits}{'s' if x_signed else 'u'}{x_bits}"
        yield f"{shape}_variable", None, w_bits, x_bits, x_signed
        half = 1 << (w_bits - 1)
        for steps, label in ((1, "one"), (2, "two")):
            for draw in range(DRAWS):
                weights = rng.integers(-half, half, size=(steps, 2, SIMD))
                yield f"{shape}_{label}{draw}", weights, w_bits, x_bits, x_signed


def _bench(target: str, out: Path) -> None:
    points = list(_points())
    designs = {name: verilog.convert(PackedPairProducts(weights=weights, w_bits=w_bits,
                                                        x_bits=x_bits, x_signed=x_signed),
                                     name=name, emit_src=False)
               for name, weights, w_bits, x_bits, x_signed in points}
    result = synthesize_batch(designs, target, out / target)
    print()
    print(f"### {target}: one PE pair x {SIMD} packed products")
    print()
    print("| point | LUT | operand pairs | LUT a pair |")
    print("|---|---|---|---|")
    per_pair = {}
    for name, _, w_bits, x_bits, x_signed in points:
        lut = result["designs"][name][name]["resources"]["lut"]
        pairs = SIMD * operand_pairs(w_bits, x_bits, x_signed)
        per_pair[name] = lut / pairs
        print(f"| {name} | {lut} | {pairs} | {lut / pairs:.2f} |")
    print()
    for w_bits, x_bits, x_signed in SHAPES:
        shape = f"w{w_bits}{'s' if x_signed else 'u'}{x_bits}"
        one, two = (np.mean([per_pair[f"{shape}_{label}{d}"] for d in range(DRAWS)])
                    for label in ("one", "two"))
        variable = per_pair[f"{shape}_variable"]
        print(f"{target} {shape}: one step {one:.2f}, two steps {two:.2f}, variable "
              f"{variable:.2f} LUT a pair (ratios {one / variable:.2f}, {two / variable:.2f})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="ice40")
    parser.add_argument("--out", default="out/bench_packed_products")
    args = parser.parse_args(argv)
    print("command: python " + " ".join(["benchmarks/bench_packed_products.py", *sys.argv[1:]]))
    start, cpu = time.monotonic(), cpu_seconds()
    for target in args.targets.split(","):
        _bench(target, Path(args.out))
    print()
    print(f"{cpu_seconds() - cpu:.0f} CPU s, {time.monotonic() - start:.0f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
