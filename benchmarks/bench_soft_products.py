"""Products left to LUTs: Yosys LUTs against the partial-product bits the cost model counts.

    python benchmarks/bench_soft_products.py [--targets xcup] [--products 16] [--dots]
                                             [--out out/bench_soft_products]

Each point is ``products`` independent products ``w * x`` of a signed weight and an input
code (signed or unsigned), each registered into the narrowest signal of its range as the int
MVAU registers its products (``hwgen.hw.arith.int_mvau``), in a module of its own; all are
synthesised in one Yosys run per target with the script ``hwgen synth`` runs
(benchmarks/yosys_batch.py). On xcup a product whose result is under 9 bits stays in LUTs.

Printed per point: LUTs a product, the operand bits ``a x b`` (the unsigned code one bit
wider, as the model counted them before), the partial-product bits Yosys' ``maccmap`` builds
(``multipliers.soft_partial_products``: each operand extended to the result's width, a
signed one by its sign) and LUTs per such bit. Figures, not assertions.

``--dots``: the int MVAU's arrangement instead, 8 PEs x 8 products whose PEs share the 8 input
codes, each product registered and then each PE's 8 summed into a register (as its trees,
unpipelined), beside the same products without the trees: what the trees over each pairing's
products take.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from amaranth.back import verilog  # noqa: E402
from amaranth.hdl import Cat, Module, Signal  # noqa: E402
from amaranth.lib import wiring  # noqa: E402
from amaranth.lib.wiring import In, Out  # noqa: E402
from cpu_time import cpu_seconds  # noqa: E402
from yosys_batch import synthesize_batch  # noqa: E402

from hwgen.hw.arith.adder_tree import shape_for_range  # noqa: E402
from hwgen.perf.cost.multipliers import soft_partial_products  # noqa: E402

#: (weight bits, input bits, input signed): the int MVAUs' narrow products
CASES = ((4, 4, True), (4, 4, False), (4, 3, True), (4, 3, False), (3, 3, True),
         (3, 4, False), (2, 4, True), (2, 4, False), (4, 2, True), (2, 2, True))


def product_range(w_bits: int, x_bits: int, x_signed: bool) -> tuple[int, int]:
    """The range of a signed ``w_bits`` weight times an ``x_bits`` code."""
    w_range = (-(1 << (w_bits - 1)), (1 << (w_bits - 1)) - 1)
    x_range = ((-(1 << (x_bits - 1)), (1 << (x_bits - 1)) - 1) if x_signed
               else (0, (1 << x_bits) - 1))
    corners = [a * b for a in w_range for b in x_range]
    return min(corners), max(corners)


def registered_rows(m: Module, x, *, x_bits: int, x_signed: bool, rows: int, count: int,
                    weight, product_shape, sum_shape, dots: bool) -> list:
    """``rows`` rows of ``count`` registered products ``weight(row, i) * x_i`` sharing the
    codes of ``x``, each row summed into a register if ``dots``: the signals to output."""
    outputs = []
    for row in range(rows):
        products = []
        for i in range(count):
            code = x[i * x_bits:(i + 1) * x_bits]
            code = code.as_signed() if x_signed else code
            product = Signal(product_shape, name=f"p{row}_{i}")
            m.d.sync += product.eq(weight(row, i) * code)
            products.append(product)
        if dots:
            dot = Signal(sum_shape, name=f"dot{row}")
            m.d.sync += dot.eq(sum(products[1:], products[0]))
            outputs.append(dot)
        else:
            outputs += products
    return outputs


class Products(wiring.Component):
    """``count`` registered products of a signed ``w_bits`` weight and a ``x_bits`` code;
    ``pe`` rows of them sharing the codes, each row summed into a register if ``dots``."""

    def __init__(self, *, w_bits: int, x_bits: int, x_signed: bool, count: int, pe: int = 1,
                 dots: bool = False):
        self._w, self._x, self._signed, self._count = w_bits, x_bits, x_signed, count
        self._pe, self._dots = pe, dots
        lo, hi = product_range(w_bits, x_bits, x_signed)
        self._shape = shape_for_range(lo, hi)
        self._sum = shape_for_range(lo * count, hi * count)
        out = self._sum.width if dots else self._shape.width * count
        super().__init__({"w": In(w_bits * count * pe), "x": In(x_bits * count),
                          "y": Out(out * pe)})

    @property
    def result_bits(self) -> int:
        return self._shape.width

    def elaborate(self, platform):
        m = Module()

        def weight(row, i):
            k = row * self._count + i
            return self.w[k * self._w:(k + 1) * self._w].as_signed()

        outputs = registered_rows(m, self.x, x_bits=self._x, x_signed=self._signed,
                                  rows=self._pe, count=self._count, weight=weight,
                                  product_shape=self._shape, sum_shape=self._sum,
                                  dots=self._dots)
        m.d.comb += self.y.eq(Cat(*outputs))
        return m


def _name(w_bits: int, x_bits: int, x_signed: bool) -> str:
    return f"w{w_bits}x{'s' if x_signed else 'u'}{x_bits}"


def _dots(target: str, out: Path) -> None:
    """8 PEs x 8 products sharing their codes, with and without each PE's sum."""
    designs = {}
    for w_bits, x_bits, x_signed in CASES:
        for dots in (False, True):
            name = f"{_name(w_bits, x_bits, x_signed)}_{'dots' if dots else 'products'}"
            block = Products(w_bits=w_bits, x_bits=x_bits, x_signed=x_signed, count=8, pe=8,
                             dots=dots)
            designs[name] = verilog.convert(block, name=name, emit_src=False)
    result = synthesize_batch(designs, target, out / f"{target}_dots")
    print()
    print(f"### {target}: 8 PEs x 8 products sharing the codes")
    print()
    print("| weight x input | products | with the PEs' sums | the sums |")
    print("|---|---|---|---|")
    for w_bits, x_bits, x_signed in CASES:
        name = _name(w_bits, x_bits, x_signed)
        alone, summed = (result["designs"][f"{name}_{k}"][f"{name}_{k}"]["resources"]["lut"]
                         for k in ("products", "dots"))
        label = f"int{w_bits} x {'int' if x_signed else 'uint'}{x_bits}"
        print(f"| {label} | {alone} | {summed} | {summed - alone} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="xcup")
    parser.add_argument("--products", type=int, default=16)
    parser.add_argument("--dots", action="store_true",
                        help="8 PEs x 8 products sharing their codes, with and without sums")
    parser.add_argument("--out", default="out/bench_soft_products")
    args = parser.parse_args(argv)
    print("command: python " + " ".join(["benchmarks/bench_soft_products.py", *sys.argv[1:]]))
    start, cpu = time.monotonic(), cpu_seconds()
    if args.dots:
        for target in args.targets.split(","):
            _dots(target, Path(args.out))
        print()
        print(f"{cpu_seconds() - cpu:.0f} CPU s, {time.monotonic() - start:.0f} s wall")
        return 0
    blocks = {_name(*c): Products(w_bits=c[0], x_bits=c[1], x_signed=c[2], count=args.products)
              for c in CASES}
    designs = {name: verilog.convert(b, name=name, emit_src=False) for name, b in blocks.items()}
    for target in args.targets.split(","):
        result = synthesize_batch(designs, target, Path(args.out) / target)
        print()
        print(f"### {target} ({args.products} products a point)")
        print()
        print("| weight x input | result bits | LUT a product | a x b | partial-product bits "
              "| LUT a partial-product bit |")
        print("|---|---|---|---|---|---|")
        for (w_bits, x_bits, x_signed), (name, block) in zip(CASES, blocks.items(),
                                                             strict=True):
            luts = result["designs"][name][name]["resources"]["lut"] / args.products
            y = block.result_bits
            pp = soft_partial_products(w_bits, x_bits, y, a_signed=True, b_signed=x_signed)
            ab = w_bits * (x_bits + (0 if x_signed else 1))
            label = f"int{w_bits} x {'int' if x_signed else 'uint'}{x_bits}"
            print(f"| {label} | {y} | {luts:.2f} | {ab} | {pp} | {luts / pp:.2f} |")
    print()
    print(f"{cpu_seconds() - cpu:.0f} CPU s, {time.monotonic() - start:.0f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
