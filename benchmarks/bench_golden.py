"""hwgen's golden model against onnxruntime on the same QDQ models, single-threaded, in figures.

Usage::

    PYTHONPATH=. python benchmarks/bench_golden.py [--models cnv,digits-cnn,digits-mlp]
        [--images 100] [--digits-images 360] [--repeat 3] [--seed 0] [--max-macs 64]
        [--no-reduce-range] [--no-int8] [--profile MODEL] [--profile-top 25]

Models, each quantized by onnxruntime's ``quantize_static`` (QDQ, int8 activations and
per-channel int8 weights, min/max calibration over seeded synthetic or real data;
``reduce_range=True`` as the digits examples do, ``--no-reduce-range`` for full 8-bit weights):

- ``cnv``: FINN's CNV shape on 3x32x32, no padding: conv3x3 64, 64, maxpool2, 128, 128,
  maxpool2, 256, 256, dense 512, 512, 10 (59.5M MACs per image), He-initialised random
  weights, calibrated on 64 uniform random images; ``--images`` random images are timed;
- ``digits-cnn``: the digits CNN of ``examples/digits_cnn.py`` (trained as there), timed on the
  360 test images;
- ``digits-mlp``: the digits MLP of ``examples/digits_mlp.py`` (64-64-32-10, trained as
  there), quantized the same way, timed on the 360 test images.

Both executors run in this process on the same float inputs, one batch each: onnxruntime's
``InferenceSession`` (CPU provider, ``intra_op_num_threads=1``, ``inter_op_num_threads=1``,
sequential execution) and :func:`hwgen.golden.run_pipeline` over the lowered blocks
(``choose_folding`` then ``lower_graph``; FIFO sizing does not change the golden model and is
skipped) on the input codes, which ``LoweredDesign.input_codes`` computes once beforehand (its time,
spent in ``hwgen.ir.types``, is printed in a column of its own). BLAS is single-threaded too:
OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS are set to 1 before numpy is
imported. After one
warm-up run of each, the best of ``--repeat`` runs is reported, CPU time
(``time.process_time``) and wall time. The last columns count the golden outputs that differ
from onnxruntime's (expected: a few, by 1 LSB; docs/models.md names the mechanisms).

The golden model forms 8-bit products through onnxruntime's ``MatMulInteger`` where its
self-check and int32 bound prove them exact (:mod:`hwgen.golden.int8_gemm`; the header line
says which variant this CPU passed); ``--no-int8`` keeps them on float BLAS (the results are
the same, bit for bit).

``--profile MODEL`` prints cProfile's top functions (by own time) of one golden run;
``--blocks MODEL`` the CPU time of each block of that model (a sliding window together with
the block it feeds) and how an MVAU forms its products (Winograd rows, kernel rows, im2col or
dense; onnxruntime int8, float32, float64 or int64, in parts), best of ``--repeat``, each
``run_pipeline`` on the previous block's outputs (so each also converts its outputs to int64:
the sum exceeds one whole run).

Prints figures only; nothing is asserted.
"""

from __future__ import annotations

import os

# single-threaded BLAS: set before numpy loads it
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"

import argparse
import cProfile
import functools
import pstats
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

from hwgen.backend.design import LoweredDesign
from hwgen.frontend import load_onnx
from hwgen.frontend.layout import stream_input_axes
from hwgen.golden import int8_gemm, run_pipeline
from hwgen.golden.conv import KernelRows
from hwgen.golden.matmul import ExactProduct
from hwgen.golden.mvau import integer_product
from hwgen.golden.window import WindowPatches
from hwgen.golden.winograd import WinogradRows
from hwgen.ir.lowering import lower_graph
from hwgen.passes import choose_folding
from tests.fixtures.cnn_builders import Chain
from tests.fixtures.qdq_builders import ort_quantize

MODELS = ("cnv", "digits-cnn", "digits-mlp")


def cnv_float(seed: int):
    """FINN's CNV shape (no padding), He-initialised: weights ~ N(0, 2 / fan_in)."""
    chain = Chain((3, 32, 32), seed=seed)
    c_in = 3
    for i, (c_out, pool) in enumerate(((64, False), (64, True), (128, False), (128, True),
                                       (256, False), (256, False))):
        chain.conv(f"conv{i + 1}", c_in, c_out, 3, scale=np.sqrt(2 / (9 * c_in)))
        chain.relu(f"relu{i + 1}")
        if pool:
            chain.maxpool(f"pool{i + 1}", 2, strides=[2, 2])
        c_in = c_out
    chain.flatten("flat")
    for i, (n_in, n_out) in enumerate(((256, 512), (512, 512), (512, 10))):
        chain.gemm(f"fc{i + 1}", n_in, n_out)
        if i < 2:
            chain.relu(f"relu_fc{i + 1}")
    return chain.build(["N", 10], name="cnv")


