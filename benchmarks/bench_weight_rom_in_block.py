"""LUTs a soft-logic weight ROM column costs inside its int MVAU, by the words it depends on.

    python benchmarks/bench_weight_rom_in_block.py [--targets ecp5] [--points c01,i02]
                                                   [--depths 16,20,24,32,36,40,48]

The cost model prices a weight ROM column in soft logic by its address bits
(``ROM_LUTS[target]["counter"]`` in hwgen/perf/cost/coefficients.py). Measured on ROMs
alone, a column costs less than inside its block. Here each sweep point's int MVAU
(benchmarks/cost_sweep.py, fitted points only) is synthesised with its weight rows repeated
with period ``P`` (the weight memory's row ``r`` replaced by row ``r mod P``: every column a
function of ``P`` words), the multipliers and shifts made per-tensor (so the requantizer's
tables drop out), with the Yosys script the sweep uses (benchmarks/yosys_batch.py). Printed
per point and period: the block's LUTs and, against period 2 (a column of two words is an
address bit: no LUT), the LUTs per weight column. The ECP5 ``counter`` column of
``ROM_LUTS`` up to 64 words is these figures divided by the fitted ``rom`` coefficient, and
so are xcup's ``counter`` entries at 32 and 64 words (``--targets xcup --points
c01,g01/1,i02,i07,i17,i18,i08,i03,g09/0,g06/0``: 958 s wall, 394 CPU s; i07's figures, 3.1
and 3.5 at 8 and 16 words, are left out: its soft products shrink with its weights).

With ``--depths``, each point is refolded to each given depth instead (more or fewer neuron
folds: its weight rows tiled, the rows beyond its own drawn at random, seeded), and each
depth's block is measured against the same block with period-2 rows: what a column of a ROM of
that many words costs, past a power of two too.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import yosys_batch
from amaranth.back import verilog
from cost_sweep import build_point
from cpu_time import child_cpu_seconds
from yosys_batch import BlockTop

from hwgen.hw.arith.int_mvau import IntMvau
from hwgen.perf.cost.int_mvau import weight_steps

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "out" / "weight_rom_in_block"
#: fitted sweep points whose weight ROM is in soft logic on ECP5, 8 to 64 words deep
#: (``point`` or ``point/index`` of its int MVAU)
POINTS = ("c01", "g01/1", "i02", "i07", "i17", "i18")
PERIODS = (2, 8, 16, 32, 64)


def periodic(p, period: int):
    """``p`` with its weight rows repeated with ``period`` and per-tensor requantization."""
    steps = weight_steps(p.weights, p.pe, p.simd)
    steps = steps[np.arange(steps.shape[0]) % period]
    weights = (steps.reshape(p.nf, p.sf, p.pe, p.simd).transpose(0, 2, 1, 3)
               .reshape(p.nf * p.pe, p.sf * p.simd))
    return replace(p, weights=weights, multiplier=np.full_like(p.multiplier, p.multiplier[0]),
                   shift=np.full_like(p.shift, p.shift[0]))



def refolded(p, depth: int, seed: int = 0):
    """``p`` with ``depth / SF`` neuron folds: its weight rows tiled to ``depth / SF x PE``
    rows, those past the originals drawn at random (seeded) in the weight type's range, the
    bias tiled, the requantization per-tensor (channel 0's)."""
    rows = depth // p.sf * p.pe
    rng = np.random.default_rng(seed)
    extra = rng.integers(p.weight_type.qmin, p.weight_type.qmax + 1,
                         size=(max(rows - p.weights.shape[0], 0), p.weights.shape[1]))
    weights = np.concatenate([p.weights, extra])[:rows]
    return replace(p, weights=weights, acc_bias=np.resize(p.acc_bias, rows),
                   multiplier=np.full(rows, p.multiplier[0]), shift=np.full(rows, p.shift[0]))


def by_depth(specs, depths, target: str) -> None:
    """Per point and depth (a multiple of its SF): the block refolded to that depth
    (:func:`refolded`) less the same block with its weight rows repeated with period 2, per
    weight column."""
    designs, meta = {}, {}
    for spec in specs:
        pid, p = int_block(spec)
        for depth in [d for d in depths if d % p.sf == 0]:
            q = refolded(p, depth)
            for period in (2, depth):
                top = f"{pid}_{spec.partition('/')[2] or 0}_d{depth}_p{period}"
                designs[top] = verilog.convert(BlockTop(IntMvau(params=periodic(q, period))),
                                               name=top)
                meta[top] = (spec, depth, period, p.pe * p.simd * p.weight_type.bits)
    result = yosys_batch.synthesize_batch(designs, target, WORK / target / "depths")["designs"]
    print(f"{target}: weight ROM columns inside the block by depth (LUTs; per column against "
          "period 2 at the same depth)")
    base = {}
    for top, (spec, depth, period, columns) in meta.items():
        lut = result[top]["layer_0"]["resources"]["lut"]
        if period == 2:
            base[spec, depth] = lut
            continue
        print(f"  {spec:6} {depth:3} words: {lut:5} LUT, "
              f"{(lut - base[spec, depth]) / columns:5.2f} per column ({columns} columns)")


def int_block(spec: str):
    pid, _, index = spec.partition("/")
    blocks = [b for b in build_point(pid).blocks if getattr(b, "kind", "") == "int_mvau"]
    return pid, blocks[int(index or 0)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="ecp5")
    parser.add_argument("--points", default=",".join(POINTS))
    parser.add_argument("--depths", default="",
                        help="comma-separated ROM depths: each point refolded to each depth "
                             "(a multiple of its SF) in place of the periods")
    args = parser.parse_args(argv)
    wall, cpu0 = time.monotonic(), child_cpu_seconds()
    for target in args.targets.split(","):
        if args.depths:
            by_depth(args.points.split(","), [int(d) for d in args.depths.split(",")], target)
            continue
        designs, meta = {}, {}
        for spec in args.points.split(","):
            pid, p = int_block(spec)
            depth = p.nf * p.sf
            for period in [q for q in PERIODS if q < depth] + [depth]:
                top = f"{pid}_{spec.partition('/')[2] or 0}_p{period}"
                designs[top] = verilog.convert(BlockTop(IntMvau(params=periodic(p, period))),
                                               name=top)
                meta[top] = (spec, period, p.pe * p.simd * p.weight_type.bits)
        result = yosys_batch.synthesize_batch(designs, target, WORK / target)["designs"]
        print(f"{target}: weight ROM columns inside the block (LUTs; per column against "
              "period 2)")
        base = {}
        for top, (spec, period, columns) in meta.items():
            lut = result[top]["layer_0"]["resources"]["lut"]
            base.setdefault(spec, lut)
            print(f"  {spec:6} {period:3} words: {lut:5} LUT, "
                  f"{(lut - base[spec]) / columns:5.2f} per column ({columns} columns)")
    print(f"\nyosys: {child_cpu_seconds() - cpu0:.0f} CPU s, "
          f"{time.monotonic() - wall:.0f} s wall")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
