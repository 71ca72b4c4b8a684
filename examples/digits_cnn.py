"""A CNN for scikit-learn's digits, quantized two ways, compiled, simulated, and checked.

    python examples/digits_cnn.py [--simulator verilator|icarus] [--limit N] [--epochs E]
                                  [--out out/digits_cnn] [--max-macs M]

The network, conv3x3(8)-relu-maxpool-conv3x3(16)-relu-dense(10) on 8x8x1 images, is trained
in float with numpy (examples/numpy_cnn.py) and exported to ONNX (NCHW, as every ONNX model).
It is then quantized two ways:

- hwgen's PTQ: the float ONNX model and calibration images go to ``hwgen.compile``;
- onnxruntime's ``quantize_static`` (QDQ format, int8 activations, int8 weights per output
  channel, min/max calibration over a CalibrationDataReader), compiled with its own scales.
  ``reduce_range=True`` (7-bit weights) as onnxruntime recommends on x86 CPUs without VNNI:
  their int8 kernels add pairs of 8-bit products in saturating 16-bit arithmetic
  (``vpmaddubsw``), which 8-bit weights can overflow.

Both designs are simulated over the test split (all 360 images unless ``--limit``) and the
outputs checked against the golden model bit for bit and every transfer against the cycle
model. It prints a table of accuracies, the golden model against onnxruntime's own execution
of the QDQ model (mismatch rate, largest difference in LSB), cycles per image from the model
and the RTL, the initiation interval and per-layer utilization. Exits non-zero if the RTL
differs from the golden model or a transfer happens in another cycle than the model says.

Each design is saved as ``hwgen compile`` saves it and simulated as ``hwgen sim`` does (OUT/ptq
and OUT/qdq, each with sim/result.json: ``hwgen report OUT/ptq`` prints its table), next to
both ONNX models, the test data (test_inputs.npy, test_labels.npy) and summary.json (the
accuracies and the comparison with onnxruntime printed).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import onnx
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))
from numpy_cnn import SmallCnn

import hwgen
from hwgen.reference.onnxruntime import compare_layers

#: Where each design goes under OUT.
DESIGN_DIRS = {"hwgen PTQ": "ptq", "onnxruntime QDQ": "qdq"}


def load_data(seed: int = 0):
    """Digits as NCHW float32 images in [0, 1]; the MLP example's split."""
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    return train_test_split(x, digits.target, test_size=0.2, random_state=seed,
                            stratify=digits.target)


