"""What the shared requantizer's per-channel tables cost inside their int MVAU.

    python benchmarks/bench_requant_tables.py [--targets xcup,ecp5] [--points g06/0,g07/0,i16]
                                              [--variants as,rqflat,mflat,sflat,mlow8] [--alone]

An int MVAU with ``SF > 1`` requantizes its ``PE`` accumulators through a
:class:`~hwgen.hw.arith.shared_requantizer.SharedRequantizer`, whose multiplier and shift
tables have a word per fold and round (``NF x rounds`` words), read at
``Mux(i_valid, base, slot)``. The cost model counts them as ``rq_table`` (distinct columns x
words) beside their ROM columns (``rom``). Here each sweep point's int MVAU
(benchmarks/cost_sweep.py, ``point`` or ``point/index``) is synthesised with the sweep's Yosys
script (benchmarks/yosys_batch.py; each block under a top, as in the sweep) with its
requantization constants changed:

``as``      as it is;
``rqflat``  multiplier and shift per-tensor (channel 0's): no table;
``mflat``   the multiplier per-tensor, the shift per channel;
``sflat``   the shift per-tensor, the multiplier per channel;
``mlowK``   the shift per-tensor and every multiplier channel 0's but for its own low ``K``
            bits: at most ``K`` varying multiplier columns.

With ``--alone`` the block's :class:`SharedRequantizer` is synthesised by itself instead (the
same constants, its ports the design's; the model column is then the block's estimate, as
inside). Printed per point: the words, the tables' distinct varying columns, each variant's
LUTs, and the LUTs each table costs (the variant less ``rqflat``) beside what the model counts
for it (its estimate less its estimate of ``rqflat``), and per distinct column.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import yosys_batch
from amaranth.back import verilog
from bench_weight_rom_in_block import int_block
from cpu_time import child_cpu_seconds
from yosys_batch import BlockTop

from hwgen.catalog import kind_of, resolve
from hwgen.hw.arith.int_mvau import IntMvau
from hwgen.hw.arith.shared_requantizer import SharedRequantizer
from hwgen.perf.cost.memory import rom_from_fields
from hwgen.perf.cost.model import evaluate, tally_of

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "out" / "requant_tables"
#: the chain points' first int MVAUs that miss, i16 and shared-requantizer points of other
#: table depths (15 to 64 words)
POINTS = ("g07/0", "g06/0", "i16", "g09/0", "i03", "i14")
VARIANTS = ("as", "rqflat", "mflat", "sflat", "mlow8")


def variant(p, name: str):
    """``p`` with its requantization constants changed as ``name`` says (module docstring)."""
    m, s = np.asarray(p.multiplier), np.asarray(p.shift)
    if name == "as":
        return p
    if name in ("rqflat", "sflat") or name.startswith("mlow"):
        s = np.full_like(s, s[0])
    if name in ("rqflat", "mflat"):
        m = np.full_like(m, m[0])
    if name.startswith("mlow"):
        low = (1 << int(name[4:])) - 1
        m = (m[0] & ~low) | (m & low)
    return replace(p, multiplier=m, shift=s)


def shared_requantizer(p) -> SharedRequantizer:
    """Block ``p``'s shared requantizer as :class:`~hwgen.hw.arith.int_mvau.IntMvau` builds
    it (the sweep's blocks are neither deep nor narrow)."""
    return SharedRequantizer(
        units=p.requant_units, acc_bits=p.acc_bits, output_type=p.output_type,
        multiplier=p.multiplier.reshape(p.nf, p.pe), shift=p.shift.reshape(p.nf, p.pe),
        rounding=p.rounding, zero_point=p.out_zero_point, out_min=p.out_min,
        out_max=p.out_max, pipelined=True, serial=p.requant_serial)


def table_shape(p) -> tuple[int, int, int]:
    """``(words, multiplier columns, shift columns)``: the per-round tables' words and their
    distinct varying columns (as the model counts them)."""
    units, rounds = p.requant_units, p.requant_rounds

    def per_round(values):
        values = np.asarray(values, dtype=np.int64).reshape(p.nf, p.pe)
        padded = np.concatenate(
            [values, np.repeat(values[:, :1], rounds * units - p.pe, axis=1)], axis=1)
        return padded.reshape(p.nf * rounds, units)

    m = rom_from_fields(per_round(p.multiplier), 31, sync_read=False)
    s = rom_from_fields(per_round(p.shift) & 63, 6, sync_read=False)
    return p.nf * rounds, m.distinct, s.distinct


def estimate(p, target: str) -> float:
    """The model's LUTs for block ``p`` on ``target``."""
    return evaluate(tally_of(resolve(kind_of(p).cost_model).features, p, target)).lut


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="xcup,ecp5")
    parser.add_argument("--points", default=",".join(POINTS))
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--alone", action="store_true",
                        help="the shared requantizer alone, not the block")
    args = parser.parse_args(argv)
    names = args.variants.split(",")
    if "rqflat" not in names:
        names.insert(0, "rqflat")
    wall, cpu0 = time.monotonic(), child_cpu_seconds()
    for target in args.targets.split(","):
        designs, meta = {}, {}
        for spec in args.points.split(","):
            pid, p = int_block(spec)
            for name in names:
                top = f"{pid}_{spec.partition('/')[2] or 0}_{name}"
                q = variant(p, name)
                unit = shared_requantizer(q) if args.alone else IntMvau(params=q)
                designs[top] = verilog.convert(BlockTop(unit), name=top)
                meta[top] = (spec, name, q)
        work = WORK / f"{target}{'_alone' if args.alone else ''}"
        result = yosys_batch.synthesize_batch(designs, target, work)["designs"]
        where = "alone" if args.alone else "inside the block"
        print(f"{target}: the shared requantizer's tables {where} (LUTs; a table: the "
              "variant less rqflat, Yosys / model, and Yosys per distinct column)")
        rows = {}
        for top, (spec, name, q) in meta.items():
            rows.setdefault(spec, {})[name] = (result[top]["layer_0"]["resources"]["lut"],
                                               estimate(q, target), table_shape(q))
        for spec, row in rows.items():
            flat, flat_est, _ = row["rqflat"]
            words = row.get("as", row["rqflat"])[2][0]
            print(f"  {spec:6} {words:3} words, rqflat {flat} LUT (model {flat_est:.0f})")
            for name, (lut, est, (_, mcols, scols)) in row.items():
                if name == "rqflat":
                    continue
                cols = mcols + scols
                print(f"    {name:7} {lut:5} LUT: tables {lut - flat:5} / model "
                      f"{est - flat_est:5.0f}; {mcols:2} + {scols} columns, "
                      f"{(lut - flat) / max(cols, 1):5.2f} LUT a column")
    print(f"\nyosys: {child_cpu_seconds() - cpu0:.0f} CPU s, "
          f"{time.monotonic() - wall:.0f} s wall")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
