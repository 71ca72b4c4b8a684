"""A binary-weight MVAU's dot product alone: Yosys LUT / carry against the cost model.

    python benchmarks/bench_bwn_tree.py [--targets xcup,ecp5] [--bits 8,4] [--terms 16,32,64,128]
                                        [--blocks bw1,bw2,bw3] [--out out/bench_bwn_tree]

Each point is ``terms`` terms ``Mux(w, x, -x)`` of unsigned ``bits``-bit inputs summed by
``hwgen.hw.arith.adder_tree.bounded_sum`` (as ``hwgen.hw.binary.bwn_mvau`` builds one PE's
dot product) into a register, its own module, synthesised in one Yosys run per target with the
script ``hwgen synth`` runs (benchmarks/yosys_batch.py). The estimate is the cost model's
(``binary_mvau.bwn_dot_features`` and the output register, with the fitted coefficients).
Prints one row per point and the CPU seconds (Yosys counted as a child) beside the wall
seconds. Figures, not assertions.

``--blocks``: sweep points' binary-weight MVAUs (benchmarks/cost_sweep.py) instead, each under
a top as a compiled design holds it (``layer_0``, its own submodules flattened into it), as
it is (``whole``) and with each PE's dot product (its ``+x / -x`` selects, negations and adder
tree) built in a module of its own and kept (``kept_dot``). The block's own cells are then
everything but its dot products: ``whole`` less them is what the dot products cost in the
block, beside what the kept modules take and what the cost model counts for each part
(``binary_mvau.bwn_dot_features``'s features against the rest of the block's).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from amaranth.back import verilog  # noqa: E402
from amaranth.hdl import Elaboratable, Module, Mux, Signal  # noqa: E402
from amaranth.lib import wiring  # noqa: E402
from amaranth.lib.wiring import In, Out  # noqa: E402
from cost_sweep import build_point  # noqa: E402
from cpu_time import cpu_seconds  # noqa: E402
from yosys_batch import BlockTop, synthesize_batch  # noqa: E402

import hwgen.hw.binary.bwn_mvau as bwn_module  # noqa: E402
from hwgen.hw.arith.adder_tree import bounded_sum, shape_for_range  # noqa: E402
from hwgen.hw.binary.bwn_mvau import BinaryWeightMvau  # noqa: E402
from hwgen.perf.cost.binary_mvau import bwn_dot_features, bwn_mvau_features  # noqa: E402
from hwgen.perf.cost.coefficients import COEFFICIENTS  # noqa: E402
from hwgen.perf.cost.model import evaluate, tally_of  # noqa: E402
from hwgen.perf.cost.tally import Tally  # noqa: E402
from hwgen.perf.cost.targets import cost_target  # noqa: E402

FLOOR = 20


class BwnDot(wiring.Component):
    """``terms`` terms ``+x / -x`` of ``bits``-bit unsigned inputs, summed into a register."""

    def __init__(self, *, bits: int, terms: int):
        self._bits, self._terms = bits, terms
        hi = (1 << bits) - 1
        self._width = shape_for_range(-terms * hi, terms * hi).width
        super().__init__({"x": In(bits * terms), "w": In(terms), "y": Out(self._width)})

    def elaborate(self, platform):
        m = Module()
        b, hi = self._bits, (1 << self._bits) - 1
        lanes = [self.x[i * b:(i + 1) * b] for i in range(self._terms)]
        dot, _, _ = bounded_sum([(Mux(self.w[i], x, -x), -hi, hi) for i, x in enumerate(lanes)])
        y = Signal(self._width)
        m.d.sync += y.eq(dot)
        m.d.comb += self.y.eq(y)
        return m


#: the module name each kept dot product gets (``layer_0.<name><n>``)
DOT_MODULE = "bdot"


class _KeptDot(Elaboratable):
    """One PE's dot product, ``bounded_sum(terms)``, in a module of its own: it reads the
    block's weight and input signals (Amaranth makes them its ports) and drives ``out``."""

    def __init__(self, terms):
        self._terms = terms
        lo, hi = sum(t[1] for t in terms), sum(t[2] for t in terms)
        self.out = Signal(shape_for_range(lo, hi), name="dot")
        self.bounds = (lo, hi)

    def elaborate(self, platform):
        m = Module()
        m.d.comb += self.out.eq(bounded_sum(self._terms)[0])
        return m


class _KeptDotMvau(BinaryWeightMvau):
    """``BinaryWeightMvau`` with each PE's dot product a submodule ``bdot<n>``."""

    def elaborate(self, platform):
        dots = []

        def kept(terms):
            dots.append(_KeptDot(terms))
            return (dots[-1].out, *dots[-1].bounds)

        with mock.patch.object(bwn_module, "bounded_sum", kept):
            m = super().elaborate(platform)
        for n, dot in enumerate(dots):
            m.submodules[f"{DOT_MODULE}{n}"] = dot
        return m



