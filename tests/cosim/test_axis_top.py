"""The --interface axis top under cocotbext-axi: bit exact, TLAST placed, cycles as modelled.

cocotbext-axi's AxiStreamSource drives ``s_axis``, its AxiStreamSink takes ``m_axis`` and an
AxiStreamMonitor watches each side; both sides run again with random pauses (idle input
cycles, backpressure). The expected bytes are the golden model's codes packed the way
docs/integration.md documents it (lane i at TDATA bits [i*w, (i+1)*w), zero padding to a whole
byte), written out here, not taken from the hardware generator; the expected cycles come from
the cycle model. The pytest side builds, runs and checks; the cocotb test at the bottom
(``axis_top_run``, run inside the simulator) only drives and records.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import numpy as np
import pytest

from hwgen.backend import LoweredDesign
from hwgen.golden import run_pipeline
from hwgen.ir import IntType, TensorQuant
from hwgen.perf import pipeline_timing
from tests.fixtures.factories import random_mvau_params

pytestmark = pytest.mark.cosim

TOP = "axis_dut"


def small_design() -> LoweredDesign:
    """Three layers with 4-bit input lanes (12-bit beats: TDATA pads to 16) and 4-bit
    output lanes (20-bit beats: TDATA 24), two output beats per inference."""
    rng = np.random.default_rng(21)
    layers = (
        random_mvau_params(rng, mh=16, mw=12, pe=4, simd=3, in_bits=4, name="fc1", relu=True),
        random_mvau_params(rng, mh=10, mw=16, pe=2, simd=8, in_bits=8, in_signed=True,
                           name="fc2", in_fifo_depth=2),
        random_mvau_params(rng, mh=10, mw=10, pe=5, simd=5, in_bits=8, in_signed=True,
                           out_bits=4, name="fc3", w_bits=2),
    )
    return LoweredDesign(name="small_axis", blocks=layers, top=TOP, interface="axis",
                         input_quant=TensorQuant(IntType(4, False), 1 / 15, 0),
                         output_quant=TensorQuant(IntType(4, True), 0.25, 0))


def beat_bytes(codes, *, lanes: int, bits: int, ones_above: bool = False) -> bytes:
    """The documented TDATA packing of a tensor's codes, beat after beat, as AXI bytes; the
    padding bits above the last lane are zero, or ones with ``ones_above``."""
    codes = np.asarray(codes).reshape(-1, lanes)
    tdata_bytes = -(-lanes * bits // 8)
    padding = ((1 << 8 * tdata_bytes) - (1 << lanes * bits)) if ones_above else 0
    out = bytearray()
    for beat in codes:
        word = sum((int(c) & ((1 << bits) - 1)) << (i * bits) for i, c in enumerate(beat))
        out += (word | padding).to_bytes(tdata_bytes, "little")
    return bytes(out)


def run_axis(design: LoweredDesign, codes, *, simulator: str, work_dir: Path,
             frame_inferences: int = 1, idle: float = 0.0, backpressure: float = 0.0,
             seed: int = 0, partial: bytes = b"", ones_above: bool = False) -> dict:
    """Build the design's Verilog (cached), run ``axis_top_run``; return what it recorded.

    ``partial`` bytes, if any, are sent first and then ``aresetn`` is pulsed low: the
    recorded run starts after that reset. ``ones_above`` sets the input padding bits (which
    the accelerator must ignore).
    """
    from hwgen.sim.cocotb_runner import build_cocotb, run_cocotb
    from hwgen.sim.model_run import write_rtl
    build = build_cocotb({f"{TOP}.v": design.verilog}, toplevel=TOP, simulator=simulator,
                         kind="axis")
    # The tables are $readmemh images read from mem/ where the simulator runs (work_dir).
    write_rtl(design.rtl, work_dir, TOP)
    fmt_in = design.input_format
    per_inference = [beat_bytes(row, lanes=fmt_in.lanes, bits=fmt_in.element.bits,
                                ones_above=ones_above) for row in codes]
    frames = [b"".join(per_inference[i:i + frame_inferences])
              for i in range(0, len(per_inference), frame_inferences)]
    job = work_dir / "job.json"
    job.write_text(json.dumps({
        "frames": [f.hex() for f in frames], "partial": partial.hex(),
        "out_frames": len(codes),
        "idle": idle, "backpressure": backpressure, "seed": seed,
        "timeout_cycles": 200_000,
    }))
    run_cocotb(build, test_module="tests.cosim.test_axis_top", test_dir=work_dir,
               extra_env={"HWGEN_AXIS_JOB": str(job)})
    return json.loads(job.with_suffix(".observed.json").read_text())


def expected_frames(design: LoweredDesign, codes) -> list[bytes]:
    golden = run_pipeline(design.blocks, codes, edges=design.edges)
    fmt = design.output_format
    return [beat_bytes(row, lanes=fmt.lanes, bits=fmt.element.bits) for row in golden]


def inputs(design: LoweredDesign, n: int) -> np.ndarray:
    qt = design.input_quant.dtype
    return np.random.default_rng(5).integers(qt.qmin, qt.qmax + 1, (n,) + design.input_shape)


def check_outputs(design, codes, seen) -> None:
    want = expected_frames(design, codes)
    got = [bytes.fromhex(f) for f in seen["sink_frames"]]
    # one frame per TLAST: a misplaced TLAST splits or merges inferences
    assert [len(f) for f in got] == [len(f) for f in want], "TLAST misplaced"
    for index, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g == w, f"inference {index}: got {g.hex()}, expected {w.hex()} (golden model)"
    assert seen["monitor_frames"] == seen["sink_frames"], "monitor and sink disagree"
    assert seen["protocol_errors"] == [], seen["protocol_errors"][:5]


def test_axis_bit_and_cycle_exact(simulator, tmp_path):
    design = small_design()
    codes = inputs(design, 8)
    seen = run_axis(design, codes, simulator=simulator, work_dir=tmp_path)
    check_outputs(design, codes, seen)
    # every transfer in the cycle the cycle model predicts for the stream top, counted from
    # the first input transfer (the shell adds no cycle)
    timing = pipeline_timing(design.blocks, len(codes), design.edges)
    start = seen["in_cycles"][0]
    assert [c - start for c in seen["in_cycles"]] == \
        [c - timing.in_beats[0] for c in timing.in_beats]
    assert [c - start for c in seen["out_cycles"]] == \
        [c - timing.in_beats[0] for c in timing.out_beats]
    assert seen["in_tlast_beats"] == [design.beats_in_per_inference * (i + 1) - 1
                                      for i in range(len(codes))]


def test_axis_under_pauses_ignores_input_tlast(simulator, tmp_path):
    """Random idle and backpressure; input frames of 3 inferences (TLAST every third
    inference, the last frame shorter): the outputs are still one frame per inference.
    Half an inference sent before a pulse of aresetn is forgotten; the input padding bits
    are ones and ignored."""
    design = small_design()
    codes = inputs(design, 11)
    fmt = design.input_format
    half = beat_bytes(codes[0], lanes=fmt.lanes, bits=fmt.element.bits)[:2 * 2]  # 2 beats
    codes = codes[1:]
    seen = run_axis(design, codes, simulator=simulator, work_dir=tmp_path,
                    frame_inferences=3, idle=0.4, backpressure=0.5, seed=7, partial=half,
                    ones_above=True)
    check_outputs(design, codes, seen)
    beats = design.beats_in_per_inference
    assert seen["in_tlast_beats"] == [beats * 3 - 1, beats * 6 - 1, beats * 9 - 1,
                                      beats * 10 - 1]
    assert seen["idle_cycles"] > 0 and seen["backpressure_cycles"] > 0, \
        "the pauses did not stall the stream"


# -- inside the simulator ---------------------------------------------------------------------

try:
    import cocotb
except ImportError:                    # collected by pytest without cocotb: nothing to define
    cocotb = None


def _pauses(rng: random.Random, probability: float):
    while True:
        yield rng.random() < probability


async def _record(dut, seen: dict) -> None:
    """Every handshake of both ports, by cycle since reset, and AXI4-Stream rule checks: a
    master keeps TVALID, TDATA and TLAST steady until TREADY takes the beat."""
    from cocotb.triggers import RisingEdge
    cycle, held = 0, None
    beat = 0
    while True:
        await RisingEdge(dut.aclk)
        s_valid, s_ready = int(dut.s_axis_tvalid.value), int(dut.s_axis_tready.value)
        m_valid, m_ready = int(dut.m_axis_tvalid.value), int(dut.m_axis_tready.value)
        m_beat = (int(dut.m_axis_tdata.value), int(dut.m_axis_tlast.value))
        if held is not None and (not m_valid or m_beat != held):
            seen["protocol_errors"].append(f"cycle {cycle}: m_axis changed TVALID/TDATA/TLAST "
                                           "before TREADY took the beat")
        held = m_beat if m_valid and not m_ready else None
        if s_valid and s_ready:
            seen["in_cycles"].append(cycle)
            if int(dut.s_axis_tlast.value):
                seen["in_tlast_beats"].append(beat)
            beat += 1
        if m_valid and m_ready:
            seen["out_cycles"].append(cycle)
        if m_valid and not m_ready:
            seen["backpressure_cycles"] += 1
        if s_ready and not s_valid and beat < seen["in_beats"]:
            seen["idle_cycles"] += 1
        cycle += 1


if cocotb is not None:
    @cocotb.test()
    async def axis_top_run(dut):
        from cocotb.clock import Clock
        from cocotb.triggers import RisingEdge, with_timeout
        from cocotbext.axi import (
            AxiStreamBus,
            AxiStreamMonitor,
            AxiStreamSink,
            AxiStreamSource,
        )

        job_path = Path(os.environ["HWGEN_AXIS_JOB"])
        job = json.loads(job_path.read_text())
        Clock(dut.aclk, 10, unit="ns").start()
        dut.aresetn.value = 0
        source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis"), dut.aclk,
                                 dut.aresetn, reset_active_level=False)
        sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, "m_axis"), dut.aclk, dut.aresetn,
                             reset_active_level=False)
        monitor = AxiStreamMonitor(AxiStreamBus.from_prefix(dut, "m_axis"), dut.aclk,
                                   dut.aresetn, reset_active_level=False)
        if job["idle"]:
            source.set_pause_generator(_pauses(random.Random(job["seed"]), job["idle"]))
        if job["backpressure"]:
            sink.set_pause_generator(_pauses(random.Random(job["seed"] + 1),
                                             job["backpressure"]))
        for _ in range(3):
            await RisingEdge(dut.aclk)
        dut.aresetn.value = 1
        if job["partial"]:                  # part of an inference, then a reset
            source.send_nowait(bytes.fromhex(job["partial"]))
            await with_timeout(source.wait(), 10 * job["timeout_cycles"], "ns")
            for _ in range(3):
                await RisingEdge(dut.aclk)
            dut.aresetn.value = 0
            for _ in range(2):
                await RisingEdge(dut.aclk)
            dut.aresetn.value = 1
        seen = {"in_cycles": [], "out_cycles": [], "in_tlast_beats": [], "idle_cycles": 0,
                "backpressure_cycles": 0, "protocol_errors": [],
                "in_beats": sum(len(f) for f in job["frames"]) // 2 // source.byte_lanes}
        recorder = cocotb.start_soon(_record(dut, seen))
        for frame in job["frames"]:
            source.send_nowait(bytes.fromhex(frame))
        frames = []
        for _ in range(job["out_frames"]):
            frame = await with_timeout(sink.recv(), 10 * job["timeout_cycles"], "ns")
            frames.append(bytes(frame.tdata).hex())
        for _ in range(4):                  # a stray extra beat would show up here
            await RisingEdge(dut.aclk)
        recorder.cancel()
        watched = []
        while not monitor.empty():
            watched.append(bytes(monitor.recv_nowait().tdata).hex())
        while not sink.empty():             # frames beyond the expected ones
            frames.append(bytes(sink.recv_nowait().tdata).hex())
        seen["sink_frames"] = frames
        seen["monitor_frames"] = watched
        job_path.with_suffix(".observed.json").write_text(json.dumps(seen))