def quantize_with_onnxruntime(float_path: Path, qdq_path: Path, calibration: np.ndarray):
    """onnxruntime quantize_static, QDQ format, fed by a CalibrationDataReader."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self, images):
            self.batches = iter([{"input": images[i:i + 32]} for i in range(0, len(images), 32)])

        def get_next(self):
            return next(self.batches, None)

    pre = qdq_path.with_name(qdq_path.stem + "_pre.onnx")
    quant_pre_process(str(float_path), str(pre))
    quantize_static(str(pre), str(qdq_path), Reader(calibration), quant_format=QuantFormat.QDQ,
                    per_channel=True, reduce_range=True, activation_type=QuantType.QInt8,
                    weight_type=QuantType.QInt8)


def run_onnxruntime(path: Path, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x})[0]


def evaluate(design, x, y, args) -> dict:
    """Golden model and RTL over ``x`` (the saved ``design`` simulates into OUT/.../sim):
    accuracies, the simulation, and the golden codes."""
    golden = design.golden_int(x).reshape(len(x), -1)
    sim = design.simulate(x, simulator=args.simulator)
    rtl = sim.outputs_int.reshape(len(x), -1)
    return {"golden": golden, "sim": sim,
            "golden_accuracy": float(np.mean(golden.argmax(axis=1) == y)),
            "rtl_accuracy": float(np.mean(rtl.argmax(axis=1) == y))}


def print_layers(title: str, result: dict) -> None:
    r = result["sim"].result
    print(f"{title}: per block (utilization = busy cycles per image / initiation interval)")
    print()
    print("| block | kind | out <- in | cycles/image | latency model | latency RTL "
          "| utilization model | utilization RTL |")
    print("|---|---|---|---|---|---|---|---|")
    for layer in r["layers"]:
        shape = (f"{'x'.join(map(str, layer['output_shape']))} <- "
                 f"{'x'.join(map(str, layer['input_shape']))}")
        rtl_util = layer["utilization_rtl"]
        print(f"| {layer['name']} | {layer['kind']} | {shape} | {layer['cycles_per_vector']} "
              f"| {layer['latency_model']} | {layer['latency_rtl']} "
              f"| {layer['utilization_model']:.1%} "
              f"| {'-' if rtl_util is None else format(rtl_util, '.1%')} |")
    print()


def print_comparison(title: str, *, float_accuracy, ort_accuracy, ort_logits, qdq_path,
                     x_test, designs, results, simulator) -> bool:
    """Print accuracy, RTL vs golden, golden vs onnxruntime (whole model and layer by layer)
    and cycles of the two designs ("hwgen PTQ", "onnxruntime QDQ").

    Returns whether both are exact, and the figures printed (summary.json)."""
    oq = designs["onnxruntime QDQ"].output_quant
    ort_codes = np.rint(ort_logits.astype(np.float64) / oq.scale) + oq.zero_point
    diff = np.abs(results["onnxruntime QDQ"]["golden"] - ort_codes)
    print(title)
    print()
    print("| | accuracy |")
    print("|---|---|")
    print(f"| float (numpy) | {float_accuracy:.2%} |")
    print(f"| onnxruntime QDQ (int8, its own execution) | {ort_accuracy:.2%} |")
    for label, result in results.items():
        print(f"| {label}: golden model | {result['golden_accuracy']:.2%} |")
        print(f"| {label}: RTL ({simulator}) | {result['rtl_accuracy']:.2%} |")
    print()
    ok = True
    for label, result in results.items():
        r = result["sim"].result
        ok = ok and r["bit_exact"] and bool(r["cycles_exact"]) \
            and result["rtl_accuracy"] == result["golden_accuracy"]
        print(f"{label}: RTL equals golden model: {r['bit_exact']} ({r['mismatches']} of "
              f"{result['golden'].size} outputs differ); every transfer in the cycle the model "
              f"predicts: {r['cycles_exact']}")
    print(f"onnxruntime QDQ: golden model vs onnxruntime's outputs: {np.count_nonzero(diff)} of "
          f"{diff.size} differ ({np.mean(diff > 0):.2%}), largest difference "
          f"{int(diff.max())} LSB")
    layers = compare_layers(qdq_path, x_test)
    mechanisms = {k: sum(r.mechanisms[k] for r in layers) for k in layers[0].mechanisms}
    print("per layer, each fed onnxruntime's own input codes: " + ", ".join(
        f"{r.name} {r.mismatches}/{r.outputs}" for r in layers) + " outputs differ; "
        "mechanisms (docs/models.md): " + (", ".join(
            f"{k} {n}" for k, n in mechanisms.items() if n) or "none"))
    print()
    print("| cycles | hwgen PTQ model | hwgen PTQ RTL | QDQ model | QDQ RTL |")
    print("|---|---|---|---|---|")
    c = [results[k]["sim"].result["cycles"] for k in results]
    per_image = [(x["total_model"] / len(x_test), x["total_rtl"] / len(x_test)) for x in c]
    print(f"| latency (one image) | {c[0]['latency_model']} | {c[0]['latency_rtl']} "
          f"| {c[1]['latency_model']} | {c[1]['latency_rtl']} |")
    print(f"| initiation interval | {c[0]['ii_model']} | {c[0]['ii_rtl']} "
          f"| {c[1]['ii_model']} | {c[1]['ii_rtl']} |")
    print(f"| cycles per image (whole run / images) | {per_image[0][0]:.1f} "
          f"| {per_image[0][1]:.1f} | {per_image[1][0]:.1f} | {per_image[1][1]:.1f} |")
    print(f"| whole test split | {c[0]['total_model']} | {c[0]['total_rtl']} "
          f"| {c[1]['total_model']} | {c[1]['total_rtl']} |")
    print()
    for label, result in results.items():
        print_layers(label, result)
    summary = {
        "float_accuracy": float_accuracy, "onnxruntime_accuracy": ort_accuracy,
        "designs": {label: {"dir": DESIGN_DIRS[label],
                            "golden_accuracy": result["golden_accuracy"],
                            "rtl_accuracy": result["rtl_accuracy"]}
                    for label, result in results.items()},
        "qdq_golden_vs_onnxruntime": {"differ": int(np.count_nonzero(diff)),
                                      "outputs": int(diff.size),
                                      "largest_lsb": int(diff.max())},
        "qdq_layers_vs_onnxruntime": [{"name": r.name, "mismatches": int(r.mismatches),
                                       "outputs": int(r.outputs)} for r in layers],
        "mechanisms": {k: int(n) for k, n in mechanisms.items()},
    }
    return ok, summary


def compare_two_ways(model, name: str, title: str, args, out: Path, data) -> int:
    """Export the trained ``model`` to ONNX, quantize it with hwgen's PTQ and with
    onnxruntime's quantize_static, compile and simulate both, print the comparison.

    ``data`` is ``(x_train, x_test, y_test)``; returns the exit status (0: both designs exact).
    """
    x_train, x_test, y_test = data
    float_path, qdq_path = out / f"{name}.onnx", out / f"{name}_qdq.onnx"
    onnx.save(model.to_onnx(), float_path)
    np.save(out / "calibration.npy", x_train)
    np.save(out / "test_inputs.npy", x_test)
    np.save(out / "test_labels.npy", y_test)
    float_accuracy = float(np.mean(model.predict(x_test) == y_test))

    quantize_with_onnxruntime(float_path, qdq_path, x_train[:512])
    ort_logits = run_onnxruntime(qdq_path, x_test)
    ort_accuracy = float(np.mean(ort_logits.argmax(axis=1) == y_test))

    designs = {"hwgen PTQ": hwgen.compile(float_path, x_train, max_macs=args.max_macs),
               "onnxruntime QDQ": hwgen.compile(qdq_path, max_macs=args.max_macs)}
    results = {}
    for label, design in designs.items():
        design.save(out / DESIGN_DIRS[label])
        results[label] = evaluate(design, x_test, y_test, args)

    ok, summary = print_comparison(f"{title}, {len(x_test)} test images, {args.simulator}",
                          float_accuracy=float_accuracy, ort_accuracy=ort_accuracy,
                          ort_logits=ort_logits, qdq_path=qdq_path, x_test=x_test,
                          designs=designs, results=results, simulator=args.simulator)
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return 0 if ok else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--simulator", choices=("verilator", "icarus"), default="verilator")
    parser.add_argument("--out", default="out/digits_cnn")
    parser.add_argument("--max-macs", type=int, default=64,
                        help="multipliers of the busiest layer; the compiler balances the rest "
                             "(here conv2 8x8 and conv1 2x9, an interval of 288 cycles; from "
                             "256 on, 64 cycles: conv1's window takes 8x8 pixels, one a cycle)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--limit", type=int, default=None,
                        help="simulate only the first N test images (the tests use this)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    x_train, x_test, y_train, y_test = load_data()
    if args.limit:
        x_test, y_test = x_test[:args.limit], y_test[:args.limit]
    model = SmallCnn(seed=0).train(x_train, y_train, epochs=args.epochs)
    return compare_two_ways(model, "digits_cnn", "digits CNN conv3x3(8)-relu-maxpool-"
                            "conv3x3(16)-relu-dense(10)", args, out,
                            (x_train, x_test, y_test))


if __name__ == "__main__":
    sys.exit(main())
