"""Per-module LUTs of some sweep points synthesised with EVERY module kept, beside the model.

    python benchmarks/bench_kept_modules.py [--targets xcup,ecp5] [--no-synth]

benchmarks/fit_cost_model.py fits whole blocks: a part every block of a kind has once (a
threshold unit, a requantizer lane) cannot be told from the rest of its block there. Here
sweep points (benchmarks/cost_sweep.py) are synthesised with ``keep_hierarchy`` on each of
their modules, so Yosys reports the threshold unit (``activation``) and the requantizer (and
the shared requantizer's wrapper) on their own, and the script prints:

* per threshold unit, its LUTs (without its per-fold tables, which are ROMs counted apart)
  per bit of its comparators (the ``thr_cmp`` feature, ``hwgen.perf.cost.components.
  threshold_unit``): the constants set by hand in ``FIXED`` of
  hwgen/perf/cost/coefficients.py;
* per int MVAU, the requantizer's LUTs (tables and wrapper included) against the model's
  estimate of it (``components.requantizer`` / ``shared_requantizer`` with the fitted
  coefficients).

Results are cached in benchmarks/kept_modules.json (``--no-synth`` reads only the cache). A
module kept apart misses the optimisations across its boundary (constants, sharing between
lanes), so its figures are those of the module, not exactly of the flattened block.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import yosys_batch
from cost_sweep import build_point

from hwgen.perf.cost.components import requantizer, shared_requantizer, threshold_unit
from hwgen.perf.cost.model import evaluate
from hwgen.perf.cost.tally import Tally
from hwgen.perf.cost.targets import cost_target

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / "kept_modules.json"
WORK = ROOT / "out" / "kept_modules"
#: threshold units of XNOR, binary-weight and ternary MVAUs (1- and 2-bit outputs)
THRESHOLD_POINTS = ("b01", "b02", "b03", "b06", "bw2", "t02")
#: int MVAUs: gemmlowp and single rounding, per-fold and constant shifts, serial and split
#: multiplies, one to eight rounds of a shared lane, a lane per PE (i21)
REQUANT_POINTS = ("i01", "i03", "i05", "i06", "i11", "i14", "i16", "i17", "i18", "i19", "i21",
                  "c02")


def synthesize(target: str, points) -> dict:
    """``{module: {"resources": ..., "cells": ...}}`` of ``points`` with every module kept."""
    designs = {pid: build_point(pid) for pid in points}
    return yosys_batch.synthesize_batch(
        {pid: d.verilog for pid, d in designs.items()}, target, WORK / target,
        images={pid: d.rtl.images for pid, d in designs.items()}, keep_all=True)["modules"]


def _lut(modules: dict, name: str, *, children: bool = True) -> float:
    return sum(entry["resources"]["lut"] for module, entry in modules.items()
               if module == name or (children and module.startswith(name + ".")))


def threshold_units(target: str, modules: dict) -> None:
    print(f"{target}: threshold unit LUTs (tables apart) per comparator bit (thr_cmp)")
    for pid in THRESHOLD_POINTS:
        name = f"{pid}.layer_0.activation"
        if name not in modules:
            continue
        p = build_point(pid).blocks[0]
        thresholds, flip = p.hw_thresholds()
        tally = Tally(cost_target(target))
        threshold_unit(tally, acc_bits=p.hw_acc_bits,
                       thresholds=thresholds.reshape(p.nf, p.pe, -1),
                       flip=flip.reshape(p.nf, p.pe), out_bits=p.output_type.bits)
        lut = _lut(modules, name, children=False)
        bits = tally.features["thr_cmp"]
        print(f"  {pid}: {lut:4.0f} LUT / {bits:4.0f} bits = {lut / bits:.2f}")


def requantizer_samples(target: str, modules: dict) -> list[dict]:
    """Per int MVAU of :data:`REQUANT_POINTS` in ``modules``: the requantizer's tally
    (``components.requantizer`` / ``shared_requantizer``) and its measured cells (the
    module, its tables and, when shared, the wrapper), as benchmarks/fit_cost_model.py's
    samples (kind ``requantizer``)."""
    out = []
    for pid in REQUANT_POINTS:
        for index, p in enumerate(build_point(pid).blocks):
            name = f"{pid}.layer_{index}.requantizer"
            if p.kind != "int_mvau" or name not in modules:
                continue
            tally = Tally(cost_target(target))
            args = dict(acc_bits=p.acc_bits, out_bits=p.output_type.bits,
                        multiplier=p.multiplier.reshape(p.nf, p.pe),
                        shift=p.shift.reshape(p.nf, p.pe), rounding=p.rounding.value,
                        pipelined=True, serial=p.requant_serial,
                        narrow_bits=p.requant_acc_bits)
            if p.requant_rounds > 1:
                shared_requantizer(tally, units=p.requant_units, **args)
            else:
                requantizer(tally, lanes=p.pe, **args)
            observed = {r: sum(entry["resources"][r] for module, entry in modules.items()
                               if module == name or module.startswith(name + "."))
                        for r in ("lut", "ff", "carry", "dsp", "bram", "lutram")}
            lanes = p.requant_units if p.requant_rounds > 1 else p.pe
            out.append({"point": pid, "part": f"layer_{index}.requantizer",
                        "kind": "requantizer", "tally": tally, "observed": observed,
                        "label": f"{lanes} lane(s), {p.requant_rounds} round(s), "
                                 f"{p.rounding.value}{', serial' if p.requant_serial else ''}"})
    return out


def requantizers(target: str, modules: dict) -> None:
    print(f"{target}: requantizer LUTs (tables and shared wrapper included) vs the model's")
    for s in requantizer_samples(target, modules):
        lut, est = s["observed"]["lut"], evaluate(s["tally"]).lut
        print(f"  {s['point']} {s['part']} ({s['label']}): {lut:5.0f} LUT, model {est:5.0f} "
              f"({(est - lut) / lut:+.0%})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="xcup,ecp5")
    parser.add_argument("--no-synth", action="store_true", help="use the cache only")
    args = parser.parse_args(argv)
    print("command: python " + " ".join(["benchmarks/bench_kept_modules.py", *sys.argv[1:]]))
    cache = json.loads(CACHE.read_text()) if CACHE.exists() else {}
    for target in args.targets.split(","):
        if not args.no_synth:
            started = time.monotonic()
            cache[target] = synthesize(target, THRESHOLD_POINTS + REQUANT_POINTS)
            CACHE.write_text(json.dumps(cache, indent=1, sort_keys=True) + "\n")
            print(f"{target}: synthesised in {time.monotonic() - started:.0f} s")
        if target not in cache:
            print(f"{target}: nothing cached; run without --no-synth")
            continue
        threshold_units(target, cache[target])
        requantizers(target, cache[target])
    return 0


if __name__ == "__main__":
    sys.exit(main())
