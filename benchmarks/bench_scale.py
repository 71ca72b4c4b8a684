"""Compile time, memory, FIFO storage and predicted speed of hwgen at scale.

    python benchmarks/bench_scale.py [--cases mlp cnn cnv-64 cnv-256 cnv-1024 gemm-2048]
                                     [--no-verilog] [--no-minimum] [--simulate N]
                                     [--timeout 3600]

Cases: the digits MLP and CNN of examples/digits_mlp.py and examples/digits_cnn.py (the CNN
trained for 2 epochs only: weights do not change what is measured), the CIFAR-size CNV of
examples/cifar_cnv.py (int8, random He-initialised weights, synthetic calibration) at
max-macs 64, 256 and 1024, and a lone 2048x2048 Gemm (int8, random weights).

Each case runs in its own Python process (``--run CASE``, which prints one JSON line), so
the peak resident memory (``ru_maxrss``) is that case's alone; it is read after the compile
(hwgen's passes, the FIFO sizing and the cycle model), after the Amaranth elaboration and
Verilog conversion, and after ``write_design``. Times are CPU seconds of that process:

- frontend: ONNX reading, float execution for calibration, quantization;
- folding, lowering;
- FIFOs + cycle model: the FIFO sizing, whose last analysis is the design's cycle model;
- manifest cycle model: the timing the manifest writer asks for (the compile flow's
  analysis, reused), and a cold analysis of the same design for comparison;
- Verilog: Amaranth elaboration and Verilog conversion (``LoweredDesign.verilog``);
- write_design: the files (Verilog already converted), memory images, design file, manifest.

With ``--simulate N`` the Verilator harness is built around the exported RTL (wall and
compiler CPU seconds of the build, a fresh cache) and N random inputs are simulated, checked
bit for bit against the golden model and cycle for cycle against the cycle model: simulated
cycles and cycles per second of the simulation loop (wall time, so it depends on the load).

FIFO bits are hwgen's total (every output, input and branch FIFO, depth x beat width) and
the minimum that avoids stalls, found by a search over the sized design: each FIFO in turn,
largest first, is bisected down to the smallest depth (at least 1) with which the exact
analysis still gives the design's steady-state interval and no deadlock, the others held.
``ratio`` is hwgen's total over that minimum. II is the steady-state interval (cycles per
inference), efficiency = MACs per inference / (MAC units x II).

To add a column: add a ``Column`` to ``COLUMNS`` and the value to the dictionary
``measure`` returns.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))

CASES = ("mlp", "cnn", "cnv-64", "cnv-256", "cnv-1024", "gemm-2048")


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    fmt: str = "{}"


COLUMNS = (
    Column("case", "case"),
    Column("blocks", "blocks"),
    Column("frontend s", "t_frontend", "{:.2f}"),
    Column("folding s", "t_folding", "{:.2f}"),
    Column("lowering s", "t_lowering", "{:.2f}"),
    Column("FIFOs + cycle model s", "t_fifos", "{:.2f}"),
    Column("manifest cycle model s", "t_manifest_timing", "{:.3f}"),
    Column("cold analysis s", "t_cold_analysis", "{:.2f}"),
    Column("Verilog s", "t_verilog", "{:.1f}"),
    Column("write_design s", "t_write", "{:.1f}"),
    Column("compile MB", "rss_compile", "{:,.0f}"),
    Column("peak MB", "rss_peak", "{:,.0f}"),
    Column("FIFO bits", "fifo_bits", "{:,}"),
    Column("min FIFO bits", "fifo_bits_min", "{:,}"),
    Column("ratio", "fifo_ratio", "{:.2f}"),
    Column("II", "ii", "{:,.0f}"),
    Column("II bound", "ii_bound", "{:,}"),
    Column("latency", "latency", "{:,}"),
    Column("MAC units", "mac_units", "{:,}"),
    Column("efficiency", "efficiency", "{:.1%}"),
    Column("Verilator build wall s", "build_wall", "{:.0f}"),
    Column("build CPU s", "build_cpu", "{:.0f}"),
    Column("simulated cycles", "sim_cycles", "{:,}"),
    Column("cycles/s", "cycles_per_s", "{:,.0f}"),
    Column("cycles per CPU s", "cycles_per_cpu_s", "{:,.0f}"),
)


# -- the models -------------------------------------------------------------------------

def digits_mlp():
    from digits_mlp import load_data, to_onnx, train
    x_train, _, y_train, _ = load_data()
    return to_onnx(train(x_train, y_train)), x_train, None, 64


def digits_cnn():
    from digits_cnn import load_data
    from numpy_cnn import SmallCnn
    x_train, _, y_train, _ = load_data()
    return SmallCnn(seed=0).train(x_train, y_train, epochs=2).to_onnx(), x_train, None, 64


def cnv(max_macs):
    from cifar_cnv import cnv_calibration, cnv_config, cnv_onnx
    return cnv_onnx(0), cnv_calibration(0), cnv_config("int8"), max_macs


def gemm(size=2048, seed=0):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(seed)
    w = rng.normal(0, np.sqrt(2 / size), (size, size)).astype(np.float32)
    b = rng.normal(0, 0.01, size).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["input", "w", "b"], ["out"], name="gemm", transB=1)],
        f"gemm{size}",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", size])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, ["N", size])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model, rng.normal(0, 1, (64, size)).astype(np.float32), None, 64


BUILDERS = {"mlp": digits_mlp, "cnn": digits_cnn, "cnv-64": lambda: cnv(64),
            "cnv-256": lambda: cnv(256), "cnv-1024": lambda: cnv(1024), "gemm-2048": gemm}


# -- measurements ------------------------------------------------------------------------

def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def minimal_fifo_bits(design, period: int, delta: int) -> int:
    """The design's FIFOs bisected one by one, largest first, to the smallest depths that
    keep ``delta / period`` cycles per inference (see the module docstring)."""
    from hwgen.errors import HwgenError
    from hwgen.passes import fifo_bits
    from hwgen.perf.events import CycleModelDeadlock
    from hwgen.perf.pipeline import PipelineAnalysis

    blocks, edges = list(design.blocks), design.edges

    def keeps(trial) -> bool:
        try:
            p = PipelineAnalysis(trial, edges).run().periodicity
        except CycleModelDeadlock:
            return False
        return p is not None and p.delta * period == delta * p.period

    def width(index, field):
        block = blocks[index]
        if field == "out_fifo_depth":
            return block.output_format.payload_bits
        return block.input_formats[0 if field == "in_fifo_depth" else 1].payload_bits

    sites = [(index, field) for index, block in enumerate(blocks)
             for field in ("out_fifo_depth", "in_fifo_depth", "in2_fifo_depth")
             if getattr(block, field, 0)]
    sites.sort(key=lambda s: -getattr(blocks[s[0]], s[1]) * width(*s))
    for index, field in sites:
        low, high = 1, getattr(blocks[index], field)
        while low < high:
            mid = (low + high) // 2
            try:
                trial = list(blocks)
                trial[index] = replace(blocks[index], **{field: mid})
                good = keeps(tuple(trial))
            except HwgenError:              # a depth the block does not accept
                good = False
            if good:
                high = mid
            else:
                low = mid + 1
        blocks[index] = replace(blocks[index], **{field: high})
    return fifo_bits(blocks, edges)


def simulate(design, images: int, work: Path) -> dict:
    """Build the Verilator harness (one image, timed) and simulate ``images`` inputs, checked
    bit for bit and cycle for cycle (benchmarks/bench_sim.py's measurement)."""
    from bench_sim import build_and_run

    from hwgen.sim.harness import VerilatorOptions
    x = np.random.default_rng(1).random((images, *design.model_input_shape), dtype=np.float32)
    f = build_and_run(design, x, "default", VerilatorOptions(), work)
    return {"build_wall": f["build_wall"], "build_cpu": f["build_cpu"],
            "sim_cycles": f["cycles"], "cycles_per_s": f["loop"],
            "cycles_per_cpu_s": f["loop_cpu"]}


def measure(case: str, *, verilog: bool, minimum: bool, images: int = 0) -> dict:
    from cifar_cnv import pipeline_figures

    from hwgen.backend.writer import write_design
    from hwgen.compiler import compile_onnx
    from hwgen.passes import steady_state_inferences
    from hwgen.perf.pipeline import PipelineAnalysis, analyse_pipeline, pipeline_timing

    model, calibration, config, max_macs = BUILDERS[case]()
    phases: dict = {}
    # The Gemm case measures exactly what the default layer-size limit refuses.
    design = compile_onnx(model, calibration, config, max_macs=max_macs, phases=phases,
                          max_layer_weights=None)
    row = {"case": case, "blocks": len(design.blocks),
           "t_frontend": phases["frontend and quantization"], "t_folding": phases["folding"],
           "t_lowering": phases["lowering"], "t_fifos": phases["FIFO sizing and cycle model"],
           "rss_compile": rss_mb()}
    start = time.process_time()
    pipeline_timing(design.blocks, steady_state_inferences(len(design.blocks)), design.edges)
    row["t_manifest_timing"] = time.process_time() - start
    start = time.process_time()
    PipelineAnalysis(design.blocks, design.edges).run()
    row["t_cold_analysis"] = time.process_time() - start
    row.update(pipeline_figures(design))
    if verilog:
        start = time.process_time()
        design.verilog                                   # noqa: B018
        row["t_verilog"] = time.process_time() - start
        with tempfile.TemporaryDirectory() as out:
            start = time.process_time()
            write_design(design, out)
            row["t_write"] = time.process_time() - start
    if images:
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as work:
            row.update(simulate(design, images, Path(work)))
    if minimum:
        p = analyse_pipeline(design.blocks, design.edges).periodicity
        row["fifo_bits_min"] = minimal_fifo_bits(design, p.period, p.delta)
        row["fifo_ratio"] = row["fifo_bits"] / row["fifo_bits_min"]
    row["rss_peak"] = rss_mb()
    return row


# -- driver ------------------------------------------------------------------------------

def cell(column: Column, row: dict) -> str:
    value = row.get(column.key)
    if value is None:
        return row.get("error", "-") if column.key == "case" else "-"
    return column.fmt.format(value)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--no-verilog", action="store_true",
                        help="skip the Amaranth elaboration, Verilog and write_design")
    parser.add_argument("--no-minimum", action="store_true",
                        help="skip the search for the minimum FIFO storage (the slow part)")
    parser.add_argument("--simulate", type=int, default=0, metavar="N",
                        help="also build the Verilator harness and simulate N random inputs "
                             "(bit and cycle exact), as benchmarks/bench_sim.py does")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per case")
    parser.add_argument("--run", choices=CASES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        row = measure(args.run, verilog=not args.no_verilog, minimum=not args.no_minimum,
                      images=args.simulate)
        print(json.dumps(row))
        return 0

    print("command: python " + " ".join([str(Path(sys.argv[0]))] + list(sys.argv[1:])))
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          "times are CPU seconds of each case's own process")
    print()
    rows = []
    for case in args.cases:
        command = [sys.executable, __file__, "--run", case]
        command += ["--no-verilog"] * args.no_verilog + ["--no-minimum"] * args.no_minimum
        command += ["--simulate", str(args.simulate)] * bool(args.simulate)
        try:
            done = subprocess.run(command, capture_output=True, text=True,
                                  timeout=args.timeout, check=False)
        except subprocess.TimeoutExpired:
            rows.append({"case": f"{case} (timeout after {args.timeout:.0f} s)"})
            continue
        if done.returncode:
            sys.stderr.write(done.stderr)
            rows.append({"case": f"{case} (failed)"})
            continue
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"done: {case}", file=sys.stderr, flush=True)
    print("| " + " | ".join(c.header for c in COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for row in rows:
        print("| " + " | ".join(cell(c, row) for c in COLUMNS) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