def _block_verilog(params, kept: bool, top: str) -> str:
    """A sweep point's binary-weight MVAU under a top, its dot products kept if ``kept``."""
    block = (_KeptDotMvau if kept else BinaryWeightMvau)(params=params)
    text = verilog.convert(BlockTop(block), name=top, emit_src=False)
    if kept:
        text = re.sub(rf"^(module\s+\\?{re.escape(top)}\.layer_0\.{DOT_MODULE}\d+\s*\()",
                      r"(* keep_hierarchy = 1 *)\n\1", text, flags=re.MULTILINE)
    return text


def _dot_model(params, target: str) -> tuple[float, float]:
    """The cost model's LUTs for the block's dot products and for the rest of the block."""
    lut = COEFFICIENTS[target]["lut"]
    whole = evaluate(tally_of(bwn_mvau_features, params, target), COEFFICIENTS[target]).lut
    x_lo, x_hi = params.input_type.qmin, params.input_type.qmax
    dot = Tally(cost_target(target))
    bwn_dot_features(dot, x_lo=x_lo, x_hi=x_hi, terms=params.simd, count=params.pe)
    dots = sum(lut.get(f, 0.0) * v for f, v in dot.features.items())
    return dots, whole - dots


def _blocks(points, targets, out: Path) -> None:
    designs, params = {}, {}
    for pid in points:
        params[pid] = build_point(pid).blocks[0]
        for kept in (False, True):
            top = f"{pid}_{'kept_dot' if kept else 'whole'}"
            designs[top] = _block_verilog(params[pid], kept, top)
    for target in targets:
        result = synthesize_batch(designs, target, out / f"blocks_{target}")
        found, modules = result["designs"], result["modules"]
        print(f"\n### {target}: binary-weight MVAUs, whole and without their dot products\n")
        print("| point | PE x SIMD, input | whole LUT | rest (kept dots) | dots in the block "
              "| kept dots' LUT / carry | model: dots / rest |")
        print("|---|---|---|---|---|---|---|")
        for pid in points:
            p = params[pid]
            whole = found[f"{pid}_whole"]["layer_0"]["resources"]["lut"]
            rest = found[f"{pid}_kept_dot"]["layer_0"]["resources"]
            dots = [c["resources"] for name, c in modules.items()
                    if name.startswith(f"{pid}_kept_dot.layer_0.{DOT_MODULE}")]
            model_dots, model_rest = _dot_model(p, target)
            print(f"| {pid} | {p.pe} x {p.simd}, {p.input_type.name} | {whole} | {rest['lut']} "
                  f"| {whole - rest['lut']} | {sum(d['lut'] for d in dots)} / "
                  f"{sum(d['carry'] for d in dots)} | {model_dots:.0f} / {model_rest:.0f} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="xcup,ecp5")
    parser.add_argument("--bits", default="8,4")
    parser.add_argument("--terms", default="16,32,64,128")
    parser.add_argument("--blocks", help="sweep points' blocks, whole and without their dots")
    parser.add_argument("--out", default="out/bench_bwn_tree")
    args = parser.parse_args(argv)
    started, cpu_started = time.monotonic(), cpu_seconds()
    if args.blocks:
        print("command: python " + " ".join([f"benchmarks/{Path(__file__).name}",
                                             *sys.argv[1:]]))
        _blocks(args.blocks.split(","), args.targets.split(","), Path(args.out))
        print(f"\n{cpu_seconds() - cpu_started:.0f} CPU s, "
              f"{time.monotonic() - started:.0f} s wall")
        return 0
    configs = [(int(bits), int(terms)) for bits in args.bits.split(",")
               for terms in args.terms.split(",")]
    designs = {}
    for bits, terms in configs:
        top = f"bwn_dot_{bits}_{terms}"
        designs[top] = verilog.convert(BwnDot(bits=bits, terms=terms), name=top,
                                       emit_src=False)
    print("command: python " + " ".join([f"benchmarks/{Path(__file__).name}", *sys.argv[1:]]))
    for target in args.targets.split(","):
        synthesized = synthesize_batch(designs, target, Path(args.out) / target)["designs"]
        print(f"\n### {target}\n")
        print("| input bits | terms | LUT estimate / Yosys | carry estimate / Yosys |")
        print("|---|---|---|---|")
        for (bits, terms), top in zip(configs, designs, strict=True):
            observed = synthesized[top][top]["resources"]
            tally = Tally(cost_target(target))
            bwn_dot_features(tally, x_lo=0, x_hi=(1 << bits) - 1, terms=terms)
            estimate = evaluate(tally).rounded()
            error = (estimate.lut - observed["lut"]) / max(observed["lut"], FLOOR)
            print(f"| {bits} | {terms} | {estimate.lut} / {observed['lut']} ({error:+.0%}) "
                  f"| {estimate.carry} / {observed['carry']} |")
    print(f"\n{cpu_seconds() - cpu_started:.0f} CPU s, {time.monotonic() - started:.0f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
