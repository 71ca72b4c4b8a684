"""The digits MLP with its weights in every MX format (and int8 for reference): accuracy of the
golden model and of the RTL, memory bits per weight, and cycles, from one float model.

    python examples/digits_mx.py [--simulator verilator|icarus] [--rtl all|none|FMT,FMT,...]
                                 [--out out/digits_mx] [--limit N]

The MLP, its training and its ONNX export come from examples/digits_mlp.py. Every layer gets
the weight format of the row (activations stay int8), compiled with the same folding budget;
``--rtl`` picks the formats simulated on the RTL (each is a separate Verilator build). The
last row keeps MX6 weights and also runs MXFP8 (E4M3) activations between the layers.
Exits non-zero if any simulated RTL output differs from the golden model or any transfer
happens in another cycle than the cycle model says.

Every row simulated on the RTL is saved as ``hwgen compile`` saves it and simulated as
``hwgen sim`` does (OUT/<row>, with sim/result.json: ``hwgen report OUT/mxfp4`` prints its
table); summary.json holds the table printed, one entry per row, next to the model and the
test data (test_inputs.npy, test_labels.npy).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import onnx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from digits_mlp import HIDDEN, load_data, to_onnx, train

import hwgen
from hwgen.ir.blocks.mx_mvau import MxMvauParams

WEIGHT_FORMATS = ("int8", "mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e2m3", "mxfp6_e3m2", "mxfp4",
                  "mxint8", "mx9", "mx6", "mx4")
#: The extra row: MX6 weights with MXFP8 activations between the layers.
MX_ACTIVATIONS = "mx6+mxfp8_e4m3"


def config_for(row: str) -> dict:
    """The CONFIG of a row: every layer's weights in the format; blocks of 32 (16 for MX4/6/9)."""
    if row == MX_ACTIVATIONS:
        return {"default": {"weights": "mx6", "activations": "mxfp8_e4m3", "block_size": 16},
                "layer": {"fc1": {"activations": "int8"}}}
    if row == "int8":
        return {"default": {"weights": "int8"}}
    return {"default": {"weights": row, "block_size": 16 if row.startswith("mx") and
                        row[2:].isdigit() else 32}}


def bits_per_weight(design) -> float:
    """Weight memory bits (codes, micro-exponents, shared exponents) per weight."""
    bits = weights = 0
    for block in design.blocks:
        if isinstance(block, MxMvauParams):
            bits += block.weight_memory_bits
        else:
            bits += block.weights.size * block.weight_type.bits
        weights += block.mh * block.mw
    return bits / weights


def model_and_rtl(cycles: dict, key: str) -> str:
    """``model / rtl`` figures of one cycle count (``-`` where the RTL did not run)."""
    return f"{cycles[key + '_model']} / {cycles.get(key + '_rtl', '-')}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--simulator", choices=("verilator", "icarus"), default="verilator")
    parser.add_argument("--rtl", default="all",
                        help="formats to simulate on the RTL: all, none, or a comma list")
    parser.add_argument("--out", default="out/digits_mx")
    parser.add_argument("--max-macs", type=int, default=64)
    parser.add_argument("--limit", type=int, default=None,
                        help="simulate only the first N test images")
    args = parser.parse_args(argv)
    rows = WEIGHT_FORMATS + (MX_ACTIVATIONS,)
    rtl = set(rows) if args.rtl == "all" else set() if args.rtl == "none" else \
        set(args.rtl.split(","))
    unknown = rtl - set(rows)
    if unknown:
        parser.error(f"unknown --rtl format(s) {', '.join(sorted(unknown))}; "
                     f"valid: {', '.join(rows)}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    x_train, x_test, y_train, y_test = load_data()
    if args.limit:
        x_test, y_test = x_test[:args.limit], y_test[:args.limit]
    model = train(x_train, y_train)
    onnx.save(to_onnx(model), out / "digits_mlp.onnx")
    np.save(out / "test_inputs.npy", x_test)
    np.save(out / "test_labels.npy", y_test)
    float_accuracy = float(np.mean(model.predict(x_test) == y_test))

    results, ok = [], True
    for row in rows:
        design = hwgen.compile(out / "digits_mlp.onnx", x_train, config_for(row),
                               max_macs=args.max_macs)
        golden = design.golden_int(x_test)
        entry = {"row": row, "bits": bits_per_weight(design),
                 "golden": float(np.mean(np.argmax(golden, axis=1) == y_test)),
                 "rtl": None, "exact": None, "cycles": None, "dir": None}
        if row in rtl:
            entry["dir"] = row.replace("+", "_")
            design.save(out / entry["dir"])
            r = design.simulate(x_test, simulator=args.simulator)  # writes OUT/<dir>/sim
            entry["rtl"] = float(np.mean(np.argmax(r.outputs_int, axis=1) == y_test))
            entry["exact"] = bool(r.result["bit_exact"] and r.result["cycles_exact"])
            entry["cycles"] = r.result["cycles"]
            entry["mismatches"] = r.result["mismatches"]
            ok = ok and entry["exact"] and entry["rtl"] == entry["golden"]
        else:
            timing = design.timing(len(x_test))
            entry["model_cycles"] = {"latency_model": timing.latency, "ii_model": timing.ii,
                                     "total_model": timing.total_cycles}
        results.append(entry)

    print(f"digits MLP 64-{'-'.join(map(str, HIDDEN))}-10, {len(x_test)} test images, "
          f"RTL on {args.simulator}; float (scikit-learn) accuracy {float_accuracy:.2%}")
    print()
    print("| weights | bits/weight | golden | RTL | RTL == golden | latency model / RTL "
          "| II model / RTL | test split cycles model / RTL |")
    print("|---|---|---|---|---|---|---|---|")
    for e in results:
        c = e["cycles"] or e["model_cycles"]
        rtl = "-" if e["rtl"] is None else f"{e['rtl']:.2%}"
        same = "-" if e["exact"] is None else \
            f"{e['exact'] and e['rtl'] == e['golden']} ({e['mismatches']} differ)"
        print(f"| {e['row']} | {e['bits']:.3g} | {e['golden']:.2%} | {rtl} | {same} "
              f"| {model_and_rtl(c, 'latency')} | {model_and_rtl(c, 'ii')} "
              f"| {model_and_rtl(c, 'total')} |")
    print()
    print(f"every simulated RTL equals its golden model, every transfer as modelled: {ok}")
    summary = {"float_accuracy": float_accuracy, "ok": ok,
               "rows": [{"row": e["row"], "bits_per_weight": e["bits"],
                         "golden_accuracy": e["golden"], "rtl_accuracy": e["rtl"],
                         "dir": e["dir"], "cycles": e["cycles"] or e["model_cycles"]}
                        for e in results]}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
