"""The analytic cost model against Yosys: per layer and in total, on the shipped examples and
on the held-out part of the cost-model sweep.

    python benchmarks/bench_resources.py [--targets xcup,ecp5] [--designs mlp,cnn,binary,mx]
                                         [--out out/bench_resources] [--no-synth] [--pnr]

Each example is built as its script builds it (examples/digits_mlp.py: scikit-learn MLP
64-64-32-10, int8; examples/digits_cnn.py: conv3x3(8)-relu-maxpool-conv3x3(16)-relu-dense(10),
hwgen's PTQ; examples/binary_mlp.py: the binarized MLP 64-128-64-10 from QONNX;
examples/digits_mx.py's MXFP4 row: the digits MLP with MXFP4 weights, blocks of 32; all at the
examples' ``--max-macs``), written to OUT/<design>/design, and synthesised with the Yosys script
``hwgen synth`` runs (hierarchy kept per block; benchmarks/yosys_batch.py). Synthesis results
are cached in benchmarks/cost_sweep.json by the Verilog's sha256, so a second run only
estimates. The estimate is ``hwgen.perf.cost.design_cost`` (what ``hwgen compile`` puts in
manifest.json).

Prints, per design and target, LUT / FF / carry / DSP / BRAM / LUTRAM as ``estimate / Yosys
(relative error)`` per block, for the glue and in total, then the error per block kind on the
sweep's held-out points (benchmarks/cost_sweep.py). The relative error of a count below 20
(LUT, FF) or 5 (carry) is taken against that floor. With ``--pnr`` each design is also placed
and routed on ECP5 (``hwgen synth``: nextpnr, speed grade 8) for Fmax and the critical path;
that takes minutes per design. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import onnx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))
sys.path.insert(0, str(ROOT))

import binary_mlp  # noqa: E402
from cost_sweep import point_ids  # noqa: E402
from digits_models import digits_cnn_onnx, digits_mlp_onnx  # noqa: E402
from fit_cost_model import FLOOR, relative, report, samples  # noqa: E402
from sweep_cache import load_cache, synthesize_designs  # noqa: E402

import hwgen  # noqa: E402
from hwgen.backend.writer import write_design  # noqa: E402
from hwgen.perf.cost import design_cost  # noqa: E402
from hwgen.perf.cost.coefficients import COEFFICIENTS, FITTED  # noqa: E402

RESOURCES = ("lut", "ff", "carry", "dsp", "bram", "lutram")


def build_mlp(out: Path):
    x_train, _ = digits_mlp_onnx(out / "model.onnx")
    return hwgen.compile(out / "model.onnx", x_train, max_macs=64, top="bench_mlp")


def build_cnn(out: Path):
    x_train, _ = digits_cnn_onnx(out / "model.onnx")
    return hwgen.compile(out / "model.onnx", x_train, max_macs=64, top="bench_cnn")


def build_binary(out: Path):
    x_train, _, y_train, _ = binary_mlp.load_data()
    onnx.save(binary_mlp.to_qonnx(binary_mlp.train(x_train, y_train)), out / "model.onnx")
    return hwgen.compile(out / "model.onnx", x_train, max_macs=256, top="bench_binary")


def build_mx(out: Path):
    x_train, _ = digits_mlp_onnx(out / "model.onnx")
    config = {"default": {"weights": "mxfp4", "block_size": 32}}
    return hwgen.compile(out / "model.onnx", x_train, config, max_macs=64, top="bench_mx")


BUILDERS = {"mlp": ("digits MLP (int8)", build_mlp), "cnn": ("digits CNN (int8)", build_cnn),
            "binary": ("binary MLP (BWN / XNOR)", build_binary),
            "mx": ("digits MLP, MXFP4 weights", build_mx)}


def _cell(estimate, observed, resource) -> str:
    text = f"{estimate:g} / {observed:g}"
    if resource in FLOOR:
        text += f" ({relative(estimate, observed, FLOOR[resource]):+.0%})"
    return text


def print_design(title: str, lowered, synthesized: dict, target: str) -> dict:
    """The table of one design on one target; returns the total's relative errors."""
    cost = design_cost(lowered.blocks, lowered.edges, target)
    print(f"### {title}, {target}: estimate / Yosys (error)")
    print()
    print("| block | kind | " + " | ".join(r.upper() if r != "lutram" else "LUTRAM"
                                           for r in RESOURCES) + " |")
    print("|---|---|" + "---|" * len(RESOURCES))
    for block, est, syn in zip(lowered.blocks, cost.blocks, synthesized["blocks"],
                               strict=True):
        print(f"| {block.name} | {block.kind} | " + " | ".join(
            _cell(getattr(est, r), syn["resources"][r], r) for r in RESOURCES) + " |")
    glue_est = {r: sum(getattr(g, r) for g in cost.glue.values()) for r in RESOURCES}
    glue_syn = {r: sum(g["resources"][r] for g in synthesized["glue"].values())
                for r in RESOURCES}
    print("| glue (FIFOs, width converters, top) | | " + " | ".join(
        _cell(glue_est[r], glue_syn[r], r) for r in RESOURCES) + " |")
    total_syn = {r: sum(b["resources"][r] for b in synthesized["blocks"]) + glue_syn[r]
                 for r in RESOURCES}
    print("| **total** | | " + " | ".join(
        _cell(getattr(cost.total, r), total_syn[r], r) for r in RESOURCES) + " |")
    print()
    return {r: relative(getattr(cost.total, r), total_syn[r], FLOOR.get(r, 1))
            for r in RESOURCES}


