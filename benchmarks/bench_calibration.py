"""Time every hwgen calibration method and onnxruntime's calibrators on the same activations.

Usage::

    PYTHONPATH=. python benchmarks/bench_calibration.py [--size 1000000] [--batches 10] [--repeat 3]

The data are ``size`` seeded float32 activations (a Laplace / rectified-normal mix, like a
pre- and post-ReLU layer), split into ``batches`` batches along axis 0. onnxruntime is fed the
same batches through a one-node ONNX model (Relu) with its MinMax, Percentile and Entropy
calibrators; its time covers ``collect_data`` + ``compute_data`` (running the model included,
building the calibrator not). Histogram settings are the same on both sides (2048 bins,
percentile 99.999, 256 quantized bins = TensorRT's 128 levels per side at 8 bits).

Prints figures only; nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import os
import sys
import tempfile
import time

import numpy as np

try:
    import hwgen  # noqa: F401 (imported only to learn whether hwgen is installed)
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from hwgen.quant import CALIBRATION_METHODS, calibrate

BITS = 8
ENTROPY = {"num_bins": 2048, "num_quantized_bins": 256}
PERCENTILE = 99.999


def make_data(size: int, batches: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    half = size // 2
    x = np.concatenate([rng.laplace(0.0, 1.0, half),
                        np.maximum(rng.normal(0.5, 2.0, size - half), 0.0)])
    rng.shuffle(x)
    return x.astype(np.float32).reshape(batches, 1, -1)


def best_time(fn, repeat: int):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def hwgen_rows(data: np.ndarray, repeat: int):
    options = {"percentile": {"percentile": PERCENTILE}, "entropy": ENTROPY}
    for method in CALIBRATION_METHODS:
        run = functools.partial(calibrate, data, method, bits=BITS, **options.get(method, {}))
        seconds, r = best_time(run, repeat)
        yield f"hwgen {method}", seconds, r.rmin, r.rmax


def onnxruntime_rows(data: np.ndarray, repeat: int):
    import onnx
    from onnx import TensorProto, helper
    from onnxruntime.quantization.calibrate import (
        CalibrationDataReader,
        CalibrationMethod,
        create_calibrator,
    )

    class Reader(CalibrationDataReader):
        def __init__(self):
            self._it = iter(list(data))

        def get_next(self):
            b = next(self._it, None)
            return None if b is None else {"x": b}

    shape = list(data.shape[1:])
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    cases = [
        ("MinMax", {}),
        ("Percentile", {"percentile": PERCENTILE, "num_bins": 2048, "symmetric": False}),
        ("Entropy", ENTROPY),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "relu.onnx")
        onnx.save(model, path)
        for name, extra in cases:
            best, rng_out = float("inf"), None
            for _ in range(repeat):
                with contextlib.redirect_stdout(io.StringIO()):  # onnxruntime prints progress
                    cal = create_calibrator(path, ["Relu"], os.path.join(tmp, "aug.onnx"),
                                            calibrate_method=getattr(CalibrationMethod, name),
                                            extra_options=extra)
                    t = time.perf_counter()
                    cal.collect_data(Reader())
                    res = cal.compute_data()["x"]
                    best = min(best, time.perf_counter() - t)
                lo, hi = res.range_value if hasattr(res, "range_value") else res[:2]
                rng_out = (float(np.ravel(lo)[0]), float(np.ravel(hi)[0]))
            yield f"onnxruntime {name}", best, rng_out[0], rng_out[1]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="number of activations")
    parser.add_argument("--batches", type=int, default=10, help="calibration batches (axis 0)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per method; the best is printed")
    args = parser.parse_args(argv)
    data = make_data(args.size, args.batches)
    print(f"{args.size} float32 activations in {args.batches} batches, {BITS}-bit, "
          f"best of {args.repeat}")
    print(f"{'calibrator':<26}{'seconds':>10}{'rmin':>12}{'rmax':>12}")
    rows = list(hwgen_rows(data, args.repeat))
    try:
        rows += list(onnxruntime_rows(data, args.repeat))
    except ImportError as exc:
        print(f"(onnxruntime not available: {exc})")
    for name, seconds, lo, hi in rows:
        print(f"{name:<26}{seconds:>10.4f}{lo:>12.5f}{hi:>12.5f}")


if __name__ == "__main__":
    main()
