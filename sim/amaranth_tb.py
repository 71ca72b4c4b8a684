"""Stream testbench for Amaranth's own simulator: a source, a sink, transfer cycles.

The fast simulator for broad parameter grids; cocotb runs a representative set on Verilator
and Icarus. Cycle 0 is the first clock cycle; a transfer "at cycle c" means valid and ready
were both high at the clock edge that ends cycle c.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from amaranth.sim import Simulator

__all__ = ["StreamRun", "run_stream_component"]


@dataclass
class StreamRun:
    in_cycles: list        # transfer cycle of each input beat
    out_cycles: list       # transfer cycle of each output beat
    out_words: list        # payload of each output beat (int)


def run_stream_component(dut, in_words, out_beats: int, *, idle: float = 0.0,
                         backpressure: float = 0.0, seed: int = 0,
                         max_cycles: int = 1_000_000, vcd: str | None = None) -> StreamRun:
    """Stream ``in_words`` into ``dut.i_stream`` and collect ``out_beats`` from ``dut.o_stream``.

    Parameters
    ----------
    idle, backpressure : float
        Probability that the source withholds a beat / the sink is not ready in a cycle.
        With both 0 the source offers a new beat the cycle after each transfer and the sink is
        always ready: the conditions of the cycle model.
    seed : int
        Seed of the idle and backpressure patterns.
    """
    rng_src = np.random.default_rng([seed, 1])
    rng_snk = np.random.default_rng([seed, 2])
    run = StreamRun([], [], [])
    in_words = [int(w) for w in in_words]
    payload_in = dut.i_stream.payload.as_value() if hasattr(dut.i_stream.payload, "as_value") \
        else dut.i_stream.payload
    payload_out = dut.o_stream.payload.as_value() if hasattr(dut.o_stream.payload, "as_value") \
        else dut.o_stream.payload

    state = {"cycle_src": 0, "timeout": False}

    async def source(ctx):
        cycle = 0
        for word in in_words:
            while idle and rng_src.random() < idle:
                ctx.set(dut.i_stream.valid, 0)
                await ctx.tick()
                cycle += 1
            ctx.set(dut.i_stream.valid, 1)
            ctx.set(payload_in, word)
            while True:
                _, _, ready = await ctx.tick().sample(dut.i_stream.ready)
                cycle += 1
                if ready:
                    run.in_cycles.append(cycle - 1)
                    break
                if cycle > max_cycles:
                    state["timeout"] = True
                    return
        ctx.set(dut.i_stream.valid, 0)

    async def sink(ctx):
        cycle = 0
        while len(run.out_words) < out_beats:
            ready = not (backpressure and rng_snk.random() < backpressure)
            ctx.set(dut.o_stream.ready, int(ready))
            _, _, valid, payload = await ctx.tick().sample(dut.o_stream.valid, payload_out)
            if valid and ready:
                run.out_cycles.append(cycle)
                run.out_words.append(int(payload))
            cycle += 1
            if cycle > max_cycles:
                state["timeout"] = True
                return

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    # The source runs to its last beat: a block may accept trailing input (rows no window
    # uses) after its last output, and the cycle model times those beats too.
    sim.add_testbench(source)
    sim.add_testbench(sink)
    if vcd:
        with sim.write_vcd(vcd):
            sim.run()
    else:
        sim.run()
    if state["timeout"]:
        raise TimeoutError(
            f"{len(run.out_words)} of {out_beats} output beats and {len(run.in_cycles)} of "
            f"{len(in_words)} input beats after {max_cycles} cycles")
    return run
