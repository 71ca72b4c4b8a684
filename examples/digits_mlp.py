"""End to end on real data: a float MLP for scikit-learn's digits, quantized, compiled,
simulated over the whole test split, and checked against the golden and cycle models.

    python examples/digits_mlp.py [--simulator verilator|icarus] [--out out/digits_mlp]

Prints float, golden and RTL accuracy (RTL equals golden exactly), cycles from the model
and from the RTL, and simulation speed. Exits non-zero if RTL and golden model differ or a
transfer happens in another cycle than the cycle model says.

It uses hwgen's Python face (``hwgen.compile``, ``design.save``, ``design.golden_int``,
``design.simulate``) and writes what the command line would: OUT/design is what
``hwgen compile`` and ``hwgen sim`` write (``hwgen report OUT/design`` prints its table), next
to the model, its calibration and test data (test_inputs.npy, test_labels.npy) and
summary.json (the accuracies printed).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

import hwgen

HIDDEN = (64, 32)


def load_data(seed: int = 0):
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)   # pixels 0..16 -> [0, 1]
    return train_test_split(x, digits.target, test_size=0.2, random_state=seed,
                            stratify=digits.target)


def train(x, y, seed: int = 0) -> MLPClassifier:
    model = MLPClassifier(hidden_layer_sizes=HIDDEN, activation="relu", max_iter=600,
                          random_state=seed)
    return model.fit(x, y)


def to_onnx(model: MLPClassifier) -> onnx.ModelProto:
    """Gemm (+ Relu) per layer; weights stored (out, in) with transB = 1."""
    nodes, inits = [], []
    current = "input"
    last = len(model.coefs_) - 1
    for i, (w, b) in enumerate(zip(model.coefs_, model.intercepts_, strict=True)):
        inits += [numpy_helper.from_array(w.T.astype(np.float32), f"fc{i + 1}.weight"),
                  numpy_helper.from_array(b.astype(np.float32), f"fc{i + 1}.bias")]
        gemm_out = "logits" if i == last else f"fc{i + 1}.out"
        nodes.append(helper.make_node("Gemm", [current, f"fc{i + 1}.weight", f"fc{i + 1}.bias"],
                                      [gemm_out], name=f"fc{i + 1}", transB=1))
        current = gemm_out
        if i != last:
            nodes.append(helper.make_node("Relu", [gemm_out], [f"relu{i + 1}.out"],
                                          name=f"relu{i + 1}"))
            current = f"relu{i + 1}.out"
    graph = helper.make_graph(
        nodes, "digits_mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 64])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])], inits)
    model_proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model_proto)
    return model_proto


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--simulator", choices=("verilator", "icarus"), default="verilator")
    parser.add_argument("--out", default="out/digits_mlp")
    parser.add_argument("--max-macs", type=int, default=64)
    parser.add_argument("--limit", type=int, default=None,
                        help="simulate only the first N test images (Icarus is slow)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    x_train, x_test, y_train, y_test = load_data()
    if args.limit:
        x_test, y_test = x_test[:args.limit], y_test[:args.limit]
    model = train(x_train, y_train)
    proto = to_onnx(model)
    onnx.save(proto, out / "digits_mlp.onnx")
    np.save(out / "calibration.npy", x_train)
    np.save(out / "test_inputs.npy", x_test)
    np.save(out / "test_labels.npy", y_test)
    float_accuracy = float(np.mean(model.predict(x_test) == y_test))

    design = hwgen.compile(out / "digits_mlp.onnx", x_train, max_macs=args.max_macs)
    design.save(out / "design")
    golden = design.golden_int(x_test)
    golden_accuracy = float(np.mean(np.argmax(golden, axis=1) == y_test))

    sim = design.simulate(x_test, simulator=args.simulator)     # writes OUT/design/sim
    r, c = sim.result, sim.result["cycles"]
    rtl_accuracy = float(np.mean(np.argmax(sim.outputs_int, axis=1) == y_test))
    summary = {"float_accuracy": float_accuracy, "golden_accuracy": golden_accuracy,
               "rtl_accuracy": rtl_accuracy, "design": "design"}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")

    print(f"digits MLP 64-{'-'.join(map(str, HIDDEN))}-10, {len(x_test)} test images, "
          f"{args.simulator}")
    print()
    print("| | accuracy |")
    print("|---|---|")
    print(f"| float (scikit-learn) | {float_accuracy:.2%} |")
    print(f"| golden model (int8) | {golden_accuracy:.2%} |")
    print(f"| RTL ({args.simulator}) | {rtl_accuracy:.2%} |")
    print()
    print(f"RTL equals golden model: {r['bit_exact']} ({r['mismatches']} of "
          f"{sim.golden_int.size} outputs differ)")
    print()
    print("| layer | shape | PE x SIMD | cycles/vector | latency model | latency RTL |")
    print("|---|---|---|---|---|---|")
    for block, layer in zip(design.blocks, r["layers"], strict=True):
        print(f"| {block.name} | {block.mh}x{block.mw} | {block.pe} x {block.simd} "
              f"| {layer['cycles_per_vector']} | {layer['latency_model']} "
              f"| {layer['latency_rtl']} |")
    print()
    print("| cycles | model | RTL |")
    print("|---|---|---|")
    print(f"| latency (one image) | {c['latency_model']} | {c['latency_rtl']} |")
    print(f"| initiation interval | {c['ii_model']} | {c['ii_rtl']} |")
    print(f"| whole test split | {c['total_model']} | {c['total_rtl']} |")
    print()
    print(f"every transfer in the cycle the model predicts: {r['cycles_exact']}")
    print(f"simulation speed: {r['cycles_per_second']:,.0f} cycles/s in the simulation loop, "
          f"{r['cycles_per_second_wall']:,.0f} cycles/s including process start "
          f"({r['simulated_cycles']} cycles)")
    ok = r["bit_exact"] and r["cycles_exact"] and rtl_accuracy == golden_accuracy
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
