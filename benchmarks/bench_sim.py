"""Simulation at CIFAR scale (issue 11): Verilog export, Verilator build and simulation speed.

    python benchmarks/bench_sim.py [--max-macs 1024] [--images 2] [--design DIR] [--save DIR]
                                   [--builds default,o2,...] [--scaling] [--no-inline]

The design is the int8 CNV of examples/cifar_cnv.py (FINN's CNV shape: 3x32x32 -> conv3x3
64, 64, maxpool 2, 128, 128, maxpool 2, 256, 256 -> dense 512, 512, 10; hwgen's post-training
quantization of random He-initialised weights with synthetic calibration images).
``--design DIR`` loads a design saved by an earlier run (``--save DIR``) instead of compiling.

Printed, each with how it was measured:

1. compile: CPU seconds of ``compile_onnx`` (skipped with ``--design``);
2. RTL export: CPU seconds of Amaranth's elaboration and Verilog conversion, Verilog bytes,
   and memory image bytes, with the tables as ``$readmemh`` images (shipped) and, for
   comparison, as Verilog initial values (``--no-inline`` skips that);
3. Verilator builds of the simulation harness around the shipped RTL, one per variant of the
   build options (a fresh cache directory each): wall seconds, CPU seconds of the compilers,
   bytes of generated C++;
4. simulation of ``--images`` images with each build: simulated cycles per second of the
   simulation loop and of the whole process, every run checked bit for bit against the golden
   model and cycle for cycle against the cycle model;
5. ``--scaling``: export seconds of one dense layer at a fixed folding as its weights grow.

Figures depend on the machine and its load (CPU seconds less so than wall seconds).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples"))

from cifar_cnv import cnv_calibration, cnv_config, cnv_onnx  # noqa: E402

from hwgen.backend import LoweredDesign  # noqa: E402
from hwgen.backend.design_file import load_design, save_design  # noqa: E402
from hwgen.backend.rtl import export_rtl  # noqa: E402
from hwgen.backend.writer import image_text  # noqa: E402
from hwgen.compiler import compile_onnx  # noqa: E402
from hwgen.ir import IntType, TensorQuant  # noqa: E402
from hwgen.perf.pipeline import pipeline_timing  # noqa: E402
from hwgen.sim.harness import VerilatorOptions  # noqa: E402
from hwgen.sim.model_run import simulate_design  # noqa: E402
from tests.fixtures.factories import random_mvau_params  # noqa: E402

#: Verilator build variants: name -> options (docs/simulation.md discusses the results).
BUILDS = {
    "default": VerilatorOptions(),
    "o1": VerilatorOptions(opt_fast="-O1"),
    "o2": VerilatorOptions(opt_fast="-O2"),
    "o3": VerilatorOptions(opt_fast="-O3"),
    "generic": VerilatorOptions(march=""),
    "x86-64-v3": VerilatorOptions(march="x86-64-v3"),
    "split-off": VerilatorOptions(output_split=0),
    "threads2": VerilatorOptions(threads=2),
}


def cpu() -> float:
    """CPU seconds of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def compile_cnv(max_macs: int):
    start = cpu()
    design = compile_onnx(cnv_onnx(0), cnv_calibration(0), cnv_config("int8"),
                          max_macs=max_macs)
    return design, cpu() - start


def export_figures(design, memories: str) -> tuple:
    start = cpu()
    # The shipped form is the design's own (cached): the simulations below reuse it.
    rtl = design.rtl if memories == "files" else export_rtl(design, memories=memories)
    seconds = cpu() - start
    image_bytes = sum(len(image_text(image)) for image in rtl.images)
    return seconds, len(rtl.verilog.encode()), image_bytes, len(rtl.images)


def cpp_bytes(cache: Path) -> int:
    return sum(path.stat().st_size for path in cache.rglob("*.cpp"))


def build_and_run(design, x, name, options, work: Path) -> dict:
    cache = work / f"cache-{name}"
    os.environ["HWGEN_CACHE"] = str(cache)
    # A first run of one image builds the harness (timed), a second run of every image is
    # measured.
    wall, children = time.perf_counter(), children_cpu()
    simulate_design(design, x[:1], work_dir=work / f"build-{name}", verilator=options,
                    log=lambda message: None)
    build_wall, build_cpu = time.perf_counter() - wall, children_cpu() - children
    outcome = simulate_design(design, x, work_dir=work / f"run-{name}", verilator=options,
                              log=lambda message: None)
    r = outcome.result
    assert r["bit_exact"] and r["cycles_exact"], f"{name}: the simulation disagrees"
    return {"build_wall": build_wall, "build_cpu": build_cpu, "cpp": cpp_bytes(cache),
            "cycles": r["simulated_cycles"], "loop": r["cycles_per_second"],
            "loop_cpu": r["cycles_per_cpu_second"] or 0.0,
            "process": r["cycles_per_second_wall"]}


