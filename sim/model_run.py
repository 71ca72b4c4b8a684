"""Simulate a compiled design over a data set and check it against both models.

Outputs must equal the golden model bit for bit; with no idle or backpressure cycles, every
transfer at the accelerator's ports and at every layer's ports must happen in the cycle the
cycle model predicts. :func:`simulate_rtl` runs given Verilog sources (the shipped files of an
output directory, :mod:`hwgen.sim.shipped_run`); :func:`simulate_design` runs the RTL a
LoweredDesign exports, written to its work directory first.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..backend.design import LoweredDesign
from ..backend.writer import MEMORY_DIR, image_text
from ..errors import SimulationError
from ..golden.model import run_pipeline
from ..ir.block import beats_per_inference
from ..ir.packing import pack_words, unpack_words
from ..perf.pipeline import pipeline_timing
from .harness import (
    HARNESS_TOP,
    Monitor,
    build_harness,
    check_stopped,
    check_top,
    harness_plusargs,
    read_results,
    render_harness,
    run_harness,
    write_inputs,
)
from .limits import cycle_limits

__all__ = ["DRIVERS", "SimulationOutcome", "simulate_design", "simulate_rtl", "write_rtl"]

DRIVERS = ("harness", "cocotb")
#: Inferences whose per-layer transfer cycles (first input beat, last output beat) go into
#: result.json's layers, for the report's timeline; the checks cover every inference.
TIMELINE_INFERENCES = 2


@dataclass
class SimulationOutcome:
    result: dict                 # what result.json holds
    outputs_int: np.ndarray      # output codes, one row per input
    outputs: np.ndarray          # dequantized float32
    golden: np.ndarray           # golden output codes


def _monitors(design: LoweredDesign) -> list:
    monitors = []
    for index, block in enumerate(design.blocks):
        beats_in = beats_per_inference(block.input_shape, block.input_format)
        beats_out = beats_per_inference(block.output_shape, block.output_format)
        monitors.append(Monitor(2 * index, f"i{index}",
                                f"{block.name}: first input beat of each inference",
                                period=beats_in, phase=0))
        monitors.append(Monitor(2 * index + 1, f"o{index}",
                                f"{block.name}: last output beat of each inference",
                                period=beats_out, phase=beats_out - 1))
    return monitors


def _run_with_cocotb(design, sources, in_words, beats_out, work_dir, *, simulator, idle,
                     backpressure, seed, waves, limits):
    from .cocotb_runner import build_cocotb, run_cocotb
    harness_sv = render_harness(top=design.top, in_width=design.in_width,
                                out_width=design.out_width,
                                in_period=design.beats_in_per_inference,
                                transfer_bits=2 * len(design.blocks),
                                monitors=_monitors(design))
    build = build_cocotb({**sources, "harness.sv": harness_sv},
                         toplevel=HARNESS_TOP, simulator=simulator,
                         defines={"HWGEN_COCOTB": 1}, timing=True, waves=waves,
                         kind="harness-cocotb")
    write_inputs(work_dir, in_words, design.in_width)
    start = time.perf_counter()
    try:
        run_cocotb(build, test_module="hwgen.sim.tb_harness", test_dir=work_dir,
                   plusargs=harness_plusargs(work_dir, len(in_words), beats_out, limits=limits,
                                             idle=idle, backpressure=backpressure, seed=seed),
                   waves=waves)
    except SimulationError:
        check_stopped(work_dir, limits)      # a stop at a limit says more than "failed"
        raise
    return read_results(work_dir, simulator, beats_out, time.perf_counter() - start)


def write_rtl(rtl, work_dir: Path, top: str) -> dict:
    """Write an exported RTL (:class:`hwgen.backend.rtl.Rtl`) into ``work_dir`` as the writer
    ships it (``rtl/TOP.v``, ``mem/*.memh``); return ``{relative path: Verilog text}``."""
    (work_dir / "rtl").mkdir(parents=True, exist_ok=True)
    (work_dir / MEMORY_DIR).mkdir(exist_ok=True)
    for image in rtl.images:
        (work_dir / MEMORY_DIR / image.file).write_text(image_text(image))
    (work_dir / f"rtl/{top}.v").write_text(rtl.verilog)
    return {f"rtl/{top}.v": rtl.verilog}


def simulate_design(design: LoweredDesign, x, *, work_dir, memories: str = "files",
                    **options) -> SimulationOutcome:
    """Simulate the RTL ``design`` exports over every row of ``x`` and check it.

    The Verilog and its memory images are written to ``work_dir`` (as ``hwgen compile``
    ships them) and simulated there; see :func:`simulate_rtl` for ``options``.

    Parameters
    ----------
    design : LoweredDesign
    x : numpy.ndarray
        Inputs, one row per inference (floats are quantized, integers are codes).
    work_dir : path
    memories : {"files", "inline"}
        Tables read from ``mem/*.memh`` images (what is shipped) or held in the Verilog as
        initial values (:func:`hwgen.backend.rtl.export_rtl`).
    """
    work_dir = Path(work_dir).resolve()
    check_top(design.top)
    if memories == "files":
        rtl = design.rtl
    else:
        from ..backend.rtl import export_rtl  # Amaranth, only for the other form
        rtl = export_rtl(design, memories=memories)
    sources = write_rtl(rtl, work_dir, design.top)
    return simulate_rtl(design, x, sources=sources, work_dir=work_dir, **options)


def simulate_rtl(design: LoweredDesign, x, *, sources: dict, work_dir,
                 simulator: str = "verilator", driver: str = "harness", idle: float = 0.0,
                 backpressure: float = 0.0, seed: int = 1, waves: bool = False,
                 max_cycles: int | None = None, verilator=None, progress=None,
                 log=print) -> SimulationOutcome:
    """Simulate ``sources`` (the RTL of ``design``) over every row of ``x`` and check it.

    Parameters
    ----------
    design : LoweredDesign
        The reference: golden model, cycle model, ports.
    x : numpy.ndarray
        Inputs, one row per inference.
    sources : dict
        ``{relative path: Verilog text}`` in compile order; the ROMs read their images from
        ``work_dir/mem``.
    work_dir : path
        Where the simulator runs: inputs, logs and waveforms go there.
    simulator : {"verilator", "icarus"}
    driver : {"harness", "cocotb"}
        Run the harness binary directly (fastest), or under a cocotb test.
    idle, backpressure : float
        Probability of an idle input cycle / a cycle without ready at the output. Cycle
        checks apply only when both are 0.
    max_cycles : int, optional
        Stop the run after this many cycles, or as many without an output beat; by default
        both limits come from the cycle model (:mod:`hwgen.sim.limits`).
    verilator : VerilatorOptions, optional
        How Verilator builds the harness (:class:`hwgen.sim.harness.VerilatorOptions`).

    Raises
    ------
    CycleLimitError
        The run went past a limit.
    """
    if driver not in DRIVERS:
        raise SimulationError(f"unknown driver {driver!r}; use one of {', '.join(DRIVERS)}")
    check_top(design.top)
    work_dir = Path(work_dir).resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    codes = design.input_codes(x)
    n = len(codes)
    if n == 0:
        raise SimulationError("no inputs to simulate")
    in_fmt, out_fmt = design.input_format, design.output_format
    timing = pipeline_timing(design.blocks, n, design.edges)
    limits = cycle_limits(timing, idle=idle, backpressure=backpressure, max_cycles=max_cycles)
    golden = run_pipeline(design.blocks, codes, edges=design.edges)
    in_words = pack_words(codes.reshape(-1, in_fmt.lanes), in_fmt.element.bits)
    beats_out = n * design.beats_out_per_inference
    waves_file = str(work_dir / "waves.vcd") if waves else None
    if driver == "harness":
        harness = build_harness(sources, top=design.top, in_width=design.in_width,
                                out_width=design.out_width,
                                in_period=design.beats_in_per_inference,
                                transfer_bits=2 * len(design.blocks),
                                monitors=_monitors(design), simulator=simulator, waves=waves,
                                verilator=verilator, log=log)
        run = run_harness(harness, in_words, beats_out, in_width=design.in_width,
                          work_dir=work_dir, limits=limits, idle=idle,
                          backpressure=backpressure, seed=seed, waves_file=waves_file,
                          progress=progress)
    else:
        run = _run_with_cocotb(design, sources, in_words, beats_out, work_dir,
                               simulator=simulator, idle=idle, backpressure=backpressure,
                               seed=seed, waves=waves, limits=limits)

    got = unpack_words(run.out_words, out_fmt.lanes, out_fmt.element.bits,
                       out_fmt.element.signed).reshape(golden.shape)
    mismatches = int(np.count_nonzero(got != golden))
    stalls = bool(idle or backpressure)
    result = {
        "bit_exact": mismatches == 0,
        "mismatches": mismatches,
        "mismatched_inferences": int(np.count_nonzero(
            np.any((got != golden).reshape(n, -1), axis=1))),
        "num_inferences": n,
        "simulator": simulator,
        "driver": driver,
        "idle": idle, "backpressure": backpressure, "seed": seed,
        "wall_seconds": run.wall_seconds,
        "simulated_cycles": run.cycles,
        "cycles_per_second": run.cycles_per_second,
        "cycles_per_cpu_second": run.cycles_per_cpu_second,
        "cycles_per_second_wall": run.cycles_per_second_wall,
        "cycles_checked": not stalls,
        "limits": {"max_cycles": limits.max_cycles, "watchdog": limits.watchdog,
                   "given": limits.given},
    }
    per_out = design.beats_out_per_inference
    rtl_first_in = run.in_cycles
    rtl_last_out = run.out_cycles[per_out - 1::per_out]
    cycles = {
        "latency_rtl": rtl_last_out[0] - rtl_first_in[0],
        "latency_model": timing.latency,
        "ii_rtl": rtl_last_out[-1] - rtl_last_out[-2] if n > 1 else None,
        "ii_model": timing.ii,
        "ii_bound": timing.ii_bound,
        "total_rtl": rtl_last_out[-1] - rtl_first_in[0] + 1,
        "total_model": timing.total_cycles,
    }
    layers = []
    # Every output beat, and the first input beat of every inference, at the ports.
    exact = (run.in_cycles == list(timing.first_in) and run.out_cycles == list(timing.out_beats))
    for index, (block, t) in enumerate(zip(design.blocks, timing.layers, strict=True)):
        # A block may start on the next inference before its input exists (a sliding window
        # reads the next image's top padding right away): compare the run's N inferences.
        ins = run.monitors.get(f"i{index}", [])[:n]
        outs = run.monitors.get(f"o{index}", [])[:n]
        layer_exact = ins == list(t.first_in) and outs == list(t.last_out)
        exact = exact and layer_exact
        latency_rtl = outs[0] - ins[0] if ins and outs else None
        ii_rtl = cycles["ii_rtl"]
        layers.append({
            "name": block.name, "kind": block.kind,
            "input_shape": list(block.input_shape), "output_shape": list(block.output_shape),
            "input_lanes": block.input_format.lanes, "output_lanes": block.output_format.lanes,
            "cycles_per_vector": t.cycles_per_vector,
            "latency_rtl": latency_rtl, "latency_model": t.latency,
            "utilization_rtl": (t.cycles_per_vector / ii_rtl) if ii_rtl else None,
            "utilization_model": (t.cycles_per_vector / timing.ii) if timing.ii else None,
            "transfers_match_model": layer_exact,
            # the transfer log of the first inferences: the report's simulated timeline
            "first_in_rtl": ins[:TIMELINE_INFERENCES],
            "last_out_rtl": outs[:TIMELINE_INFERENCES],
        })
    result["cycles"] = cycles
    result["cycles_exact"] = exact if not stalls else None
    result["layers"] = layers
    outputs = design.output_quant.dequantize(got).astype(np.float32)
    return SimulationOutcome(result=result, outputs_int=got, outputs=outputs, golden=golden)
