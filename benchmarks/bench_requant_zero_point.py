"""A requantizer alone against its output zero point and low clamp: the step ``rq_zp_odd`` counts.

    python benchmarks/bench_requant_zero_point.py [--targets xcup,ecp5] [--out out/bench_rq_zp]

Synthesises ``hwgen.hw.arith.Requantizer`` (23-bit accumulators, int8 output, the sweep's
element-wise add constants: a03's multiplier and shift for one lane, a02's for four and eight)
with one thing changed at a time: the output zero point, the low clamp (the add fuses a ReLU as
``out_min = zero point``), the rounding rule and the lane count. Prints the LUTs of each against
those the cost model counts (``components.odd_zero_clamp``, fixed ``rq_zp_odd`` coefficients),
and the CPU seconds (Yosys counted as a child) beside the wall seconds. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from amaranth.back import verilog  # noqa: E402
from cpu_time import cpu_seconds  # noqa: E402
from yosys_batch import synthesize_alone  # noqa: E402

from hwgen.hw.arith.requantizer import Requantizer  # noqa: E402
from hwgen.ir import IntType, RequantRounding  # noqa: E402
from hwgen.perf.cost.coefficients import COEFFICIENTS  # noqa: E402
from hwgen.perf.cost.components import odd_zero_clamp  # noqa: E402
from hwgen.perf.cost.tally import Tally  # noqa: E402
from hwgen.perf.cost.targets import cost_target  # noqa: E402

#: (multiplier, shift) of sweep points a03 and a02's adds
A03, A02 = (2082849930, -15), (1326775000, -14)
#: (constants, lanes, rounding, zero point, low clamp)
CASES = (
    *((A03, 1, "single", zp, zp) for zp in (0, 1, 2, 3, 4, 5, 6, 7, 12, 64, -1, -5, -8)),
    *((A03, 1, "single", 5, low) for low in (0, 64, -5, -128)),
    (A03, 1, "gemmlowp", 5, 5), (A03, 1, "gemmlowp", 4, 4),
    (A02, 4, "single", 7, 7), (A02, 4, "single", 6, 6),
    (A02, 8, "single", 7, 7), (A02, 8, "single", 6, 6),
)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="xcup,ecp5")
    parser.add_argument("--out", default="out/bench_rq_zp")
    args = parser.parse_args(argv)
    started, cpu_started = time.monotonic(), cpu_seconds()
    print("command: python " + " ".join([f"benchmarks/{Path(__file__).name}", *sys.argv[1:]]))
    for target in args.targets.split(","):
        work = Path(args.out).resolve() / target
        step = COEFFICIENTS[target]["lut"].get("rq_zp_odd", 0.0)
        print(f"\n### {target} (rq_zp_odd: {step:g} LUTs a lane)\n")
        print("| lanes | rounding | zero point | low clamp | LUTs (Yosys) | rq_zp_odd lanes |")
        print("|---|---|---|---|---|---|")
        for (multiplier, shift), lanes, rounding, zero_point, low in CASES:
            dut = Requantizer(acc_bits=23, output_type=IntType(8, True),
                              multiplier=np.full((1, lanes), multiplier),
                              shift=np.full((1, lanes), shift),
                              rounding=RequantRounding(rounding), zero_point=zero_point,
                              out_min=low, out_max=127)
            top = f"rq_{lanes}_{rounding}_{zero_point}_{low}".replace("-", "m")
            lut = synthesize_alone(top, verilog.convert(dut, name=top, emit_src=False), target,
                              work)["lut"]
            tally = Tally(cost_target(target))
            odd_zero_clamp(tally, lanes=lanes, rounding=rounding, zero_point=zero_point,
                           out_min=low)
            print(f"| {lanes} | {rounding} | {zero_point} | {low} | {lut} "
                  f"| {tally.features['rq_zp_odd']:g} |")
    print(f"\n{cpu_seconds() - cpu_started:.0f} CPU s, {time.monotonic() - started:.0f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
