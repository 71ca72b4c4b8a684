"""A binary-weight MVAU's weight ROM inside its block, by the words a column depends on.

    python benchmarks/bench_bwn_rom_period.py [--targets xc7] [--point bw3]
                                              [--periods 1,2,4,8,16,32,64] [--seed S]

The sweep point's binary-weight MVAU (benchmarks/cost_sweep.py) is synthesised as the sweep
synthesises it (its own module, flattened: benchmarks/yosys_batch.py) with its weight rows
repeated with period ``P`` neuron folds (row ``r`` replaced by row ``r mod P x PE``): each
weight column then depends on ``P x SF`` words, ``NF x SF`` (the ROM's depth) at ``P = NF``,
the block as it is. Everything else (the requantizer's per-fold tables, the dot products,
the control) is the same in every block of a series, so the LUTs one period adds over the
last, per weight column, are what a column's doubling costs inside the block, and the LUTs
above the first period's (a column of ``SF`` words or fewer: next to nothing) what a column of
that many words costs; the model's ``ROM_LUTS`` (an int MVAU's column, ``rom``) and
``BIN_ROM_LUTS`` (a ternary one, ``bin_rom``) beside them. ``--seed``: the weights redrawn
at random first (other contents).

Prints one row per period and the Yosys CPU seconds beside the wall seconds. Figures, not
assertions (docs/synthesis.md, "bw3: ...").
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

from hwgen.hw.binary.bwn_mvau import BinaryWeightMvau
from hwgen.perf.cost.binary_mvau import bin_rom_luts
from hwgen.perf.cost.tally import rom_luts_of_depth

WORK = Path(__file__).resolve().parent.parent / "out" / "bwn_rom_period"


def periodic(p, period: int):
    """``p`` with its weight rows repeated every ``period`` neuron folds."""
    rows = period * p.pe
    return replace(p, weights=np.tile(np.asarray(p.weights)[:rows], (p.mh // rows, 1)))


def redrawn(p, seed: int):
    """``p`` with other random bipolar weights."""
    w = np.asarray(p.weights)
    rng = np.random.default_rng(seed)
    return replace(p, weights=rng.choice(np.array([-1, 1], dtype=w.dtype), size=w.shape))


def series(point: str, periods, target: str, seed: int | None) -> None:
    """Synthesise the point at each period and print the LUTs a column adds."""
    p = build_point(point).blocks[0]
    if seed is not None:
        p = redrawn(p, seed)
    periods = [q for q in periods if q <= p.nf and p.nf % q == 0]
    designs = {f"{point}_p{q}": verilog.convert(BlockTop(BinaryWeightMvau(params=periodic(p, q))),
                                                 name=f"{point}_p{q}") for q in periods}
    result = yosys_batch.synthesize_batch(designs, target, WORK / target)["designs"]
    columns = p.pe * p.simd
    print(f"\n{target}: {point} (NF {p.nf}, SF {p.sf}, {columns} weight columns), seed {seed}")
    print("| period | words | LUT | added a column | above the first, a column | rom a column "
          "| bin_rom a column |")
    print("|---|---|---|---|---|---|---|")
    first = last = None
    for q in periods:
        lut = result[f"{point}_p{q}"]["layer_0"]["resources"]["lut"]
        words = q * p.sf
        added = "" if last is None else f"{(lut - last) / columns:.2f}"
        first = lut if first is None else first
        print(f"| {q} | {words} | {lut} | {added} | {(lut - first) / columns:.2f} | "
              f"{rom_luts_of_depth(target, words, counter=True):.1f} | "
              f"{bin_rom_luts(target, words):.1f} |")
        last = lut


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="xc7")
    parser.add_argument("--point", default="bw3")
    parser.add_argument("--periods", default="1,2,4,8,16,32,64")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    wall, cpu0 = time.monotonic(), child_cpu_seconds()
    for target in args.targets.split(","):
        series(args.point, [int(q) for q in args.periods.split(",")], target, args.seed)
    print(f"\nyosys: {child_cpu_seconds() - cpu0:.0f} CPU s, "
          f"{time.monotonic() - wall:.0f} s wall")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
