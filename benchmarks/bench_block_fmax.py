"""Per-block Fmax on ECP5: each block (or glue instance) of a compiled design placed and
routed on its own.

    python benchmarks/bench_block_fmax.py OUT [--only layer_0,dwc_4_0] [--kinds ...]
                                          [--all] [--freq 150] [--seed 1]
    python benchmarks/bench_block_fmax.py --build cnn|mlp [--out out/bench_block_fmax]

OUT is a ``hwgen compile`` output directory (``--build`` makes the digits CNN or MLP the way
benchmarks/bench_resources.py does, into ``--out``/<design>/design). For every direct child of
the accelerator's top (one module per layer, plus the glue FIFOs, width converters and forks),
Yosys runs ``synth_ecp5`` with that module as top (everything below it flattened, as
``hwgen synth`` does per block) and nextpnr-ecp5 places and routes it ``--out-of-context``
(no I/O buffers, ports need no pins) on the LFE5U-25F, speed grade 8. Ports are not timed,
so the figure is register to register inside the block, and optimistic against the whole
design (shorter routes): aim for about 200 MHz here for 150 MHz in the whole design.
The int MVAUs are left out unless ``--all`` (or ``--kinds int_mvau``), being the multiply
paths other work is about, and slower to place.

Prints one row per block: Fmax, the critical path (ns, logic / routing, cells), its first and
last cell, and LUT4 / FF / CCU2C / DPR16X4 from Yosys' ``stat``; then CPU seconds (Yosys and
nextpnr run as child processes, counted by ``RUSAGE_CHILDREN``) and wall seconds. Work files
go to OUT/synth_blocks/. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from hwgen.synth import Progress  # noqa: E402
from hwgen.synth.design_dir import read_design_dir  # noqa: E402
from hwgen.synth.stat import module_cells  # noqa: E402
from hwgen.synth.tools import NEXTPNR_ECP5, YOSYS, require_tool, run_tool  # noqa: E402

WORK = "synth_blocks"
DEVICE = ("--25k", "--package", "CABGA381", "--speed", "8")
SKIPPED_KINDS = ("int_mvau",)


def _children(design, only, kinds, include_all):
    kind_of = {b.instance: b.kind for b in design.blocks}
    for instance in design.children:
        kind = kind_of.get(instance, "glue")
        if only and instance not in only:
            continue
        if kinds and kind not in kinds:
            continue
        if not (only or kinds or include_all) and kind in SKIPPED_KINDS:
            continue
        yield instance, kind


def _short(cell: str, width: int = 34) -> str:
    """A nextpnr cell name cut to its register or net stem (they grow with every mapping)."""
    stem = cell.lstrip("\\")
    for cut in ("_TRELLIS_FF", "_LUT4", "_CCU2C", "$"):
        stem = stem.split(cut)[0]
    return stem if len(stem) <= width else stem[:width - 1] + "~"


def _path(report: dict) -> dict | None:
    for path in report.get("critical_paths", []):
        if path.get("from") == path.get("to") and "posedge" in path.get("from", ""):
            steps = path["path"]
            return {"ns": sum(s["delay"] for s in steps),
                    "logic": sum(s["delay"] for s in steps if s["type"] == "logic"),
                    "routing": sum(s["delay"] for s in steps if s["type"] == "routing"),
                    "cells": len({s["to"]["cell"] for s in steps if s["type"] == "logic"}),
                    "from": steps[0]["from"]["cell"], "to": steps[-1]["to"]["cell"]}
    return None


def block_fmax(design, instance: str, *, freq: int, seed: int, progress) -> dict:
    """Synthesise and place one child module of ``design``'s top; its Fmax, path and cells."""
    module = design.module(instance)
    work = design.out / WORK
    work.mkdir(exist_ok=True)
    base = f"{WORK}/{instance}"
    script = "\n".join([
        f"read_verilog -defer {' '.join(design.sources)}",
        f"hierarchy -check -top {module}",
        "rename -hide w:*]",            # Yosys issue 4349, as hwgen synth does
        f"synth_ecp5 -top {module}",
        f"tee -q -o {base}.stat.json stat -json",
        f"write_json {base}.json",
    ]) + "\n"
    (work / f"{instance}.ys").write_text(script)
    if run_tool(YOSYS, ["-q", "-l", f"{base}.yosys.log", "-s", f"{base}.ys"], cwd=design.out,
                log=work / f"{instance}.yosys.log", phase=f"yosys {instance}",
                progress=progress):
        raise SystemExit(f"Yosys failed on {instance}: see {work / instance}.yosys.log")
    cells = module_cells(work / f"{instance}.stat.json")[module]
    args = ["--json", f"{base}.json", *DEVICE, "--freq", str(freq), "--timing-allow-fail",
            "--out-of-context", "--seed", str(seed), "--report", f"{base}.report.json",
            "-l", f"{base}.nextpnr.log", "-q"]
    if run_tool(NEXTPNR_ECP5, args, cwd=design.out, log=work / f"{instance}.nextpnr.log",
                phase=f"nextpnr-ecp5 {instance}", progress=progress):
        raise SystemExit(f"nextpnr failed on {instance}: see {work / instance}.nextpnr.log")
    report = json.loads((work / f"{instance}.report.json").read_text())
    fmax = [f["achieved"] for f in report.get("fmax", {}).values()]
    return {"fmax": min(fmax) if fmax else None, "path": _path(report),
            "lut": cells.get("LUT4", 0), "ff": cells.get("TRELLIS_FF", 0),
            "carry": cells.get("CCU2C", 0), "dpr": cells.get("TRELLIS_DPR16X4", 0)}


