"""``pipeline = "deep"`` against the default pipeline on the digits MLP and CNN.

    python benchmarks/bench_deep_pipeline.py [--designs mlp,cnn] [--images 20]
                                             [--out out/bench_deep] [--pnr [BUILDS]]
                                             [--seeds 1,2,3]

Builds each example's model as benchmarks/bench_resources.py does (examples/digits_mlp.py,
examples/digits_cnn.py with hwgen's PTQ, ``max_macs=64``), compiles it three ways: the
default, ``{"default": {"dsp_packing": "off"}}`` and ``{"default": {"dsp_packing": "off",
"pipeline": "deep"}}`` (the ECP5 build), simulates the first ``--images`` test images on
Verilator and prints, per build, whether the RTL equals the golden model and the cycle
model, the latency of one image, the II and the whole run's cycles (model and RTL), with
each MVAU's write delay (``hwgen.perf.mvau.int_mvau_write_delay``). Designs are written to
OUT/<design>-<build>/design, ready for ``hwgen synth ... --target ecp5``. Figures, not
assertions; CPU seconds (this process and its children) beside wall seconds.

With ``--pnr`` (default build ``off-deep``; or a comma list of builds) each of those designs
is then synthesised and placed and routed on ECP5 (``hwgen synth OUT --target ecp5``:
Yosys with the MULT18X18D register absorption once, then nextpnr-ecp5 speed grade 8 at 150
MHz once per seed of ``--seeds``: ``hwgen synth --seed 1,2,3``), and each seed's Fmax,
throughput and critical path are printed: minutes per design.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cpu_time import cpu_seconds  # noqa: E402
from digits_models import digits_cnn_onnx, digits_mlp_onnx  # noqa: E402

import hwgen  # noqa: E402
from hwgen.ir import IntMvauParams  # noqa: E402
from hwgen.perf.mvau import int_mvau_write_delay  # noqa: E402

BUILDS = {
    "auto": None,
    "off": {"default": {"dsp_packing": "off"}},
    "off-deep": {"default": {"dsp_packing": "off", "pipeline": "deep"}},
}


def models(out: Path, names):
    """``{name: (onnx path, calibration, test inputs)}`` built as the examples build them."""
    trainers = {"mlp": digits_mlp_onnx, "cnn": digits_cnn_onnx}
    return {name: (out / f"{name}.onnx", *trainers[name](out / f"{name}.onnx"))
            for name in names}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--designs", default="mlp,cnn")
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--out", default="out/bench_deep")
    parser.add_argument("--pnr", nargs="?", const="off-deep", default=None,
                        help="place and route these builds on ECP5 (default off-deep)")
    parser.add_argument("--seeds", default="1",
                        help="nextpnr placement seeds, a comma list (default 1)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print("| design | build | MVAU write delays | RTL = golden | cycles = model | latency "
          "model / RTL | II model / RTL | total model / RTL | CPU s | wall s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    ok = True
    for name, (path, calibration, x_test) in models(out, args.designs.split(",")).items():
        x = x_test[:args.images]
        for build, config in BUILDS.items():
            cpu, wall = cpu_seconds(), time.perf_counter()
            design = hwgen.compile(path, calibration, config, max_macs=64)
            design.save(out / f"{name}-{build}" / "design")
            sim = design.simulate(x, simulator="verilator")
            r, c = sim.result, sim.result["cycles"]
            delays = ", ".join(f"{b.name} {int_mvau_write_delay(b)}" for b in design.blocks
                               if isinstance(b, IntMvauParams))
            print(f"| {name} | {build} | {delays} | {r['bit_exact']} | {r['cycles_exact']} "
                  f"| {c['latency_model']} / {c['latency_rtl']} | {c['ii_model']} / "
                  f"{c['ii_rtl']} | {c['total_model']} / {c['total_rtl']} "
                  f"| {cpu_seconds() - cpu:.1f} | {time.perf_counter() - wall:.1f} |",
                  flush=True)
            ok = ok and r["bit_exact"] and r["cycles_exact"] is True
    if args.pnr:
        print()
        for name in args.designs.split(","):
            for build in args.pnr.split(","):
                seeds = tuple(int(s) for s in args.seeds.split(","))
                place_and_route(f"{name} {build}", out / f"{name}-{build}" / "design", seeds)
    return 0 if ok else 1


def place_and_route(title: str, design_dir: Path, seeds: tuple) -> None:
    """``hwgen synth DESIGN --target ecp5 --seed SEEDS`` (one synthesis, a place and route
    per seed) and one line of its figures per seed."""
    from hwgen.synth import synthesize
    from hwgen.synth.report_section import critical_path_text
    cpu, wall = cpu_seconds(), time.perf_counter()
    data = synthesize(design_dir, "ecp5", seed=seeds if len(seeds) > 1 else seeds[0])
    total = data["totals"]
    print(f"{title}: ECP5 {data['device']}, LUT4 {total['lut']} / FF {total['ff']} / "
          f"MULT18X18D {total['dsp']} / DP16KD {total['bram']}; {cpu_seconds() - cpu:.0f} CPU "
          f"s, {time.perf_counter() - wall:.0f} s wall for synthesis and {len(seeds)} place "
          "and route", flush=True)
    for run in data["seeds"]:
        kept = " (kept)" if run["seed"] == data["seed"] else ""
        path = run["critical_path"]
        where = (f"{path['delay_ns']:.2f} ns, {path['from']} -> {path['to']}" if path
                 else "none reported")
        print(f"  seed {run['seed']}{kept}: Fmax {run['fmax_mhz']:.1f} MHz (target "
              f"{data['target_mhz']} MHz), {run['fmax_mhz'] * 1e6 / data['ii_cycles']:,.0f} "
              f"inferences/s at II {data['ii_cycles']}; critical path {where}", flush=True)
    print(f"  kept seed {data['seed']}'s critical path: "
          f"{critical_path_text(data['critical_path'])}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
