"""hwgen's golden model against onnxruntime's own execution of QDQ models, in figures.

Usage::

    PYTHONPATH=. python benchmarks/bench_qdq_onnxruntime.py [--images 2000] [--seed 0]
                                      [--models cnn,cnn-avg,mlp,resnet,separable]

Models (seeded, trained on nothing: random weights are enough to exercise the arithmetic):

- ``cnn``: conv3x3(8, pad 1)-relu-maxpool-conv3x3(16, pad 1)-relu-flatten-dense(10) on 3x8x8;
- ``cnn-avg``: conv3x3(8)-relu-avgpool2-globalavgpool-dense(10) (onnxruntime gives the average
  pool equal input and output scales);
- ``mlp``: 64-128-64-10;
- ``resnet``: conv3x3(8)-relu, [conv3x3(8)-relu-conv3x3(8)] + skip, relu, globalavgpool,
  dense(10) on 3x8x8 (onnxruntime runs the Add as QLinearAdd, in float32);
- ``separable``: conv3x3(8)-relu, depthwise 3x3-relu, pointwise 1x1(12)-relu, depthwise 3x3
  stride 2-relu, globalavgpool, dense(5) on 3x8x8.

Each is quantized by ``onnxruntime.quantization.quantize_static`` (QDQ, min/max) for int8 and
uint8 activations, per-tensor and per-channel weights, with and without ``reduce_range``, and
compared layer by layer (each layer fed onnxruntime's own input codes) under hwgen's two
requantization rules (every layer run on its own by onnxruntime, fused as in the whole
model, fed by onnxruntime's codes of the layer before). For every differing output the mechanism
is named
(hwgen.reference.onnxruntime); one example of each is printed at the end. The last
columns compare whole models end to end from the same float inputs. A second table gives the
adds of two branches alone.

Prints figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

# the checkout's root: tests.fixtures (and hwgen, when it is not installed)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from hwgen.compiler import compile_onnx
from hwgen.golden import run_pipeline
from hwgen.reference.onnxruntime import MECHANISMS, compare_layers, onnxruntime_output_codes
from tests.fixtures.cnn_builders import Chain, digits_like_cnn, residual_cnn, separable_cnn
from tests.fixtures.onnx_builders import gemm_mlp
from tests.fixtures.qdq_builders import ort_quantize


def models(seed: int, images: int):
    rng = np.random.default_rng(seed)
    cnn = digits_like_cnn(seed=seed, image=(3, 8, 8), channels=(8, 16), classes=10)
    avg = (Chain((3, 8, 8), seed=seed).conv("c", 3, 8, 3, pads=[1, 1, 1, 1]).relu("r")
           .avgpool("ap", 2, strides=[2, 2]).gap("gap").flatten("f").gemm("fc", 8, 10)
           .build())
    mlp, _, _ = gemm_mlp(rng, [64, 128, 64, 10])
    images_x = rng.uniform(0, 1, (images, 3, 8, 8))
    resnet = residual_cnn(seed=seed, image=(3, 8, 8), channels=8, classes=10)
    return {"cnn": (cnn, images_x), "cnn-avg": (avg, images_x),
            "mlp": (mlp, rng.normal(0.2, 1, (images, 64))), "resnet": (resnet, images_x),
            "separable": (separable_cnn(seed, image=(3, 8, 8), channels=(8, 12), classes=5),
                          images_x)}


def end_to_end(qdq, x, rule):
    """The whole model from the same float inputs, onnxruntime running it as it is."""
    design = compile_onnx(qdq, None, {"default": {"requant": rule}})
    ref = onnxruntime_output_codes(qdq, x).reshape(len(x), -1)
    codes = run_pipeline(design.blocks, design.input_codes(x), edges=design.edges)
    diff = codes.reshape(len(x), -1) - ref
    return np.count_nonzero(diff), diff.size, int(np.abs(diff).max())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--models", default="cnn,cnn-avg,mlp,resnet,separable",
                        help="comma-separated subset of the models")
    args = parser.parse_args(argv)
    examples, adds = {}, []
    print("| model | activations | weights | reduce_range | rule | outputs | differ | rate "
          "| max LSB | " + " | ".join(MECHANISMS) + " | end to end differ | end to end max |")
    print("|" + "---|" * (12 + len(MECHANISMS)))
    chosen = args.models.split(",")
    for name, (proto, x) in models(args.seed, args.images).items():
        if name not in chosen:
            continue
        for activations in ("int8", "uint8"):
            for per_channel in (False, True):
                for reduce_range in (True, False):
                    qdq = ort_quantize(proto, x[:256], activations=activations,
                                       per_channel=per_channel, reduce_range=reduce_range)
                    for rule in ("single_even", "single", "gemmlowp"):
                        results = compare_layers(qdq, x, config={"default": {"requant": rule}})
                        outputs = sum(r.outputs for r in results)
                        differ = sum(r.mismatches for r in results)
                        counts = {m: sum(r.mechanisms[m] for r in results) for m in MECHANISMS}
                        for r in results:
                            for m, text in r.examples.items():
                                examples.setdefault(m, f"{name}, layer {r.name}: {text}")
                        e_differ, e_size, e_max = end_to_end(qdq, x, rule)
                        config = (f"| {name} | {activations} | "
                                  f"{'channel' if per_channel else 'tensor'} | {reduce_range} "
                                  f"| {rule} |")
                        adds += [f"{config} {r.name} | {r.outputs} | {r.mismatches} | "
                                 f"{r.mismatches / r.outputs:.2e} | {r.max_lsb} | " + ", ".join(
                                     f"{m} {n}" for m, n in r.mechanisms.items() if n) + " |"
                                 for r in results if r.kind == "QuantAdd"]
                        print(f"| {name} | {activations} | "
                              f"{'channel' if per_channel else 'tensor'} | {reduce_range} "
                              f"| {rule} | {outputs} | {differ} | {differ / outputs:.2e} "
                              f"| {max(r.max_lsb for r in results)} | "
                              + " | ".join(str(counts[m]) for m in MECHANISMS)
                              + f" | {e_differ}/{e_size} | {e_max} |")
    if adds:
        print()
        print("| model | activations | weights | reduce_range | rule | add | outputs | differ "
              "| rate | max LSB | mechanisms |")
        print("|" + "---|" * 11)
        print("\n".join(adds))
    print()
    for mechanism, text in examples.items():
        print(f"- {mechanism}: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
