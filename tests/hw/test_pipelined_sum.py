# amaranth: UnusedElaboratable=no
"""pipelined_sum in Amaranth's simulator: the exact sum, ``stages`` cycles later."""

import numpy as np
import pytest
from amaranth.hdl import Module, Signal, signed
from amaranth.sim import Simulator

from hwgen.hw.arith.adder_tree import pipelined_sum


def run(count, every, stages, rows):
    m = Module()
    inputs = [Signal(signed(9), name=f"x{i}") for i in range(count)]
    total, lo, hi = pipelined_sum(m, [(x, -256, 255) for x in inputs], every=every,
                                  stages=stages, name="t")
    assert (lo, hi) == (-256 * count, 255 * count)
    out = Signal(signed(20))
    m.d.comb += out.eq(total)
    toggle = Signal()                       # a clock domain even when nothing is registered
    m.d.sync += toggle.eq(~toggle)
    got = []

    async def bench(ctx):
        for row in rows + [[0] * count] * (stages + 1):
            for x, v in zip(inputs, row, strict=True):
                ctx.set(x, int(v))
            got.append(ctx.get(out))
            await ctx.tick()

    sim = Simulator(m)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return got


@pytest.mark.parametrize("count, every, stages", [(1, 2, 0), (2, 2, 0), (5, 2, 1), (9, 2, 1),
                                                  (24, 2, 2), (24, 1, 4), (3, 2, 3)])
def test_sum_arrives_stages_cycles_later(count, every, stages):
    rng = np.random.default_rng(count * 10 + every)
    rows = rng.integers(-256, 256, size=(6, count)).tolist()
    got = run(count, every, stages, rows)
    # Rows 0..5 are presented in cycles 0..5: row r's sum is out in cycle r + stages.
    assert got[stages:stages + len(rows)] == [sum(row) for row in rows]


def test_too_few_stages_for_the_levels_is_refused():
    # 24 terms: 5 adder levels, 2 per stage: registers before levels 2 and 4.
    with pytest.raises(ValueError, match="24 terms summed 2 levels per stage need 2 stages, "
                                         "not 1"):
        run(24, 2, 1, [[0] * 24])
