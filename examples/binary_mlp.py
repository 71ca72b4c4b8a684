"""A binarized MLP for scikit-learn's digits, end to end: trained in numpy with binary weights
and sign activations (straight-through estimator), exported as a QONNX model the way Brevitas
writes one, compiled to an int8-input binary-weight layer, an XNOR-popcount hidden layer and
an int8 output layer, and simulated over the whole test split.

    python examples/binary_mlp.py [--simulator verilator|icarus] [--limit N] [--out DIR]

Prints the accuracy of the float model (the trained network evaluated in float), of the golden
model and of the RTL, and cycles from the model and the RTL. Exits non-zero if RTL and golden
model differ or a transfer happens in another cycle than the cycle model says.

It uses hwgen's Python face and writes what the command line would: OUT/design is what
``hwgen compile`` and ``hwgen sim`` write (``hwgen report OUT/design`` prints its table), next
to the QONNX model, the test data (test_inputs.npy, test_labels.npy) and summary.json (the
accuracies printed).
"""

from __future__ import annotations

import argparse
import json
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent))

from digits_mlp import load_data  # the MLP example's split of the digits

import hwgen

HIDDEN = (128, 64)
QONNX = "qonnx.custom_op.general"
EPS = 1e-5


def sign(x):
    return np.where(x >= 0, 1.0, -1.0)


class BinaryMLP:
    """Binary weights everywhere, batch norm + sign between layers, a per-class scale and bias
    on the output. Trained with the straight-through estimator (gradients pass through sign
    where the real value lies in [-1, 1])."""

    def __init__(self, sizes, seed=0):
        rng = np.random.default_rng(seed)
        self.w = [rng.uniform(-1, 1, (o, i)) for i, o in pairwise(sizes)]
        hidden = sizes[1:-1]
        self.gamma = [np.ones(h) for h in hidden]
        self.beta = [np.zeros(h) for h in hidden]
        self.mean = [np.zeros(h) for h in hidden]
        self.var = [np.ones(h) for h in hidden]
        self.alpha = np.full(sizes[-1], 1.0 / np.sqrt(sizes[-2]))
        self.bias = np.zeros(sizes[-1])

    def forward(self, x, train=False):
        cache, a = [], x
        for k, w in enumerate(self.w[:-1]):
            z = a @ sign(w).T
            if train:
                mu, var = z.mean(axis=0), z.var(axis=0)
                self.mean[k] = 0.9 * self.mean[k] + 0.1 * mu
                self.var[k] = 0.9 * self.var[k] + 0.1 * var
            else:
                mu, var = self.mean[k], self.var[k]
            zn = (z - mu) / np.sqrt(var + EPS)
            h = zn * self.gamma[k] + self.beta[k]
            cache.append((a, z, zn, var, h))
            a = sign(h)
        logits = (a @ sign(self.w[-1]).T) * self.alpha + self.bias
        cache.append((a,))
        return logits, cache

    def params(self):
        return self.w + self.gamma + self.beta + [self.alpha, self.bias]

    def backward(self, cache, grad):
        """Gradients of every parameter for d(loss)/d(logits) = grad."""
        (a_last,) = cache[-1]
        wb = sign(self.w[-1])
        dot = a_last @ wb.T
        g_alpha, g_bias = (grad * dot).sum(axis=0), grad.sum(axis=0)
        g_dot = grad * self.alpha
        g_w = [None] * len(self.w)
        g_w[-1] = (g_dot.T @ a_last) * (np.abs(self.w[-1]) <= 1)
        g_a = g_dot @ wb
        g_gamma, g_beta = [None] * len(self.gamma), [None] * len(self.beta)
        for k in reversed(range(len(self.w) - 1)):
            a_in, z, zn, var, h = cache[k]
            g_h = g_a * (np.abs(h) <= 1)
            g_gamma[k], g_beta[k] = (g_h * zn).sum(axis=0), g_h.sum(axis=0)
            g_zn = g_h * self.gamma[k]
            n = len(z)
            g_z = (n * g_zn - g_zn.sum(axis=0) - zn * (g_zn * zn).sum(axis=0)) / \
                (n * np.sqrt(var + EPS))
            wb = sign(self.w[k])
            g_w[k] = (g_z.T @ a_in) * (np.abs(self.w[k]) <= 1)
            g_a = g_z @ wb
        return g_w + g_gamma + g_beta + [g_alpha, g_bias]


