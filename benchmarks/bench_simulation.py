"""Simulated cycles per second: model-level harness vs per-beat cocotb driver, Verilator vs Icarus.

    python benchmarks/bench_simulation.py [--repeat 20]

Uses the digits MLP of examples/digits_mlp.py (trained, quantized and compiled here). Builds
are cached and timed separately; the figures are for the runs alone. Every run is checked
bit for bit against the golden model, so a fast wrong simulation cannot score.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

from digits_mlp import load_data, to_onnx, train

from hwgen.backend.rtl import export_rtl
from hwgen.compiler import compile_onnx
from hwgen.golden import run_pipeline
from hwgen.ir.packing import pack_words
from hwgen.sim.block_cosim import cosim_stream_block
from hwgen.sim.model_run import simulate_design


def harness_run(design, x, simulator, driver, work):
    # One untimed run builds (or finds) the model; the second is measured.
    simulate_design(design, x[:4], work_dir=work / "warm", simulator=simulator, driver=driver,
                    log=lambda m: None)
    outcome = simulate_design(design, x, work_dir=work / "run", simulator=simulator,
                              driver=driver, log=lambda m: None)
    r = outcome.result
    assert r["bit_exact"] and r["cycles_exact"], "simulation disagrees with the models"
    return r["simulated_cycles"], r["wall_seconds"], r["cycles_per_second"]


def per_beat_run(design, x, simulator, work):
    codes = design.input_codes(x)
    in_fmt, out_fmt = design.input_format, design.output_format
    words_in = pack_words(codes.reshape(-1, in_fmt.lanes), in_fmt.element.bits)
    golden = run_pipeline(design.blocks, codes)
    words_out = pack_words(golden.reshape(-1, out_fmt.lanes), out_fmt.element.bits)
    # The per-beat driver builds one Verilog file: the tables as initial values, no images.
    verilog = export_rtl(design, memories="inline").verilog
    cosim_stream_block(verilog, design.top,
                       in_words=words_in[:design.beats_in_per_inference],
                       expect_words=words_out[:design.beats_out_per_inference],
                       work_dir=work / "warm", simulator=simulator)
    start = time.perf_counter()
    observed = cosim_stream_block(verilog, design.top, in_words=words_in,
                                  expect_words=words_out, work_dir=work / "run",
                                  simulator=simulator)
    seconds = time.perf_counter() - start
    cycles = observed["out_cycles"][-1] + 1
    return cycles, seconds, cycles / seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20,
                        help="test split repetitions for the Verilator harness (20)")
    args = parser.parse_args(argv)
    x_train, x_test, y_train, _ = load_data()
    start = time.perf_counter()
    design = compile_onnx(to_onnx(train(x_train, y_train)), x_train)
    layers = ", ".join(f"{block.name} {block.mh}x{block.mw} PE{block.pe}xSIMD{block.simd}"
                       for block in design.blocks)
    print(f"design: digits MLP, layers {layers}"
          f" ({sum(block.pe * block.simd for block in design.blocks)} multipliers); compiled in "
          f"{time.perf_counter() - start:.1f} s")
    big = np.concatenate([x_test] * args.repeat)
    setups = [
        ("harness, Verilator (C++ main, Python off the clock)", "verilator", "harness", big),
        ("harness, Verilator, under cocotb (one await)", "verilator", "cocotb", big),
        ("per-beat cocotb driver, Verilator", "verilator", "per-beat", x_test),
        ("harness, Icarus", "icarus", "harness", x_test[:60]),
        ("per-beat cocotb driver, Icarus", "icarus", "per-beat", x_test[:12]),
    ]
    print()
    print("| setup | inferences | cycles | seconds | cycles/s |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for index, (label, simulator, driver, x) in enumerate(setups):
            work = Path(tmp) / str(index)
            if driver == "per-beat":
                cycles, seconds, rate = per_beat_run(design, x, simulator, work)
            else:
                cycles, seconds, rate = harness_run(design, x, simulator, driver, work)
            print(f"| {label} | {len(x)} | {cycles} | {seconds:.3f} | {rate:,.0f} |", flush=True)
    print()
    print("seconds: the simulation loop where the harness reports it (Verilator C++ main), "
          "else the simulator process; cocotb rows include cocotb's start-up")
    return 0


if __name__ == "__main__":
    sys.exit(main())
