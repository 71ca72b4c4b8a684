"""The axis top around a graph with a fork and a residual join, in Amaranth's simulator:
outputs equal the golden model, TLAST closes each inference, cycles are the cycle model's."""

import numpy as np
from amaranth.sim import Simulator

import hwgen
from hwgen.golden import run_pipeline
from hwgen.hw.axis_top import AxisTop
from hwgen.perf import pipeline_timing
from tests.fixtures.cnn_factory import residual_cnn_graph


def pack(codes, lanes: int, bits: int) -> list[int]:
    """Beats of the documented TDATA packing: lane i in bits [i*bits, (i+1)*bits)."""
    mask = (1 << bits) - 1
    return [sum((int(c) & mask) << (i * bits) for i, c in enumerate(beat))
            for beat in np.asarray(codes).reshape(-1, lanes)]


def test_residual_graph_through_the_axis_top():
    lowered = hwgen.compile(residual_cnn_graph(), max_macs=16, interface="axis").lowered
    n = 3
    rng = np.random.default_rng(2)
    qt = lowered.input_quant.dtype
    codes = rng.integers(qt.qmin, qt.qmax + 1, (n,) + lowered.input_shape)
    fin, fout = lowered.input_format, lowered.output_format
    words_in = pack(codes, fin.lanes, fin.element.bits)
    golden = run_pipeline(lowered.blocks, codes, edges=lowered.edges)
    want = pack(golden, fout.lanes, fout.element.bits)
    beats_out = lowered.beats_out_per_inference
    dut = AxisTop(blocks=lowered.blocks, edges=lowered.edges)
    seen = {"in": [], "out": [], "words": [], "last": []}

    async def clock(ctx):
        while True:
            ctx.set(dut.aclk, 0)
            await ctx.delay(5e-9)
            ctx.set(dut.aclk, 1)
            await ctx.delay(5e-9)

    async def bench(ctx):
        ctx.set(dut.aresetn, 0)
        await ctx.posedge(dut.aclk)
        ctx.set(dut.aresetn, 1)
        ctx.set(dut.m_axis_tready, 1)
        index, cycle = 0, 0
        while len(seen["words"]) < len(want) and cycle < 100_000:
            await ctx.delay(2e-9)
            ctx.set(dut.s_axis_tvalid, index < len(words_in))
            if index < len(words_in):
                ctx.set(dut.s_axis_tdata, words_in[index])
            if index < len(words_in) and ctx.get(dut.s_axis_tready):
                seen["in"].append(cycle)
                index += 1
            if ctx.get(dut.m_axis_tvalid):
                seen["out"].append(cycle)
                seen["words"].append(ctx.get(dut.m_axis_tdata))
                seen["last"].append(ctx.get(dut.m_axis_tlast))
            await ctx.posedge(dut.aclk)
            cycle += 1

    sim = Simulator(dut)
    sim.add_process(clock)
    sim.add_testbench(bench)
    sim.run()                       # until the testbench returns (the clock is not critical)
    assert seen["words"] == want
    assert seen["last"] == [int((i + 1) % beats_out == 0) for i in range(len(want))]
    timing = pipeline_timing(lowered.blocks, n, lowered.edges)
    assert [c - seen["in"][0] for c in seen["in"]] == [c - timing.in_beats[0]
                                                        for c in timing.in_beats]
    assert [c - seen["in"][0] for c in seen["out"]] == [c - timing.in_beats[0]
                                                         for c in timing.out_beats]