def train(x, y, *, epochs=40, batch=64, lr=0.01, seed=0) -> BinaryMLP:
    model = BinaryMLP((x.shape[1],) + HIDDEN + (10,), seed)
    params = model.params()
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    rng = np.random.default_rng(seed)
    step = 0
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch):
            idx = order[start:start + batch]
            logits, cache = model.forward(x[idx], train=True)
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(idx)), y[idx]] -= 1
            grads = model.backward(cache, p / len(idx))
            step += 1
            rate = lr * (0.5 ** (epoch // 15))
            for k, (param, g) in enumerate(zip(params, grads, strict=True)):
                m[k] = 0.9 * m[k] + 0.1 * g
                v[k] = 0.999 * v[k] + 0.001 * g * g
                param -= rate * (m[k] / (1 - 0.9 ** step)) / \
                    (np.sqrt(v[k] / (1 - 0.999 ** step)) + 1e-8)
            for w in model.w:
                np.clip(w, -1, 1, out=w)           # BinaryConnect keeps the latent weights here
            model.alpha[:] = np.maximum(model.alpha, 1e-3)
    return model


def to_qonnx(model: BinaryMLP) -> onnx.ModelProto:
    """The trained network as Brevitas exports it: Quant on the input, BipolarQuant on the
    weights (per-class scale on the last layer) and on the hidden activations, batch norms."""
    nodes, inits = [], []

    def const(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
        return name

    nodes.append(helper.make_node("Quant", ["input", const("in.scale", 1 / 16),
                                            const("in.zero", 0), const("in.bits", 8)],
                                  ["input.q"], domain=QONNX, signed=0, narrow=0,
                                  rounding_mode="ROUND"))
    current, last = "input.q", len(model.w) - 1
    for k, w in enumerate(model.w):
        name = f"fc{k + 1}"
        scale = model.alpha[None, :] if k == last else np.ones((1, 1))
        nodes.append(helper.make_node("BipolarQuant", [const(f"{name}.weight", w.T),
                                                       const(f"{name}.weight.scale", scale)],
                                      [f"{name}.weight.q"], domain=QONNX))
        out = f"{name}.out"
        nodes.append(helper.make_node("MatMul", [current, f"{name}.weight.q"], [out], name=name))
        if k == last:
            nodes.append(helper.make_node("Add", [out, const(f"{name}.bias", model.bias)],
                                          ["logits"], name=f"{name}.add"))
            break
        nodes.append(helper.make_node(
            "BatchNormalization", [out, const(f"bn{k + 1}.gamma", model.gamma[k]),
                                   const(f"bn{k + 1}.beta", model.beta[k]),
                                   const(f"bn{k + 1}.mean", model.mean[k]),
                                   const(f"bn{k + 1}.var", model.var[k])],
            [f"bn{k + 1}.out"], name=f"bn{k + 1}", epsilon=EPS))
        nodes.append(helper.make_node("BipolarQuant",
                                      [f"bn{k + 1}.out", const(f"act{k + 1}.scale", 1.0)],
                                      [f"act{k + 1}.out"], domain=QONNX, name=f"act{k + 1}"))
        current = f"act{k + 1}.out"
    graph = helper.make_graph(
        nodes, "binary_mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", model.w[0].shape[1]])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])], inits)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                    helper.make_opsetid(QONNX, 1)])
    proto.ir_version = 8
    return proto


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--simulator", choices=("verilator", "icarus"), default="verilator")
    parser.add_argument("--out", default="out/binary_mlp")
    parser.add_argument("--max-macs", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--limit", type=int, default=None,
                        help="simulate only the first N test images (Icarus is slow)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    x_train, x_test, y_train, y_test = load_data()
    if args.limit:
        x_test, y_test = x_test[:args.limit], y_test[:args.limit]
    model = train(x_train, y_train, epochs=args.epochs)
    proto = to_qonnx(model)
    onnx.save(proto, out / "binary_mlp.onnx")
    np.save(out / "calibration.npy", x_train)
    np.save(out / "test_inputs.npy", x_test)
    np.save(out / "test_labels.npy", y_test)
    float_accuracy = float(np.mean(np.argmax(model.forward(x_test)[0], axis=1) == y_test))

    design = hwgen.compile(out / "binary_mlp.onnx", x_train, max_macs=args.max_macs)
    design.save(out / "design")
    golden = design.golden_int(x_test)
    golden_accuracy = float(np.mean(np.argmax(golden, axis=1) == y_test))

    sim = design.simulate(x_test, simulator=args.simulator)     # writes OUT/design/sim
    r, c = sim.result, sim.result["cycles"]
    rtl_accuracy = float(np.mean(np.argmax(sim.outputs_int, axis=1) == y_test))
    summary = {"float_accuracy": float_accuracy, "golden_accuracy": golden_accuracy,
               "rtl_accuracy": rtl_accuracy, "design": "design"}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")

    sizes = "-".join(map(str, (64,) + HIDDEN + (10,)))
    print(f"binarized digits MLP {sizes}, {len(x_test)} test images, {args.simulator}")
    print()
    print("| | accuracy |")
    print("|---|---|")
    print(f"| float (binary weights and activations, numpy) | {float_accuracy:.2%} |")
    print(f"| golden model (int8 in, binary, int8 out) | {golden_accuracy:.2%} |")
    print(f"| RTL ({args.simulator}) | {rtl_accuracy:.2%} |")
    print()
    print(f"RTL equals golden model: {r['bit_exact']} ({r['mismatches']} of "
          f"{sim.golden_int.size} outputs differ)")
    print()
    print("| layer | kind | shape | PE x SIMD | cycles/vector | latency model | latency RTL |")
    print("|---|---|---|---|---|---|---|")
    for block, layer in zip(design.blocks, r["layers"], strict=True):
        print(f"| {block.name} | {block.kind} | {block.mh}x{block.mw} | {block.pe} x {block.simd} "
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
    ok = r["bit_exact"] and r["cycles_exact"] and rtl_accuracy == golden_accuracy
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