def cnv_macs() -> int:
    convs = [(30, 3, 64), (28, 64, 64), (12, 64, 128), (10, 128, 128), (3, 128, 256),
             (1, 256, 256)]
    return (sum(s * s * o * 9 * i for s, i, o in convs) + 256 * 512 + 512 * 512 + 512 * 10)


def digits_cnn_float():
    from digits_cnn import load_data
    from numpy_cnn import SmallCnn
    x_train, x_test, y_train, _ = load_data()
    model = SmallCnn(seed=0).train(x_train, y_train, epochs=20)
    return model.to_onnx(), x_train[:512], x_test


def digits_mlp_float():
    from digits_mlp import load_data, to_onnx, train
    x_train, x_test, y_train, _ = load_data()
    return to_onnx(train(x_train, y_train)), x_train[:512], x_test


def build(name: str, args):
    """(QDQ model, timed float inputs)."""
    if name == "cnv":
        rng = np.random.default_rng(args.seed)
        calibration = rng.uniform(0, 1, (64, 3, 32, 32)).astype(np.float32)
        x = rng.uniform(0, 1, (args.images, 3, 32, 32)).astype(np.float32)
        proto = cnv_float(args.seed)
    else:
        proto, calibration, x = (digits_cnn_float if name == "digits-cnn"
                                 else digits_mlp_float)()
        x = x[:args.digits_images]
    qdq = ort_quantize(proto, calibration, per_channel=True, reduce_range=args.reduce_range)
    return qdq, np.ascontiguousarray(x, dtype=np.float32)


def golden_design(qdq, max_macs: int) -> LoweredDesign:
    graph = choose_folding(load_onnx(qdq, None), max_macs=max_macs)
    blocks, edges = lower_graph(graph)
    return LoweredDesign(name=graph.name, blocks=blocks, edges=edges,
                         input_quant=graph.input_quant, output_quant=graph.output_quant,
                         input_axes=stream_input_axes(graph.input_shape))


def ort_session(qdq):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(qdq.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])


def best_of(run, repeat: int):
    """Best CPU and wall seconds of ``repeat`` calls after one warm-up call, and its result."""
    result = run()
    cpu, wall = [], []
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        run()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return min(cpu), min(wall), result


def golden_run(design: LoweredDesign, codes: np.ndarray):
    return run_pipeline(design.blocks, codes, edges=design.edges)


def measure(name: str, args) -> dict:
    qdq, x = build(name, args)
    design = golden_design(qdq, args.max_macs)
    session = ort_session(qdq)
    feed = {session.get_inputs()[0].name: x}
    ort_cpu, ort_wall, ort_out = best_of(lambda: session.run(None, feed)[0], args.repeat)
    q_cpu, _, codes = best_of(lambda: design.input_codes(x), args.repeat)
    g_cpu, g_wall, out = best_of(lambda: golden_run(design, codes), args.repeat)
    oq = design.output_quant
    ort_codes = np.rint(ort_out.astype(np.float64) / oq.scale) + oq.zero_point
    diff = np.abs(out.reshape(len(x), -1) - ort_codes.reshape(len(x), -1))
    return {"model": name, "images": len(x), "ort_cpu": ort_cpu, "ort_wall": ort_wall,
            "golden_cpu": g_cpu, "golden_wall": g_wall, "quantize_cpu": q_cpu,
            "differ": int(np.count_nonzero(diff)), "outputs": diff.size,
            "max_lsb": int(diff.max()), "design": design, "codes": codes}