def build(name: str, out: Path) -> Path:
    import bench_resources

    label, builder = bench_resources.BUILDERS[name]
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    print(f"building {label} into {folder / 'design'}", flush=True)
    builder(folder).save(folder / "design")
    return folder / "design"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("design", nargs="?", help="a hwgen compile output directory")
    parser.add_argument("--build", choices=("cnn", "mlp"), help="build this example first")
    parser.add_argument("--out", default="out/bench_block_fmax", help="where --build writes")
    parser.add_argument("--only", default="", help="comma-separated instances")
    parser.add_argument("--kinds", default="", help="comma-separated block kinds, or glue")
    parser.add_argument("--all", action="store_true", help="the int MVAUs too")
    parser.add_argument("--freq", type=int, default=150)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quiet", action="store_true", help="no tool progress lines")
    args = parser.parse_args(argv)
    if not args.design and not args.build:
        parser.error("give a design directory or --build cnn|mlp")
    require_tool(YOSYS)
    require_tool(NEXTPNR_ECP5)
    out = build(args.build, Path(args.out)) if args.build else Path(args.design)
    design = read_design_dir(out)
    progress = Progress((lambda line: None) if args.quiet else None)
    only = {s for s in args.only.split(",") if s}
    kinds = {s for s in args.kinds.split(",") if s}

    wall, cpu0 = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    header = (f"{'instance':<10} {'kind':<15} {'Fmax MHz':>8} {'path ns':>7} {'logic':>5} "
              f"{'route':>5} {'cells':>5} {'LUT4':>5} {'FF':>5} {'CCU2C':>5} {'DPR':>4}  "
              "from -> to")
    rows = []
    for instance, kind in _children(design, only, kinds, args.all):
        r = block_fmax(design, instance, freq=args.freq, seed=args.seed, progress=progress)
        p = r["path"]
        where = f"{_short(p['from'])} -> {_short(p['to'])}" if p else "(no clocked path)"
        rows.append(
            f"{instance:<10} {kind:<15} {r['fmax'] or 0:>8.1f} "
            + (f"{p['ns']:>7.2f} {p['logic']:>5.2f} {p['routing']:>5.2f} {p['cells']:>5}"
               if p else f"{'':>7} {'':>5} {'':>5} {'':>5}")
            + f" {r['lut']:>5} {r['ff']:>5} {r['carry']:>5} {r['dpr']:>4}  {where}")
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"\n{design.top}: per-block ECP5 (LFE5U-25F, speed 8, --out-of-context, seed "
          f"{args.seed}, --freq {args.freq})")
    print(header)
    print("\n".join(rows))
    print(f"\ntools: {used.ru_utime + used.ru_stime - cpu0.ru_utime - cpu0.ru_stime:.1f} CPU s, "
          f"{time.monotonic() - wall:.1f} s wall")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
