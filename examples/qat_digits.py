"""Quantization-aware training against hwgen's post-training quantization, on the digits.

    python examples/qat_digits.py [--models mlp,cnn] [--precisions w8a8,w4a4,w2a2,w1a1,twn,ttq]
                                  [--limit N] [--epochs E] [--float-epochs F]
                                  [--simulator verilator|icarus] [--out out/qat_digits]

Needs the ``[qat]`` extra (torch CPU build, Brevitas): docs/qat.md. For the digits MLP
(64-64-32-10) and CNN (conv3x3(8)-relu-maxpool-conv3x3(16)-relu-dense(10)), it trains the
float network once (torch), then for each precision:

- **PTQ (hwgen)**: the float ONNX model and the training images go to ``compile_onnx`` with a
  CONFIG of that precision (weights, hidden activations; the input stays uint8 and the output
  int8, as in the QAT networks); its golden model's accuracy on the test split;
- **QAT**: the same network built from the :mod:`hwgen.qat` preset, started from the float
  weights, trained with fake quantization and the STE; its own (torch) accuracy;
- **contract**: its QONNX export compiled by hwgen (no calibration), the golden model's output
  codes against torch's on the whole test split (must be 0 differences);
- **RTL**: the design written like ``hwgen compile`` writes it (``OUT/<model>/<precision>/``:
  rtl/, manifest.json, ...), simulated like ``hwgen sim`` (``sim/result.json``): RTL accuracy,
  RTL = golden, every transfer in the modelled cycle, the initiation interval (cycles per
  image, model = RTL).

Precisions: ``w8a8``, ``w4a4``, ``w2a2`` (2-bit narrow weights, i.e. codes -1..1: hwgen's
ternary datapath), ``w1a1`` (BNN: binary weights, batch norm + sign; hwgen's PTQ has no binary
activations, so its PTQ column is binary weights with 2-bit activations), ``twn`` and ``ttq``
(ternary weights, 4-bit activations). Exits non-zero if any contract or RTL check fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import hwgen

PRECISIONS = ("w8a8", "w4a4", "w2a2", "w1a1", "twn", "ttq")
MODELS = ("mlp", "cnn")
#: hwgen PTQ config per precision: (weights, hidden activations, extra default keys)
PTQ = {"w8a8": ("int8", "uint8", {}), "w4a4": ("int4", "uint4", {}),
       "w2a2": ("int2", "uint2", {}), "w1a1": ("binary", "uint2", {"binarize": "bwn"}),
       "twn": ("ternary", "uint4", {"ternarize": "twn"}),
       "ttq": ("ternary", "uint4", {"ternarize": "ttq"})}


def load_data(kind: str, seed: int = 0):
    """The digits split of the other examples: MLP rows (N, 64), CNN images (N, 1, 8, 8)."""
    digits = load_digits()
    x = digits.data if kind == "mlp" else digits.images[:, None, :, :]
    x = (x / 16.0).astype(np.float32)
    return train_test_split(x, digits.target, test_size=0.2, random_state=seed,
                            stratify=digits.target)


def ptq_config(precision: str, first_layer: str) -> dict:
    weights, acts, extra = PTQ[precision]
    return {"default": {"weights": weights, "activations": acts, "output": "int8",
                        "granularity": "tensor", **extra},
            "layer": {first_layer: {"activations": "uint8"}}}


def ptq_accuracy(float_path, precision, first_layer, x_train, x_test, y_test) -> float:
    design = hwgen.compile(float_path, x_train, ptq_config(precision, first_layer))
    golden = design.golden_int(x_test)
    return float(np.mean(golden.reshape(len(x_test), -1).argmax(axis=1) == y_test))


def run_precision(qat, kind, precision, float_model, data, args, out: Path, log) -> dict:
    x_train, x_test, y_train, y_test = data
    preset = qat.preset(precision)
    net = qat.build_mlp(preset) if kind == "mlp" else qat.build_cnn(preset)
    qat.load_float_weights(net, float_model)
    start = time.time()
    qat.train(net, x_train, y_train, epochs=args.epochs, lr=args.lr, seed=args.seed)
    trained = time.time() - start
    qat_accuracy = qat.accuracy(net, x_test, y_test)

    work = out / kind / precision
    # The export sits beside the design: hwgen writes OUT only into a directory of its own.
    onnx_path = qat.export_qonnx(net, out / kind / f"{kind}_{precision}.onnx", x_test)
    design = hwgen.compile(onnx_path, max_macs=args.max_macs)
    design.save(work)
    contract = qat.check_contract(net, onnx_path, x_test, design=design.lowered)
    golden_accuracy = float(np.mean(contract.golden_codes.argmax(axis=1) == y_test))

    x_sim, y_sim = x_test[:args.limit], y_test[:args.limit]
    np.save(work / "test_inputs.npy", x_sim)
    outcome = design.simulate(x_sim, simulator=args.simulator, log=log)   # OUT/sim/result.json
    r = outcome.result
    rtl = outcome.outputs_int.reshape(len(x_sim), -1)
    estimate = json.loads((work / "manifest.json").read_text())["estimate"]
    return {"estimate_target": estimate["target"], "lut": estimate["total"]["lut"],
            "dsp": estimate["total"]["dsp"],
            "model": kind, "precision": precision, "qat": qat_accuracy,
            "golden": golden_accuracy, "contract_mismatches": contract.mismatches,
            "contract_outputs": contract.outputs,
            "rtl": float(np.mean(rtl.argmax(axis=1) == y_sim)),
            "golden_on_sim": float(np.mean(
                contract.golden_codes[:len(x_sim)].argmax(axis=1) == y_sim)),
            "rtl_mismatches": r["mismatches"], "rtl_outputs": int(rtl.size),
            "cycles_exact": r["cycles_exact"], "ii_model": r["cycles"]["ii_model"],
            "ii_rtl": r["cycles"]["ii_rtl"], "blocks": sorted({b.kind for b in design.blocks}),
            "train_seconds": trained}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--precisions", default=",".join(PRECISIONS))
    parser.add_argument("--simulator", choices=("verilator", "icarus"), default="verilator")
    parser.add_argument("--out", default="out/qat_digits")
    parser.add_argument("--limit", type=int, default=None,
                        help="simulate only the first N test images (the contract and the "
                             "accuracies use the whole test split)")
    parser.add_argument("--epochs", type=int, default=8, help="QAT epochs per precision")
    parser.add_argument("--float-epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=5e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-macs", type=int, default=64)
    args = parser.parse_args(argv)
    models = [m for m in args.models.split(",") if m]
    precisions = [p for p in args.precisions.split(",") if p]
    bad = [m for m in models if m not in MODELS] + [p for p in precisions if p not in PTQ]
    if bad:
        parser.error(f"unknown model or precision: {', '.join(bad)}")

    import hwgen.qat as qat
    try:
        qat.require()
    except ImportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    import torch
    torch.set_num_threads(2)
    warnings.filterwarnings("ignore", module="brevitas")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def log(message):
        print(message, file=sys.stderr)

    rows, floats = [], {}
    started = time.time()
    for kind in models:
        data = load_data(kind, args.seed)
        x_train, x_test, y_train, y_test = data
        float_model = qat.float_mlp() if kind == "mlp" else qat.float_cnn()
        qat.train(float_model, x_train, y_train, epochs=args.float_epochs, lr=args.lr,
                  seed=args.seed)
        floats[kind] = qat.accuracy(float_model, x_test, y_test)
        float_path = qat.float_onnx(float_model, out / kind / f"{kind}_float.onnx",
                                    x_train.shape[1:])
        first = "fc1" if kind == "mlp" else "conv1"
        for precision in precisions:
            log(f"== {kind} {precision}")
            row = run_precision(qat, kind, precision, float_model, data, args, out, log)
            row["float"] = floats[kind]
            row["ptq"] = ptq_accuracy(float_path, precision, first, x_train, x_test, y_test)
            rows.append(row)
    elapsed = time.time() - started

    n_test = len(load_data(models[0], args.seed)[1])
    n_sim = rows[0]["rtl_outputs"] // 10 if rows else 0
    print(f"digits, {n_test} test images (RTL: {n_sim} on {args.simulator}); QAT "
          f"{args.epochs} epochs from the float weights; {elapsed:.0f} s in all")
    print()
    print("| model | precision | float | PTQ (hwgen) | QAT (torch) | golden (QAT design) "
          "| torch = golden | RTL | RTL = golden | II (model = RTL) | LUT / DSP (estimate) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    ok = True
    for r in rows:
        exact = r["rtl_mismatches"] == 0 and r["cycles_exact"] is True
        ok = ok and exact and r["contract_mismatches"] == 0
        ii = f"{r['ii_model']}" if r["ii_model"] == r["ii_rtl"] or r["ii_rtl"] is None \
            else f"{r['ii_model']} != {r['ii_rtl']}"
        print(f"| {r['model']} | {r['precision']} | {r['float']:.2%} | {r['ptq']:.2%} "
              f"| {r['qat']:.2%} | {r['golden']:.2%} "
              f"| {r['contract_outputs'] - r['contract_mismatches']}/{r['contract_outputs']} "
              f"| {r['rtl']:.2%} | {'yes' if exact else 'NO'} "
              f"({r['rtl_mismatches']} of {r['rtl_outputs']} differ) | {ii} "
              f"| {r['lut']:,.0f} / {r['dsp']:.0f} ({r['estimate_target']}) |")
    print()
    print("torch = golden: output codes of the fake-quant model equal to the golden model's "
          "(whole test split).")
    print("RTL = golden: every output code equal and every transfer in the cycle the model "
          "predicts.")
    print("datapaths: " + "; ".join(f"{r['model']} {r['precision']}: {', '.join(r['blocks'])}"
                                    for r in rows))
    (out / "summary.json").write_text(json.dumps({"rows": rows, "seconds": elapsed},
                                                 indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