def print_fmax(title: str, out: Path) -> None:
    from hwgen.synth import synthesize
    from hwgen.synth.report_section import critical_path_text
    data = synthesize(out, "ecp5")
    print(f"{title}: ECP5 {data['device']}, Fmax {data['fmax_mhz']:.1f} MHz (target "
          f"{data['target_mhz']} MHz), {data['throughput_inferences_per_s']:,.0f} inferences/s "
          f"at II {data['ii_cycles']}; critical path {critical_path_text(data['critical_path'])}.")
    print()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="out/bench_resources")
    parser.add_argument("--targets", default="xcup,ecp5")
    parser.add_argument("--designs", default="mlp,cnn,binary,mx")
    parser.add_argument("--no-synth", action="store_true",
                        help="use cached synthesis results only")
    parser.add_argument("--pnr", action="store_true",
                        help="also place and route each design on ECP5 for Fmax (minutes)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    targets = args.targets.split(",")
    print("command: python " + " ".join([f"benchmarks/{Path(__file__).name}", *sys.argv[1:]]))
    print(f"coefficients: {FITTED}")
    print()
    designs, titles = {}, {}
    for key in args.designs.split(","):
        title, build = BUILDERS[key]
        started = time.monotonic()
        (out / key).mkdir(parents=True, exist_ok=True)
        design = build(out / key)
        write_design(design.lowered, out / key / "design")
        designs[f"bench_{key}"], titles[f"bench_{key}"] = design.lowered, title
        print(f"{title}: built in {time.monotonic() - started:.0f} s", file=sys.stderr)
    data = synthesize_designs(designs, targets, section="examples",
                              synthesize=not args.no_synth)
    totals = []
    for name, lowered in designs.items():
        for target in targets:
            synthesized = data.get("examples", {}).get(target, {}).get(name)
            if synthesized is None:
                print(f"{titles[name]}, {target}: not synthesised (run without --no-synth)")
                continue
            errors = print_design(titles[name], lowered, synthesized, target)
            totals.append((titles[name], target, errors))
        sys.stdout.flush()
    if totals:
        print("### Totals: relative error of the estimate")
        print()
        print("| design | target | " + " | ".join(r.upper() for r in RESOURCES) + " |")
        print("|---|---|" + "---|" * len(RESOURCES))
        for title, target, errors in totals:
            print(f"| {title} | {target} | "
                  + " | ".join(f"{errors[r]:+.1%}" for r in RESOURCES) + " |")
        print()
    held = point_ids(True)
    sweep = load_cache()
    for target in targets:
        parts = samples(sweep, target, held)
        if parts and target in COEFFICIENTS:
            report(target, COEFFICIENTS[target], {"held out": parts})
    if args.pnr:
        for key in args.designs.split(","):
            print_fmax(BUILDERS[key][0], out / key / "design")
    return 0


if __name__ == "__main__":
    sys.exit(main())
