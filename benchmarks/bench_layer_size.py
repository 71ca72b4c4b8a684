"""Compile time and peak memory of one dense layer against its weight count.

    python benchmarks/bench_layer_size.py [--sizes 128 256 512 1024] [--max-macs 64]

A float N x N Gemm with calibration data is compiled (quantize, fold, lower, size FIFOs) and
saved (Verilog export, memory images, manifest), each size in a fresh child process so that
its peak memory (max RSS) is its own. The figures set hwgen's default limit on weights per
layer (``hwgen.compiler.MAX_LAYER_WEIGHTS``, docs/guarantees.md): a layer that compiles in
more than about 30 s on a 2-core machine (issue 11's target for a 2048 x 2048 Gemm) is refused
up front unless ``--max-layer-weights`` raises the limit.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
import numpy as np, onnx
from onnx import TensorProto, helper, numpy_helper
import hwgen

n, max_macs, out = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
rng = np.random.default_rng(0)
w = rng.normal(0, 1 / np.sqrt(n), (n, n)).astype(np.float32)
graph = helper.make_graph(
    [helper.make_node("Gemm", ["x", "W", "b"], ["y"], name="fc", transB=1)], "gemm",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", n])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", n])],
    [numpy_helper.from_array(w, "W"), numpy_helper.from_array(np.zeros(n, np.float32), "b")])
proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
phases = {}
start = time.perf_counter()
design = hwgen.compile(proto, rng.normal(0, 1, (64, n)).astype(np.float32),
                       max_macs=max_macs, max_layer_weights=None)
phases["compile"] = time.perf_counter() - start
start = time.perf_counter()
verilog = design.verilog
phases["verilog"] = time.perf_counter() - start
start = time.perf_counter()
design.save(out)
phases["save"] = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"phases": phases, "peak_mb": peak_mb, "verilog_mb": len(verilog) / 1e6}))
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256, 512, 1024])
    parser.add_argument("--max-macs", type=int, default=64)
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args(argv)
    print(f"one N x N Gemm, max-macs {args.max_macs}; seconds per phase, peak RSS")
    print()
    print("| N | weights | quantize + fold + lower + FIFOs | Verilog export | save | total "
          "| peak MB | Verilog MB |")
    print("|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            try:
                done = subprocess.run([sys.executable, "-c", _CHILD, str(n), str(args.max_macs),
                                       str(Path(tmp) / "out")], capture_output=True, text=True,
                                      timeout=args.timeout)
            except subprocess.TimeoutExpired:
                print(f"| {n} | {n * n:,} | > {args.timeout:.0f} s (stopped) | | | | | |")
                continue
        if done.returncode:
            print(f"| {n} | {n * n:,} | failed: {done.stderr.strip().splitlines()[-1]} "
                  "| | | | | |")
            continue
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        p = figures["phases"]
        total = sum(p.values())
        print(f"| {n} | {n * n:,} | {p['compile']:.1f} | {p['verilog']:.1f} | {p['save']:.1f} "
              f"| {total:.1f} | {figures['peak_mb']:.0f} | {figures['verilog_mb']:.1f} |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
