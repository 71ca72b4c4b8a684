"""Resources per layer and Fmax of the shipped digits MLP and CNN, from `hwgen synth`.

    python benchmarks/bench_resources.py [--out out/bench_resources] [--targets xcup,ecp5]
                                         [--designs mlp,cnn]

Each design is built as its example builds it (examples/digits_mlp.py: scikit-learn MLP
64-64-32-10; examples/digits_cnn.py: conv3x3(8)-relu-maxpool-conv3x3(16)-relu-dense(10),
hwgen's PTQ; both `--max-macs 64`), without simulating it, then synthesised with
``hwgen synth --target T`` for each target: Yosys with the hierarchy kept per block, and on
ECP5 nextpnr (speed grade 8, 150 MHz target, seed 1) for Fmax and the critical path.

Prints per layer LUT / FF / carry / DSP / BRAM / LUTRAM and the total, the MAC units
(PE x SIMD of each MVAU), DSPs per MAC unit, where the DSPs go (the products of PE x SIMD
lanes vs the rest of the block, i.e. the requantizer's multipliers), and Fmax with its
critical path on ECP5. Figures, not assertions; the ECP5 place and route of each design
takes minutes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import onnx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))

import digits_cnn  # noqa: E402
import digits_mlp  # noqa: E402
from numpy_cnn import SmallCnn  # noqa: E402

from hwgen.backend.writer import write_design  # noqa: E402
from hwgen.compiler import compile_onnx  # noqa: E402
from hwgen.synth import RESOURCES_FILE, synthesize  # noqa: E402
from hwgen.synth.report_section import critical_path_text  # noqa: E402

MAX_MACS = 64


def build_mlp(out: Path) -> Path:
    x_train, _, y_train, _ = digits_mlp.load_data()
    model = digits_mlp.train(x_train, y_train)
    out.mkdir(parents=True, exist_ok=True)
    onnx.save(digits_mlp.to_onnx(model), out / "digits_mlp.onnx")
    write_design(compile_onnx(out / "digits_mlp.onnx", x_train, max_macs=MAX_MACS),
                 out / "design")
    return out / "design"


def build_cnn(out: Path) -> Path:
    x_train, _, y_train, _ = digits_cnn.load_data()
    model = SmallCnn(seed=0).train(x_train, y_train, epochs=20)
    out.mkdir(parents=True, exist_ok=True)
    onnx.save(model.to_onnx(), out / "digits_cnn.onnx")
    write_design(compile_onnx(out / "digits_cnn.onnx", x_train, max_macs=MAX_MACS),
                 out / "design")
    return out / "design"


BUILDERS = {"mlp": ("digits MLP", build_mlp), "cnn": ("digits CNN", build_cnn)}


def _fmt(value) -> str:
    return f"{value:g}"


def _dsp_consumer(layer: dict, macs: dict) -> str:
    """``name DSPs (MAC lanes + other)`` of one layer."""
    dsp = layer["resources"]["dsp"]
    lanes = macs[layer["name"]]
    return f"{layer['name']} {dsp} ({lanes} MAC lanes + {dsp - min(dsp, lanes)} other)"


def print_design(title: str, design: Path, results: dict) -> None:
    manifest = json.loads((design / "manifest.json").read_text())
    macs = {layer["name"]: (layer["pe"] * layer["simd"] if "mvau" in layer["kind"] else 0)
            for layer in manifest["layers"]}
    folding = {layer["name"]: (f"{layer['pe']} x {layer['simd']}" if layer.get("pe") else "-")
               for layer in manifest["layers"]}
    total_macs = sum(macs.values())
    print(f"## {title}: {len(manifest['layers'])} blocks, {total_macs} MAC units, "
          f"II {manifest['predicted']['ii']} cycles")
    print()
    for target, data in results.items():
        where = target + (f", {data['device']}" if data["device"] else "")
        print(f"### {where} ({data['tools']['yosys']}; Yosys {data['elapsed_s']['yosys']} s"
              + (f", nextpnr {data['elapsed_s']['nextpnr']} s" if "nextpnr" in
                 data["elapsed_s"] else "") + ")")
        print()
        print("| block | kind | PE x SIMD | MAC units | LUT | FF | carry | DSP | BRAM | LUTRAM "
              "| DSP in MAC lanes | DSP elsewhere |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for layer in data["layers"]:
            r, name = layer["resources"], layer["name"]
            lanes = min(r["dsp"], macs[name])
            print(f"| {name} | {layer['kind']} | {folding[name]} | {macs[name]} "
                  f"| {r['lut']} | {r['ff']} | {r['carry']} | {r['dsp']} | {_fmt(r['bram'])} "
                  f"| {r['lutram']} | {lanes} | {r['dsp'] - lanes} |")
        glue = {k: sum(g["resources"][k] for g in data["glue"]) for k in data["totals"]}
        print(f"| glue (FIFOs, converters, top) | | | | {glue['lut']} | {glue['ff']} "
              f"| {glue['carry']} | {glue['dsp']} | {_fmt(glue['bram'])} | {glue['lutram']} "
              "| | |")
        t = data["totals"]
        print(f"| **total** | | | {total_macs} | {t['lut']} | {t['ff']} | {t['carry']} "
              f"| {t['dsp']} | {_fmt(t['bram'])} | {t['lutram']} | | |")
        print()
        ranked = sorted(data["layers"], key=lambda layer: -layer["resources"]["dsp"])
        print(f"DSP per MAC unit: {t['dsp'] / total_macs:.2f} ({t['dsp']} DSPs, {total_macs} MAC "
              f"units); LUTRAM primitives occupy {t['lutram_luts']} LUTs beside the "
              f"{t['lut']} logic LUTs. Top DSP consumers: " + ", ".join(
                  _dsp_consumer(layer, macs) for layer in ranked[:3]
                  if layer["resources"]["dsp"]) + ".")
        if data["fmax_mhz"]:
            print(f"Fmax {data['fmax_mhz']:.1f} MHz (target {data['target_mhz']} MHz): "
                  f"{data['throughput_inferences_per_s']:,.0f} inferences/s at II "
                  f"{data['ii_cycles']}. Critical path: "
                  f"{critical_path_text(data['critical_path'])}.")
        print()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="out/bench_resources")
    parser.add_argument("--targets", default="xcup,ecp5")
    parser.add_argument("--designs", default="mlp,cnn")
    args = parser.parse_args(argv)
    out = Path(args.out)
    targets = args.targets.split(",")
    print("command: python " + " ".join([f"benchmarks/{Path(__file__).name}", *sys.argv[1:]]))
    print()
    for key in args.designs.split(","):
        title, build = BUILDERS[key]
        started = time.monotonic()
        design = build(out / key)
        print(f"{title}: built in {time.monotonic() - started:.0f} s -> {design}",
              file=sys.stderr)
        results = {}
        for target in targets:
            results[target] = synthesize(design, target)
            shutil.copy(design / RESOURCES_FILE,
                        design / RESOURCES_FILE.replace(".json", f"_{target}.json"))
        print_design(title, design, results)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