def scaling() -> None:
    print("\n| dense layer, PE 16 x SIMD 16 | weights | export CPU s | Verilog bytes "
          "| image bytes |")
    print("|---|---|---|---|---|")
    for size in (128, 256, 512, 1024, 2048):
        block = random_mvau_params(np.random.default_rng(size), mh=size, mw=size, pe=16,
                                   simd=16, name="fc")
        design = LoweredDesign(name="gemm", blocks=(block,),
                               input_quant=TensorQuant(IntType(8, False), 1 / 255, 0),
                               output_quant=TensorQuant(IntType(8, True), 0.05, 0))
        seconds, verilog, image_bytes, _ = export_figures(design, "files")
        print(f"| {size} x {size} | {size * size:,} | {seconds:.2f} | {verilog:,} "
              f"| {image_bytes:,} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-macs", type=int, default=1024)
    parser.add_argument("--images", type=int, default=2)
    parser.add_argument("--design", help="load this saved design (design.npz) instead of "
                                         "compiling")
    parser.add_argument("--save", help="save the compiled design here (for --design)")
    parser.add_argument("--builds", default="default",
                        help=f"comma-separated Verilator variants: {', '.join(BUILDS)}")
    parser.add_argument("--no-inline", action="store_true",
                        help="skip the export with the tables as Verilog initial values")
    parser.add_argument("--scaling", action="store_true",
                        help="export time of one dense layer as its weights grow")
    parser.add_argument("--work", help="work directory (default: a temporary one)")
    args = parser.parse_args(argv)
    builds = [name.strip() for name in args.builds.split(",") if name.strip()]
    unknown = [name for name in builds if name not in BUILDS]
    if unknown:
        parser.error(f"unknown build variant(s) {unknown}; known: {', '.join(BUILDS)}")

    if args.design:
        design = load_design(args.design)
        print(f"design: loaded from {args.design}")
    else:
        design, seconds = compile_cnv(args.max_macs)
        print(f"design: CNV of examples/cifar_cnv.py, max-macs {args.max_macs}: compiled in "
              f"{seconds:.1f} CPU s")
        if args.save:
            Path(args.save).mkdir(parents=True, exist_ok=True)
            save_design(design, Path(args.save) / "design.npz")
    units = sum(b.pe * getattr(b, "simd", 1) for b in design.blocks if hasattr(b, "macs"))
    print(f"{len(design.blocks)} blocks, {units} MAC units, latency "
          f"{design_latency(design):,} cycles per image")

    print("\n| RTL export | CPU s (elaboration + conversion) | Verilog bytes | image files "
          "| image bytes |")
    print("|---|---|---|---|---|")
    for memories in ("files",) + (() if args.no_inline else ("inline",)):
        seconds, verilog, image_bytes, count = export_figures(design, memories)
        print(f"| tables as {'$readmemh images' if memories == 'files' else 'Verilog literals'}"
              f" | {seconds:.1f} | {verilog:,} | {count} | {image_bytes:,} |")

    x = np.random.default_rng(1).random((args.images, *design.model_input_shape),
                                        dtype=np.float32)
    with tempfile.TemporaryDirectory(prefix="bench-sim-", dir=args.work) as tmp:
        figures = {}
        for name in builds:
            print(f"building and running {name} ...", file=sys.stderr, flush=True)
            figures[name] = build_and_run(design, x, name, BUILDS[name], Path(tmp).resolve())
            print(f"  {figures[name]}", file=sys.stderr, flush=True)
    print(f"\n| Verilator build | options | build wall s | build CPU s | C++ bytes "
          f"| cycles ({args.images} images) | cycles/s (loop) | cycles per CPU s (loop) "
          "| cycles/s (process) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, f in figures.items():
        print(f"| {name} | {BUILDS[name].describe()} | {f['build_wall']:.0f} "
              f"| {f['build_cpu']:.0f} | {f['cpp']:,} | {f['cycles']:,} | {f['loop']:,.0f} "
              f"| {f['loop_cpu']:,.0f} | {f['process']:,.0f} |")
    if args.scaling:
        scaling()
    return 0


def design_latency(design) -> int:
    return pipeline_timing(design.blocks, 1, design.edges).latency


if __name__ == "__main__":
    sys.exit(main())
