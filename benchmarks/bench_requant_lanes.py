"""An int MVAU's requantizer lanes alone, by accumulator width and folds, against the model.

    python benchmarks/bench_requant_lanes.py [--targets xcup,ecp5] [--points i36,i37,i22]
                                             [--acc 10,12,14,19] [--shifts 0,-1,-7]
                                             [--out out/bench_rq_lanes]

Synthesises the pipelined ``hwgen.hw.arith.Requantizer`` of each sweep point's int MVAU
(benchmarks/cost_sweep.py, ``point`` or ``point/index``; with ``SF = 1`` a lane per PE) alone,
with the point's own multipliers, shifts, zero point and clamps, at its accumulator width and
at each width of ``--acc``, and with every lane's shift set to each of ``--shifts`` (a
gemmlowp lane's right shift is ``-shift`` when negative, none otherwise): the lanes between
the block's ports, as the block feeds them (its
accumulators) and reads them (the output FIFO). Prints per variant the LUTs Yosys gives the
requantizer, the model's count of the same requantizer (``components.requantizer``, the
current coefficients) and the lanes' kept bits (``rq_g_bits``), and the CPU seconds (Yosys
counted as a child) beside the wall seconds. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from amaranth.back import verilog  # noqa: E402
from bench_weight_rom_in_block import int_block  # noqa: E402
from cpu_time import cpu_seconds  # noqa: E402
from yosys_batch import synthesize_alone  # noqa: E402

from hwgen.hw.arith.requantizer import Requantizer  # noqa: E402
from hwgen.perf.cost.components import requantizer  # noqa: E402
from hwgen.perf.cost.model import evaluate  # noqa: E402
from hwgen.perf.cost.tally import Tally  # noqa: E402
from hwgen.perf.cost.targets import cost_target  # noqa: E402

#: the explorer's few-step W4A4 conv1 shapes (i36 one step, i37 two, i35 four) and the
#: fitted one-step-per-fold points with wider accumulators (i22 19 bits, i30 14)
POINTS = ("i36", "i37", "i35", "i22", "i30")


def with_shift(p, shift):
    """``p`` with every lane's shift ``shift`` (``None``: as it is)."""
    return p if shift is None else replace(p, shift=np.full_like(p.shift, shift))


def lanes_of(p, acc_bits: int):
    """The block's requantizer (a lane per PE: ``SF = 1``) at ``acc_bits``."""
    return Requantizer(acc_bits=acc_bits, output_type=p.output_type,
                       multiplier=p.multiplier.reshape(p.nf, p.pe),
                       shift=p.shift.reshape(p.nf, p.pe), rounding=p.rounding,
                       zero_point=p.out_zero_point, out_min=p.out_min, out_max=p.out_max,
                       pipelined=True)


def model_lanes(p, acc_bits: int, target: str) -> tuple[float, float]:
    """The model's LUTs of the same requantizer and its lanes' kept bits."""
    t = Tally(cost_target(target))
    requantizer(t, lanes=p.pe, acc_bits=acc_bits, out_bits=p.output_type.bits,
                multiplier=p.multiplier.reshape(p.nf, p.pe),
                shift=p.shift.reshape(p.nf, p.pe), rounding=p.rounding.value, pipelined=True)
    return evaluate(t).lut, t.features["rq_g_bits"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="xcup,ecp5")
    parser.add_argument("--points", default=",".join(POINTS))
    parser.add_argument("--acc", default="", help="accumulator widths besides the point's own")
    parser.add_argument("--shifts", default="",
                        help="every lane's shift set to each of these, besides as it is")
    parser.add_argument("--out", default="out/bench_rq_lanes")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message=".*created but never used")
    started, cpu_started = time.monotonic(), cpu_seconds()
    print("command: python " + " ".join([f"benchmarks/{Path(__file__).name}", *sys.argv[1:]]))
    extra = [int(a) for a in args.acc.split(",") if a]
    shifts = [None, *(int(s) for s in args.shifts.split(",") if s)]
    for target in args.targets.split(","):
        work = Path(args.out).resolve() / target
        print(f"\n### {target}\n")
        print("| point | lanes | NF | shifts | accumulator | LUTs (Yosys) | model | kept bits "
              "| Yosys a lane |")
        print("|---|---|---|---|---|---|---|---|---|")
        for spec in args.points.split(","):
            pid, block = int_block(spec)
            for shift, acc_bits in itertools.product(shifts, sorted({block.acc_bits, *extra})):
                p = with_shift(block, shift)
                named = "" if shift is None else f"_s{shift}".replace("-", "m")
                top = f"rql_{pid}_{acc_bits}{named}"
                dut = lanes_of(p, acc_bits)
                lut = synthesize_alone(top, verilog.convert(dut, name=top, emit_src=False),
                                       target, work)["lut"]
                model, kept = model_lanes(p, acc_bits, target)
                shown = ",".join(str(s) for s in sorted(set(p.shift.tolist())))
                print(f"| {spec} | {p.pe} | {p.nf} | {shown} | {acc_bits} | {lut} "
                      f"| {model:.0f} | {kept:.0f} | {lut / p.pe:.1f} |", flush=True)
    print(f"\n{cpu_seconds() - cpu_started:.0f} CPU s, {time.monotonic() - started:.0f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
