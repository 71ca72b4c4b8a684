"""Run one stream block under cocotb with expected words and cycles from the parent."""

from __future__ import annotations

import json
from pathlib import Path

from amaranth.back import verilog as amaranth_verilog

from .cocotb_runner import build_cocotb, run_cocotb

__all__ = ["component_verilog", "cosim_stream_block"]


def component_verilog(component, top: str) -> str:
    """Deterministic Verilog of an Amaranth component with stream ports."""
    return amaranth_verilog.convert(component, name=top, emit_src=False)


def cosim_stream_block(verilog: str, top: str, *, in_words, expect_words, work_dir,
                       simulator: str = "verilator", expect_in_cycles=None,
                       expect_out_cycles=None, idle: float = 0.0, backpressure: float = 0.0,
                       seed: int = 0, timeout_cycles: int = 200_000) -> dict:
    """Build (cached) and run ``hwgen.sim.tb_stream_block``; return what the monitors saw.

    Raises SimulationError when the cocotb test fails: outputs differ from ``expect_words``
    or, if given, transfer cycles differ from the expected ones.
    """
    build = build_cocotb({f"{top}.v": verilog}, toplevel=top, simulator=simulator,
                         kind="block")
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    job = work_dir / "job.json"
    job.write_text(json.dumps({
        "in_words": [f"{int(w):x}" for w in in_words],
        "expect_words": [f"{int(w):x}" for w in expect_words],
        "expect_in_cycles": (None if expect_in_cycles is None
                             else list(map(int, expect_in_cycles))),
        "expect_out_cycles": (None if expect_out_cycles is None
                              else list(map(int, expect_out_cycles))),
        "idle": idle, "backpressure": backpressure, "seed": seed,
        "timeout_cycles": timeout_cycles,
    }))
    run_cocotb(build, test_module="hwgen.sim.tb_stream_block", test_dir=work_dir,
               extra_env={"HWGEN_COSIM_JOB": str(job)})
    return json.loads(job.with_suffix(".observed.json").read_text())
