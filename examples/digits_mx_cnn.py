"""The digits CNN with its convolution weights in int8 and in MX formats: golden accuracy over
the test split, weight memory bits per weight, initiation interval and latency.

    python examples/digits_mx_cnn.py [--rtl none|all|FMT,FMT,...] [--simulator verilator|icarus]
                                     [--epochs E] [--limit N] [--out out/digits_mx_cnn]

The network, conv3x3(8)-relu-maxpool-conv3x3(16)-relu-dense(10) on 8x8x1 images, its
training and its ONNX export come from examples/digits_cnn.py (examples/numpy_cnn.py). Each
row gives both convolutions' weights one format (the dense layer and every activation stay
int8), compiled with the same folding budget. MX blocks run along each output channel's
im2col vector (``ky, kx, c``) and must divide it: conv1 has 3x3x1 = 9 weights per channel,
conv2 3x3x8 = 72, so conv1 takes blocks of 9 and conv2 of 24 (the largest divisor of 72 up
to OCP's 32) or 12 for MX6 (even, up to 16). MX6 pairs weights under a micro-exponent, so
its blocks must be even and conv1 (9 weights) keeps int8 weights in that row.

Bits per weight count the convolutions' weight memories (codes, micro-exponents, shared
exponents). ``--rtl`` simulates the chosen rows (a build each) and checks that the RTL
equals the golden model and every transfer the cycle model; the II and latency columns are
the cycle model's (and the RTL's where simulated). Exits non-zero on any mismatch.

Rows simulated on the RTL are saved as ``hwgen compile`` saves them and simulated as
``hwgen sim`` does (OUT/<row>, with sim/result.json: ``hwgen report OUT/<row>`` prints its
table); summary.json holds the table printed, next to the model and the test data
(test_inputs.npy, test_labels.npy).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import onnx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from digits_cnn import load_data
from numpy_cnn import SmallCnn

import hwgen
from hwgen.ir.blocks.mx_mvau import MxMvauParams

ROWS = ("int8", "mxfp8_e4m3", "mxfp4", "mx6")
CONVS = ("conv1", "conv2")


def config_for(row: str) -> dict:
    """Both convolutions' weights in ``row`` (conv1 stays int8 for MX6: 9 has no even divisor)."""
    if row == "int8":
        return {"default": {"weights": "int8"}}
    if row == "mx6":
        return {"layer": {"conv2": {"weights": "mx6", "block_size": 12}}}
    return {"layer": {"conv1": {"weights": row, "block_size": 9},
                      "conv2": {"weights": row, "block_size": 24}}}


def conv_bits_per_weight(design) -> tuple[float, str]:
    """Weight memory bits per weight of the convolutions' MVAUs, and each one's format and
    PE x SIMD."""
    bits = weights = 0
    formats = []
    for block in design.blocks:
        if block.name not in CONVS:
            continue
        if isinstance(block, MxMvauParams):
            bits += block.weight_memory_bits
            fmt = f"{block.weight_format}/{block.weight_block}"
        else:
            bits += block.weights.size * block.weight_type.bits
            fmt = block.weight_type.name
        formats.append(f"{fmt} ({block.pe}x{block.simd})")
        weights += block.mh * block.mw
    return bits / weights, " + ".join(formats)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rtl", default="none",
                        help="rows to simulate on the RTL: none, all, or a comma list")
    parser.add_argument("--simulator", choices=("verilator", "icarus"), default="verilator")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--max-macs", type=int, default=64)
    parser.add_argument("--limit", type=int, default=None,
                        help="evaluate only the first N test images")
    parser.add_argument("--out", default="out/digits_mx_cnn")
    args = parser.parse_args(argv)
    rtl = set(ROWS) if args.rtl == "all" else set() if args.rtl == "none" else \
        set(args.rtl.split(","))
    if rtl - set(ROWS):
        parser.error(f"unknown --rtl row(s) {', '.join(sorted(rtl - set(ROWS)))}; "
                     f"valid: {', '.join(ROWS)}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    x_train, x_test, y_train, y_test = load_data()
    if args.limit:
        x_test, y_test = x_test[:args.limit], y_test[:args.limit]
    model = SmallCnn(seed=0).train(x_train, y_train, epochs=args.epochs)
    onnx.save(model.to_onnx(), out / "digits_cnn.onnx")
    np.save(out / "test_inputs.npy", x_test)
    np.save(out / "test_labels.npy", y_test)
    float_accuracy = float(np.mean(model.predict(x_test) == y_test))

    rows, ok = [], True
    for row in ROWS:
        design = hwgen.compile(out / "digits_cnn.onnx", x_train, config_for(row),
                               max_macs=args.max_macs)
        golden = design.golden_int(x_test).reshape(len(x_test), -1)
        bits, formats = conv_bits_per_weight(design)
        entry = {"row": row, "formats": formats, "bits": bits,
                 "golden": float(np.mean(golden.argmax(axis=1) == y_test)),
                 "ii": design.ii, "latency": design.latency, "rtl": None}
        if row in rtl:
            design.save(out / row)
            sim = design.simulate(x_test, simulator=args.simulator)   # writes OUT/<row>/sim
            r = sim.result
            rtl_acc = float(np.mean(sim.outputs_int.reshape(len(x_test), -1).argmax(axis=1)
                                    == y_test))
            exact = bool(r["bit_exact"] and r["cycles_exact"]) and rtl_acc == entry["golden"]
            entry["rtl"] = (rtl_acc, exact, r["mismatches"], r["cycles"])
            ok = ok and exact
        rows.append(entry)

    print(f"digits CNN conv3x3(8)-relu-maxpool-conv3x3(16)-relu-dense(10), {len(x_test)} test "
          f"images, {args.epochs} epochs; float (numpy) accuracy {float_accuracy:.2%}")
    print()
    print("| conv weights | conv1 + conv2 (format/block, PE x SIMD) | conv bits/weight "
          "| golden accuracy | II (cycles) | latency (cycles) | RTL |")
    print("|---|---|---|---|---|---|---|")
    for e in rows:
        rtl_text = "-"
        if e["rtl"]:
            acc, exact, mismatches, c = e["rtl"]
            rtl_text = (f"{acc:.2%}, {mismatches} outputs differ, II {c['ii_rtl']}, latency "
                        f"{c['latency_rtl']}, exact: {exact}")
        print(f"| {e['row']} | {e['formats']} | {e['bits']:.3g} | {e['golden']:.2%} "
              f"| {e['ii']} | {e['latency']} | {rtl_text} |")
    print()
    if rtl:
        print(f"every simulated RTL equals its golden model, every transfer as modelled: {ok}")
    summary = {"float_accuracy": float_accuracy, "epochs": args.epochs, "ok": ok,
               "rows": [{"row": e["row"], "conv_formats": e["formats"],
                         "conv_bits_per_weight": e["bits"], "golden_accuracy": e["golden"],
                         "ii": e["ii"], "latency": e["latency"],
                         "dir": e["row"] if e["rtl"] else None,
                         "rtl_accuracy": e["rtl"][0] if e["rtl"] else None} for e in rows]}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
