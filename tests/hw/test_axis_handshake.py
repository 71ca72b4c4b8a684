# amaranth: UnusedElaboratable=no
"""AXI4-Stream handshake rules of the axis top, in Amaranth's simulator.

AXI4-Stream forbids a master to wait for TREADY before it raises TVALID: ``m_axis_tvalid``
(and the beat it offers) must not depend combinationally on ``m_axis_tready``. docs/
integration.md also promises that ``s_axis_tready`` does not wait for ``s_axis_tvalid``.
Every cycle of a run with random valid and ready, each input is flipped within the cycle and
the outputs it must not reach are read again.
"""

import random

import numpy as np
import pytest
from amaranth.sim import Simulator

from hwgen.hw.axis_top import AxisTop
from tests.fixtures.factories import random_mvau_params


def axis_top() -> AxisTop:
    rng = np.random.default_rng(9)
    layers = (
        random_mvau_params(rng, mh=6, mw=6, pe=2, simd=3, in_bits=4, name="fc1", relu=True),
        random_mvau_params(rng, mh=4, mw=6, pe=2, simd=6, in_bits=8, in_signed=True,
                           name="fc2"),
    )
    return AxisTop(blocks=layers)


def test_no_combinational_path_from_ready_to_valid():
    dut = axis_top()
    rng = random.Random(3)
    seen = {"m_beats": 0, "s_beats": 0, "cycles": 0}

    async def clock(ctx):
        while True:
            ctx.set(dut.aclk, 0)
            await ctx.delay(5e-9)
            ctx.set(dut.aclk, 1)
            await ctx.delay(5e-9)

    async def bench(ctx):
        ctx.set(dut.aresetn, 0)
        for _ in range(2):
            await ctx.posedge(dut.aclk)
        ctx.set(dut.aresetn, 1)
        for cycle in range(400):
            await ctx.delay(2e-9)                 # inside the cycle, away from the edge
            ctx.set(dut.s_axis_tdata, rng.getrandbits(16))
            master = []
            for ready in (0, 1):
                ctx.set(dut.m_axis_tready, ready)
                master.append((ctx.get(dut.m_axis_tvalid), ctx.get(dut.m_axis_tdata),
                               ctx.get(dut.m_axis_tlast)))
            assert master[0] == master[1], f"cycle {cycle}: m_axis follows m_axis_tready"
            slave = []
            for valid in (0, 1):
                ctx.set(dut.s_axis_tvalid, valid)
                slave.append(ctx.get(dut.s_axis_tready))
            assert slave[0] == slave[1], f"cycle {cycle}: s_axis_tready waits for TVALID"
            valid, ready = rng.random() < 0.7, rng.random() < 0.6
            ctx.set(dut.s_axis_tvalid, valid)
            ctx.set(dut.m_axis_tready, ready)
            seen["s_beats"] += valid and ctx.get(dut.s_axis_tready)
            seen["m_beats"] += ready and ctx.get(dut.m_axis_tvalid)
            await ctx.posedge(dut.aclk)
            seen["cycles"] += 1

    sim = Simulator(dut)
    sim.add_process(clock)
    sim.add_testbench(bench)
    sim.run()
    assert seen["cycles"] == 400
    assert seen["s_beats"] > 50 and seen["m_beats"] > 20, seen     # data flowed both ways


def test_axis_top_needs_a_block():
    with pytest.raises(ValueError, match=r"^an accelerator needs at least one block$"):
        AxisTop(blocks=())
