"""StreamFifo alone: Yosys LUT / FF against the cost model, per width and depth.

    python benchmarks/bench_stream_fifo.py [--targets ice40,xc7] [--widths 1,4,8]
                                           [--depths 2,3,4,5,8,9,16,17] [--out out/bench_fifo]

Each FIFO (``hwgen.hw.stream.fifo.StreamFifo``, beats of ``width`` bits, ``depth`` beats) is
its own module, kept apart in one Yosys run per target with the script ``hwgen synth`` runs
(benchmarks/yosys_batch.py), and is compared with the cost model (``input_fifo_features``
and the fitted coefficients, as ``glue_tallies`` counts a block's input FIFO). The binary MLP
example's second input FIFO is 9 beats of 4 bits. Prints one row per FIFO (LUT, FF and LUT
RAM, estimate / Yosys, the LUT error against a floor of 20), then per target the mean and
worst absolute LUT error, and the CPU seconds (Yosys counted as a child) beside the wall
seconds. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from amaranth.back import verilog  # noqa: E402
from cpu_time import cpu_seconds  # noqa: E402
from yosys_batch import synthesize_batch  # noqa: E402

from hwgen.hw.stream.fifo import StreamFifo  # noqa: E402
from hwgen.perf.cost.model import evaluate  # noqa: E402
from hwgen.perf.cost.stream import input_fifo_features  # noqa: E402
from hwgen.perf.cost.tally import Tally  # noqa: E402
from hwgen.perf.cost.targets import cost_target  # noqa: E402

FLOOR = 20


def _error(estimate: float, observed: float) -> float:
    return (estimate - observed) / max(observed, FLOOR)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="ice40,xc7")
    parser.add_argument("--widths", default="1,4,8")
    parser.add_argument("--depths", default="2,3,4,5,8,9,16,17")
    parser.add_argument("--out", default="out/bench_fifo")
    args = parser.parse_args(argv)
    started, cpu_started = time.monotonic(), cpu_seconds()
    configs = [(int(w), int(d)) for w in args.widths.split(",")
               for d in args.depths.split(",")]
    designs = {}
    for width, depth in configs:
        top = f"fifo_{width}_{depth}"
        designs[top] = verilog.convert(StreamFifo(payload_shape=width, depth=depth),
                                       name=top, emit_src=False)
    print("command: python " + " ".join([f"benchmarks/{Path(__file__).name}", *sys.argv[1:]]))
    for target in args.targets.split(","):
        synthesized = synthesize_batch(designs, target, Path(args.out) / target)["designs"]
        print(f"\n### {target}\n")
        print("| width | depth | LUT estimate / Yosys | FF estimate / Yosys | LUT RAM |")
        print("|---|---|---|---|---|")
        errors = []
        for (width, depth), top in zip(configs, designs, strict=True):
            # the top and its kept child (SyncFIFO, ``queue``) summed
            observed = {r: sum(part["resources"][r] for part in synthesized[top].values())
                        for r in ("lut", "ff", "lutram")}
            tally = Tally(cost_target(target))
            input_fifo_features(tally, width_bits=width, depth=depth)
            estimate = evaluate(tally).rounded()
            lut = _error(estimate.lut, observed["lut"])
            errors.append(abs(lut))
            print(f"| {width} | {depth} | {estimate.lut} / {observed['lut']} ({lut:+.0%}) "
                  f"| {estimate.ff} / {observed['ff']} | {estimate.lutram} / "
                  f"{observed['lutram']} |")
        print(f"\n{target}: {len(errors)} FIFOs, LUT mean {sum(errors) / len(errors):.1%}, "
              f"worst {max(errors):.1%}")
    print(f"\n{cpu_seconds() - cpu_started:.0f} CPU s, {time.monotonic() - started:.0f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
