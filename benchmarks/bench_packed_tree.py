"""LUTs of a DSP-packed pair's adder trees, synthesised alone, for an int MVAU's shapes.

    python benchmarks/bench_packed_tree.py [--targets ecp5] [--points i26,g07/0]

An int MVAU with DSP packing (``hwgen.hw.arith.dsp_packing``) sums, per step, the low PE's
product fields and the high PE's fields and borrow bits (``hwgen.hw.arith.int_mvau``:
``pipelined_sum`` over registered terms). Here each sweep point's trees (``point`` or
``point/index`` of its int MVAU, benchmarks/cost_sweep.py) are built alone: the terms come
from registers loaded from the ports, the sum goes to a register and a port, synthesised
flattened with ``hwgen synth``'s script (benchmarks/yosys_batch.py ``synthesize_alone``).
First one packed multiply alone (``multiply``: the input code and two weights registered, the
low product, high field and borrow registered out), then the trees: ``high`` (the high PE's
fields and borrows, as the block builds them), ``fields`` (its fields alone, no borrows),
``low`` (the low PE's fields). Printed: LUTs, flip-flops, carry cells (and the multiply's
DSPs) of each. Measured on ECP5 (7 s): every one 0 LUT4 for i26 and g07 layer_0.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import yosys_batch
from amaranth.back import verilog
from amaranth.hdl import Elaboratable, Module, Signal, signed
from bench_weight_rom_in_block import int_block
from cpu_time import child_cpu_seconds

from hwgen.hw.arith.adder_tree import pipelined_sum, shape_for_range
from hwgen.hw.arith.dsp_packing import LOW_BITS, packed_pair
from hwgen.ir.blocks.int_mvau import DOT_LEVELS_PER_STAGE

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "out" / "packed_tree"
POINTS = ("i26", "g07/0")
VARIANTS = ("high", "fields", "low")


class Tree(Elaboratable):
    """``terms`` (``(lo, hi)`` each) loaded from ports into registers, summed by
    ``pipelined_sum`` with the block's stages, the sum registered out."""

    def __init__(self, terms, stages: int):
        self.terms = terms
        self.stages = stages
        self.ports = [Signal(shape_for_range(lo, hi), name=f"t{i}")
                      for i, (lo, hi) in enumerate(terms)]
        total = (sum(lo for lo, _ in terms), sum(hi for _, hi in terms))
        self.out = Signal(shape_for_range(*total), name="out")

    def elaborate(self, platform):
        m = Module()
        regs = []
        for i, (port, (lo, hi)) in enumerate(zip(self.ports, self.terms, strict=True)):
            reg = Signal.like(port, name=f"r{i}")
            m.d.sync += reg.eq(port)
            regs.append((reg, lo, hi))
        dot, _, _ = pipelined_sum(m, regs, every=DOT_LEVELS_PER_STAGE, stages=self.stages,
                                  name="dot")
        out = Signal.like(self.out, name="out_r")
        m.d.sync += out.eq(dot)
        m.d.comb += self.out.eq(out)
        return m


class PackedMultiply(Elaboratable):
    """One packed multiply (``dsp_packing.packed_pair``): ``x``, ``w0``, ``w1`` registered
    from the ports, the low product, the high field and the borrow registered out."""

    def __init__(self, p):
        x_t, w_t = p.input_type, p.weight_type
        self.x = Signal(shape_for_range(x_t.qmin, x_t.qmax), name="x")
        self.w0 = Signal(shape_for_range(w_t.qmin, w_t.qmax), name="w0")
        self.w1 = Signal(shape_for_range(w_t.qmin, w_t.qmax), name="w1")
        operand = len(self.x) + (0 if x_t.signed else 1) + LOW_BITS + w_t.bits + 1
        self.outs = [Signal(signed(LOW_BITS), name="low"),
                     Signal(signed(operand - LOW_BITS), name="high"), Signal(1, name="borrow")]

    @property
    def ports(self):
        return [self.x, self.w0, self.w1, *self.outs]

    def elaborate(self, platform):
        m = Module()
        regs = []
        for port in (self.x, self.w0, self.w1):
            reg = Signal.like(port, name=f"{port.name}_r")
            m.d.sync += reg.eq(port)
            regs.append(reg)
        for out, value in zip(self.outs, packed_pair(*regs), strict=True):
            reg = Signal.like(out, name=f"{out.name}_r")
            m.d.sync += reg.eq(value)
            m.d.comb += out.eq(reg)
        return m


def variant_terms(p, variant: str):
    """The terms of one tree of block ``p`` (``variant``: see the module docstring)."""
    w_t, x_t = p.weight_type, p.input_type
    corners = [a * b for a in (w_t.qmin, w_t.qmax) for b in (x_t.qmin, x_t.qmax)]
    lo, hi = min(corners), max(corners)
    if variant == "high":
        return [(lo - 1, hi), (0, 1)] * p.simd
    if variant == "fields":
        return [(lo - 1, hi)] * p.simd
    return [(lo, hi)] * p.simd


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="ecp5")
    parser.add_argument("--points", default=",".join(POINTS))
    args = parser.parse_args(argv)
    wall, cpu0 = time.monotonic(), child_cpu_seconds()
    for target in args.targets.split(","):
        print(f"{target}: a packed pair's trees alone (LUTs)")
        for spec in args.points.split(","):
            pid, p = int_block(spec)
            mul = PackedMultiply(p)
            top = f"{pid}_{spec.partition('/')[2] or 0}_multiply"
            res = yosys_batch.synthesize_alone(top, verilog.convert(mul, name=top,
                                                                    ports=mul.ports),
                                               target, WORK / target)
            print(f"  {spec:6} multiply W{p.weight_type.bits}A{p.input_type.bits}: "
                  f"{res['lut']} LUT, {res['ff']} FF, {res['carry']} carry, {res['dsp']} DSP")
            for name in VARIANTS:
                terms = variant_terms(p, name)
                tree = Tree(terms, p.tree_registers)
                top = f"{pid}_{spec.partition('/')[2] or 0}_{name}"
                text = verilog.convert(tree, name=top, ports=[*tree.ports, tree.out])
                res = yosys_batch.synthesize_alone(top, text, target, WORK / target)
                print(f"  {spec:6} {name:6} {len(terms)} terms "
                      f"{[shape_for_range(*t).width for t in terms]}: "
                      f"{res['lut']} LUT, {res['ff']} FF, {res['carry']} carry")
    print(f"\nyosys: {child_cpu_seconds() - cpu0:.0f} CPU s, "
          f"{time.monotonic() - wall:.0f} s wall")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
