"""LUTs a soft-logic weight ROM column costs inside its int MVAU, by the words it depends on.

    python benchmarks/bench_weight_rom_in_block.py [--targets ecp5] [--points c01,i02]

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



def int_block(spec: str):
    pid, _, index = spec.partition("/")
    blocks = [b for b in build_point(pid).blocks if getattr(b, "kind", "") == "int_mvau"]
    return pid, blocks[int(index or 0)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="ecp5")
    parser.add_argument("--points", default=",".join(POINTS))
    args = parser.parse_args(argv)
    wall, cpu0 = time.monotonic(), child_cpu_seconds()
    for target in args.targets.split(","):
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