def profile(row: dict, top: int) -> None:
    design, codes = row["design"], row["codes"]
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    golden_run(design, codes)
    profiler.disable()
    print(f"cProfile of one golden run of {row['model']} ({row['images']} images), "
          f"by own CPU time:")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def product_way(unit: list, value: np.ndarray) -> str:
    """How the golden model forms an MVAU's accumulators (a convolution: Winograd rows,
    kernel rows or im2col; else the dense product), and in which dtype."""
    block = unit[-1]
    if type(block).__name__ != "IntMvauParams":
        return ""
    integer, _ = integer_product(block)
    if integer is not None:
        return ("dense " if len(unit) == 1 else "im2col ") + integer.describe()
    x_max = max(abs(block.input_type.qmin), abs(block.input_type.qmax))
    product = ExactProduct.plan(block.weights, x_max, bias=block.acc_bias)
    dtype = f"{product.dtype}" + (f" x{len(product.parts)}" if len(product.parts) > 1 else "")
    if len(unit) == 1:
        return f"dense {dtype}"
    patches = WindowPatches(value, unit[0])
    if WinogradRows.applies(block, patches):
        return "Winograd rows float32"
    if KernelRows.applies(block, patches, product):
        return "kernel rows float32"
    return f"im2col {dtype}"


def blocks_table(row: dict, repeat: int) -> None:
    """Per-block CPU time: each sliding window with its consumer, on the previous outputs."""
    design, value = row["design"], row["codes"]
    blocks = list(design.blocks)
    units, i = [], 0
    while i < len(blocks):
        take = 2 if type(blocks[i]).__name__ == "SlidingWindowParams" else 1
        units.append(blocks[i:i + take])
        i += take
    print(f"golden CPU time per block of {row['model']} ({row['images']} images):")
    print()
    print("| block | way | CPU ms | share |")
    print("|---|---|---|---|")
    times = []
    for unit in units:
        way = product_way(unit, value)
        cpu, _, out = best_of(functools.partial(run_pipeline, unit, value), repeat)
        times.append((unit[-1].name, way, cpu))
        value = out.astype(np.result_type(np.min_scalar_type(int(out.min(initial=0))),
                                          np.min_scalar_type(int(out.max(initial=0)))))
    total = sum(t for *_, t in times)
    for name, way, t in times:
        print(f"| {name} | {way} | {t * 1e3:.2f} | {t / total:.1%} |")
    print(f"| total | | {total * 1e3:.2f} | |")
    print()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=",".join(MODELS),
                        help="comma-separated subset of " + ", ".join(MODELS))
    parser.add_argument("--images", type=int, default=100, help="CNV images timed")
    parser.add_argument("--digits-images", type=int, default=360,
                        help="digits test images timed (360 = the whole test split)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-macs", type=int, default=64,
                        help="folding of the lowered blocks (the golden model ignores it)")
    parser.add_argument("--no-reduce-range", dest="reduce_range", action="store_false",
                        help="8-bit weights instead of onnxruntime's 7-bit reduce_range")
    parser.add_argument("--no-int8", dest="int8", action="store_false",
                        help="float BLAS products only (no onnxruntime integer kernels)")
    parser.add_argument("--profile", choices=MODELS, default=None)
    parser.add_argument("--blocks", choices=MODELS, default=None)
    parser.add_argument("--profile-top", type=int, default=25)
    args = parser.parse_args(argv)
    chosen = args.models.split(",")
    int8_gemm.ENABLED = args.int8
    for name in chosen:
        if name not in MODELS:
            parser.error(f"unknown model {name!r}; choose from {', '.join(MODELS)}")
    print(f"single-threaded: OMP/OPENBLAS/MKL_NUM_THREADS=1, onnxruntime intra_op=1 inter_op=1 "
          f"sequential; reduce_range={args.reduce_range}; best of {args.repeat} after a "
          f"warm-up; CNV = {cnv_macs() / 1e6:.1f}M MACs per image")
    print(f"golden integer products: {int8_gemm.status()}")
    print()
    print("| model | images | onnxruntime CPU ms | golden CPU ms | ratio CPU | onnxruntime wall ms "
          "| golden wall ms | ratio wall | input_codes CPU ms | golden vs onnxruntime: differ / "
          "outputs | max LSB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    for name in chosen:
        row = measure(name, args)
        rows.append(row)
        print(f"| {name} | {row['images']} | {row['ort_cpu'] * 1e3:.3f} "
              f"| {row['golden_cpu'] * 1e3:.3f} | {row['golden_cpu'] / row['ort_cpu']:.2f}x "
              f"| {row['ort_wall'] * 1e3:.3f} | {row['golden_wall'] * 1e3:.3f} "
              f"| {row['golden_wall'] / row['ort_wall']:.2f}x "
              f"| {row['quantize_cpu'] * 1e3:.3f} | {row['differ']} / {row['outputs']} "
              f"| {row['max_lsb']} |", flush=True)
    print()
    for row in rows:
        if row["model"] == args.blocks:
            blocks_table(row, args.repeat)
        if row["model"] == args.profile:
            profile(row, args.profile_top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
