"""A CIFAR-10-sized CNV (FINN's CNV shape), built as a float ONNX model and compiled.

    python examples/cifar_cnv.py [--variant int8|w1a8|w2a2] [--weights random|trained]
                                 [--max-macs M] [--out DIR] [--write]
                                 [--simulate N [--simulator verilator|icarus]]

The network is FINN's CNV: 3x32x32 -> conv3x3 64, 64, maxpool2, conv3x3 128, 128, maxpool2,
conv3x3 256, 256 (no padding: 32 -> 30 -> 28 -> 14 -> 12 -> 10 -> 5 -> 3 -> 1) -> dense 512,
512, 10, ReLU after every layer but the last: 59.5M multiply-accumulates per image.

Weights (``--weights``):

- ``random`` (the default, used by the scale benchmarks): He-initialised (normal, standard
  deviation sqrt(2 / fan_in), seeded), with synthetic calibration images (uniform noise in
  [0, 1], seeded). This model measures the compiler and the hardware at CIFAR scale; it
  classifies nothing.
- ``trained``: the same layers and shapes trained briefly with torch (the ``[qat]`` extra)
  on scikit-learn's digits made 3x32x32 (each 8x8 pixel repeated into a 4x4 block, the grey
  image copied to three channels; examples/cnv_training.py: 12 epochs with seeded shifts of
  up to 3 pixels, seeded and deterministic, about a CPU minute). There is no CIFAR-10 here
  (no download). Calibration is the first 64 training images. The script then also prints
  the float model's and hwgen's golden model's accuracy on the 360 validation images. The
  trained ONNX model, the same graph as the random one, is cached (keyed by the seed and the
  training settings) in ``$HWGEN_CACHE/cnv``, or in ``--out`` when HWGEN_CACHE is not set.

Variants (``cnv_onnx(variant=...)`` and ``cnv_config(variant)``):

- ``int8``: int8 weights per output channel, int8 activations (hwgen's PTQ defaults);
- ``w1a8``: binary weights (BWN, one scale per output channel) on every layer but the first
  and the last, which stay int8, as FINN keeps its first and last layers wider; activations
  int8. It runs on the binary-weight MVAU.
- ``w2a2``: 2-bit weights (codes -1, 0, 1) and unsigned 2-bit activations after every ReLU,
  as FINN's CNV-w2a2; the first layer keeps int8 weights and 8-bit pixels, the last int8
  weights. (Bipolar w1a1 activations come only from a QONNX model, e.g. Brevitas' export.)

Post-training quantization to 1 or 2 bits loses most of the accuracy (of random weights:
all of it); those variants measure the compiler and the hardware, not a classifier.

The script compiles the model with ``hwgen.compiler.compile_onnx`` and prints the time of
each compile phase and the predicted initiation interval, latency and pipeline efficiency
(MACs per image / (MAC units x II)). ``--write`` also writes the design (Verilog, memory
images, manifest) and times that.

``--simulate N`` writes the design and simulates ``N`` synthetic images (validation
images with ``--weights trained``) of the shipped RTL
(``hwgen.load(OUT).simulate``, as ``hwgen sim OUT`` does; its cycle limit comes from the cycle
model, so CNV's 116k to 1.6M cycles per image need no option): outputs bit-exact against the
golden model and every transfer in its modelled cycle, with the Verilator build and the
simulation speed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from hwgen.compiler import compile_onnx
from hwgen.golden.model import run_pipeline
from hwgen.passes import fifo_bits
from hwgen.perf.pipeline import analyse_pipeline

#: (output channels, kernel) of each convolution, "pool" for a 2x2 max pool.
CONVS = (64, 64, "pool", 128, 128, "pool", 256, 256)
#: Output features of each dense layer.
DENSE = (512, 512, 10)
IMAGE = (3, 32, 32)
VARIANTS = ("int8", "w1a8", "w2a2")
#: Where the weights come from (``--weights``).
WEIGHTS = ("random", "trained")


def cnv_onnx(seed: int = 0, variant: str = "int8", weights: dict | None = None
             ) -> onnx.ModelProto:
    """The CNV as a float ONNX model (opset 17, NCHW input ``(N, 3, 32, 32)``).

    Weights are He-initialised from ``numpy.random.default_rng(seed)``; biases are small
    (standard deviation 0.01). ``weights`` (initializer name -> array, e.g. from
    :func:`trained_cnv`) replaces them: the graph is the same either way. ``variant`` only
    names the model: the quantization of a variant is in :func:`cnv_config`.
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown CNV variant {variant!r}; use one of {', '.join(VARIANTS)}")
    rng = np.random.default_rng(seed)
    nodes, inits = [], []
    current, channels, size = "input", IMAGE[0], IMAGE[1]

    def init(name, value):
        if weights is not None:
            given = np.asarray(weights[name])
            if given.shape != np.shape(value):
                raise ValueError(f"CNV weight {name!r} has shape {given.shape}; the CNV "
                                 f"needs {np.shape(value)}")
            value = given
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))

    conv = 0
    for item in CONVS:
        if item == "pool":
            name = f"pool{conv // 2}"
            nodes.append(helper.make_node("MaxPool", [current], [f"{name}.out"], name=name,
                                          kernel_shape=[2, 2], strides=[2, 2]))
            current, size = f"{name}.out", size // 2
            continue
        conv += 1
        name, fan_in = f"conv{conv}", channels * 9
        init(f"{name}.weight", rng.normal(0, math.sqrt(2 / fan_in), (item, channels, 3, 3)))
        init(f"{name}.bias", rng.normal(0, 0.01, item))
        nodes.append(helper.make_node("Conv", [current, f"{name}.weight", f"{name}.bias"],
                                      [f"{name}.out"], name=name, kernel_shape=[3, 3]))
        nodes.append(helper.make_node("Relu", [f"{name}.out"], [f"relu{conv}.out"],
                                      name=f"relu{conv}"))
        current, channels, size = f"relu{conv}.out", item, size - 2
    nodes.append(helper.make_node("Flatten", [current], ["flat.out"], name="flatten", axis=1))
    current, features = "flat.out", channels * size * size
    for i, out in enumerate(DENSE, 1):
        name = f"fc{i}"
        init(f"{name}.weight", rng.normal(0, math.sqrt(2 / features), (out, features)))
        init(f"{name}.bias", rng.normal(0, 0.01, out))
        nodes.append(helper.make_node("Gemm", [current, f"{name}.weight", f"{name}.bias"],
                                      [f"{name}.out"], name=name, transB=1))
        current, features = f"{name}.out", out
        if i < len(DENSE):
            nodes.append(helper.make_node("Relu", [current], [f"relu_fc{i}.out"],
                                          name=f"relu_fc{i}"))
            current = f"relu_fc{i}.out"
    graph = helper.make_graph(
        nodes, f"cifar_cnv_{variant}",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", *IMAGE])],
        [helper.make_tensor_value_info(current, TensorProto.FLOAT, ["N", DENSE[-1]])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def cnv_calibration(seed: int = 0, count: int = 64) -> np.ndarray:
    """Synthetic calibration images: ``count`` NCHW images of uniform noise in [0, 1]."""
    return np.random.default_rng([seed, 1]).random((count, *IMAGE), dtype=np.float32)


def trained_cnv(settings=None, *, cache: Path, log=print):
    """The CNV trained on the digits (examples/cnv_training.py), as ``(model, info)``.

    The ONNX model and its training figures (``info``: float accuracy, training seconds,
    settings) are cached in ``cache`` as ``cnv_trained_<key>.onnx`` / ``.json``, keyed by the
    seed and the training settings; a cached model is loaded, not retrained.
    """
    from cnv_training import Settings, train_cnv
    settings = settings or Settings()
    path = Path(cache) / f"cnv_trained_{settings.key()}.onnx"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        log(f"trained CNV: cached {path}")
        return onnx.load(path), json.loads(meta.read_text())
    log(f"trained CNV: training ({settings}); cache {path}")
    weights, info = train_cnv(CONVS, DENSE, IMAGE, settings, log=log)
    model = cnv_onnx(settings.seed, weights=weights)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, path)
    meta.write_text(json.dumps(info, indent=1) + "\n")
    return model, info


def cache_dir(out) -> Path:
    """Where the trained CNV is cached: ``$HWGEN_CACHE/cnv`` if set, else ``out``."""
    root = os.environ.get("HWGEN_CACHE")
    return Path(root) / "cnv" if root else Path(out)


def cnv_config(variant: str = "int8") -> dict:
    """The compile configuration of a variant (see the module docstring)."""
    if variant == "int8":
        return {}
    if variant == "w1a8":
        inner = [f"conv{i}" for i in range(2, 7)] + ["fc1", "fc2"]
        return {"layer": {name: {"weights": "binary"} for name in inner}}
    if variant == "w2a2":
        return {"default": {"weights": "int2", "activations": "uint2"},
                "layer": {"conv1": {"weights": "int8", "activations": "uint8"},
                          "fc3": {"weights": "int8"}}}
    raise ValueError(f"unknown CNV variant {variant!r}; use one of {', '.join(VARIANTS)}")


def cnv_macs() -> int:
    """Multiply-accumulates of one image (59,461,376)."""
    macs, channels, size = 0, IMAGE[0], IMAGE[1]
    for item in CONVS:
        if item == "pool":
            size //= 2
            continue
        size -= 2
        macs += size * size * item * channels * 9
        channels = item
    features = channels * size * size
    for out in DENSE:
        macs, features = macs + features * out, out
    return macs


def pipeline_figures(design) -> dict:
    """Predicted figures of a compiled design, from the compile flow's own analysis.

    ``ii`` is the steady-state interval (cycles per inference once the pipeline is full;
    a fraction when the run repeats every few inferences), ``latency`` the first
    inference's, ``efficiency`` = MACs per inference / (MAC units x ``ii``).
    """
    analysis = analyse_pipeline(design.blocks, design.edges)
    p = analysis.periodicity
    ii = p.delta / p.period
    macs = sum(block.macs for block in design.blocks if hasattr(block, "macs"))
    units = sum(block.pe * getattr(block, "simd", 1) for block in design.blocks
                if hasattr(block, "macs"))
    timing = analysis.timing(1)
    return {"latency": timing.latency, "ii": ii, "ii_bound": timing.ii_bound, "macs": macs,
            "mac_units": units, "efficiency": macs / (units * ii),
            "fifo_bits": fifo_bits(design.blocks, design.edges)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variant", choices=VARIANTS, default="int8")
    parser.add_argument("--max-macs", type=int, default=64)
    parser.add_argument("--weights", choices=WEIGHTS, default="random",
                        help="random He-initialised weights (default) or the CNV trained "
                             "on the digits made 3x32x32")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out/cifar_cnv")
    parser.add_argument("--write", action="store_true",
                        help="also write the design (Verilog, memory images, manifest)")
    parser.add_argument("--simulate", type=int, default=0, metavar="N",
                        help="write the design and simulate N synthetic images, bit- and "
                             "cycle-exact")
    parser.add_argument("--simulator", choices=("verilator", "icarus"), default="verilator")
    args = parser.parse_args(argv)
    args.write = args.write or args.simulate > 0

    validation = None
    if args.weights == "trained":
        from cnv_training import Settings, cnv_digits
        model, info = trained_cnv(Settings(seed=args.seed), cache=cache_dir(args.out))
        x_train, x_val, _, y_val = cnv_digits()
        calibration, validation = x_train[:64], (x_val, np.asarray(y_val))
    else:
        model, calibration = cnv_onnx(args.seed, args.variant), cnv_calibration(args.seed)
    phases: dict = {}
    start = time.process_time()
    design = compile_onnx(model, calibration, cnv_config(args.variant),
                          max_macs=args.max_macs, phases=phases)
    if args.write:
        from hwgen.backend.writer import write_design
        begin = time.process_time()
        design.verilog                                  # noqa: B018 (elaborate, convert)
        phases["Amaranth elaboration and Verilog"] = time.process_time() - begin
        begin = time.process_time()
        write_design(design, Path(args.out))
        phases["write_design"] = time.process_time() - begin
    total = time.process_time() - start

    figures = pipeline_figures(design)
    print(f"CNV {args.variant}, {args.weights} weights, max-macs {args.max_macs}, "
          f"seed {args.seed}: "
          f"{len(design.blocks)} blocks, {figures['mac_units']} MAC units, "
          f"{figures['macs']:,} MACs per image")
    print()
    print("| compile phase | CPU seconds |")
    print("|---|---|")
    for name, seconds in phases.items():
        print(f"| {name} | {seconds:.2f} |")
    print(f"| total | {total:.2f} |")
    print()
    print("| prediction (cycle model) | |")
    print("|---|---|")
    print(f"| latency, one image | {figures['latency']:,} cycles |")
    print(f"| initiation interval | {figures['ii']:,.0f} cycles |")
    print(f"| slowest block's cycles per image | {figures['ii_bound']:,} |")
    print(f"| efficiency, MACs / (MAC units x II) | {figures['efficiency']:.1%} |")
    print(f"| FIFO storage | {figures['fifo_bits']:,} bits |")
    if validation is not None:
        x_val, y_val = validation
        golden = run_pipeline(design.blocks, design.input_codes(x_val), edges=design.edges)
        golden = golden.reshape(len(x_val), -1)          # output codes: the same argmax
        print()
        print(f"| accuracy, {len(x_val)} validation digits (one image = "
              f"{100 / len(x_val):.2f} points) | |")
        print("|---|---|")
        print(f"| float model (torch, {info['train_cpu_s']:.0f} s CPU of training) "
              f"| {info['val_accuracy']:.2%} |")
        print(f"| hwgen golden model, {args.variant} "
              f"| {np.mean(golden.argmax(axis=1) == y_val):.2%} |")
    if args.simulate:
        x = None if validation is None else validation[0][:args.simulate]
        return simulate(Path(args.out), args.simulate, args.simulator, args.seed, x)
    return 0


def simulate(out: Path, images: int, simulator: str, seed: int, x=None) -> int:
    """Simulate ``images`` images (``x``, or synthetic ones) of the design written to
    ``out``; print the check and the speed; 0 when bit- and cycle-exact."""
    import hwgen
    if x is None:
        x = np.random.default_rng([seed, 2]).random((images, *IMAGE), dtype=np.float32)
    start = time.monotonic()
    outcome = hwgen.load(out).simulate(x, simulator=simulator)
    wall = time.monotonic() - start
    r, c = outcome.result, outcome.result["cycles"]
    print()
    print(f"| simulation ({simulator}, {images} images) | |")
    print("|---|---|")
    print(f"| bit exact (RTL = golden) | {r['bit_exact']} ({r['mismatches']} mismatches) |")
    print(f"| cycle exact (every transfer) | {r['cycles_exact']} |")
    print(f"| latency model / RTL | {c['latency_model']:,} / {c['latency_rtl']:,} |")
    if c["ii_rtl"] is not None:                     # an interval needs two images
        print(f"| interval model / RTL | {c['ii_model']:,} / {c['ii_rtl']:,} |")
    print(f"| simulated cycles | {r['simulated_cycles']:,} |")
    print(f"| simulation speed | {r['cycles_per_second']:,.0f} cycles/s "
          f"({r['cycles_per_cpu_second'] or 0:,.0f} per CPU second of the loop) |")
    print(f"| build and run, wall | {wall:.1f} s |")
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
