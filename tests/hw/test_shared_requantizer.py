# amaranth: UnusedElaboratable=no
"""SharedRequantizer in Amaranth's simulator: every lane as the golden rule, at full rate."""

import numpy as np
import pytest
from amaranth.sim import Simulator

from hwgen.golden.requant import requantize_and_clamp
from hwgen.hw.arith.shared_requantizer import SharedRequantizer
from hwgen.ir import IntType, RequantRounding

LANES, FOLDS = 5, 3


def run(dut, beats, gaps):
    """Present ``beats`` (fold, accs) with ``gaps[i]`` idle cycles after beat ``i``'s rounds;
    return (input cycles, [(output cycle, lanes)])."""
    fed, got = [], []
    rounds = dut.rounds

    async def bench(ctx):
        cycle = 0
        for (fold, accs), gap in zip(beats, gaps, strict=True):
            ctx.set(dut.i_valid, 1)
            ctx.set(dut.i_fold, fold)
            for lane, value in enumerate(accs):
                ctx.set(dut.i_acc[lane], int(value))
            fed.append(cycle)
            for step in range(rounds + gap):
                _, _, valid, data = await ctx.tick().sample(dut.o_valid, dut.o_data)
                if valid:
                    got.append((cycle, [int(data[lane]) for lane in range(LANES)]))
                cycle += 1
                if step == 0:
                    ctx.set(dut.i_valid, 0)
                    for lane in range(LANES):
                        ctx.set(dut.i_acc[lane], 0)   # the snapshot must not need i_acc
        for _ in range(rounds + 6):
            _, _, valid, data = await ctx.tick().sample(dut.o_valid, dut.o_data)
            if valid:
                got.append((cycle, [int(data[lane]) for lane in range(LANES)]))
            cycle += 1

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return fed, got


@pytest.mark.parametrize("pipelined", [False, True], ids=["plain", "pipelined"])
@pytest.mark.parametrize("acc_bits", [20, 30])    # split multiplier (<= 27 bits), whole
@pytest.mark.parametrize("units", [1, 2, 3, 4])
@pytest.mark.parametrize("rounding", list(RequantRounding))
def test_every_lane_as_golden_and_timing(units, rounding, acc_bits, pipelined):
    rng = np.random.default_rng(units * 10 + list(RequantRounding).index(rounding) + acc_bits)
    multiplier = rng.integers(1 << 30, 1 << 31, size=(FOLDS, LANES))
    multiplier[0, 0] = (1 << 31) - 1                      # every bit of both pieces set
    left = min(2, 32 - acc_bits)                          # acc << left still fits int32
    shift = rng.integers(-12, left + 1, size=(FOLDS, LANES))
    shift[1, :2] = left
    out_type = IntType(8, True)
    dut = SharedRequantizer(units=units, acc_bits=acc_bits, output_type=out_type,
                            multiplier=multiplier, shift=shift, rounding=rounding,
                            zero_point=-3, out_min=-128, out_max=127, pipelined=pipelined)
    lo, hi = -(1 << (acc_bits - 1)), (1 << (acc_bits - 1)) - 1
    beats = []
    for index in range(12):
        accs = rng.integers(lo >> rng.integers(4, 12), (hi >> 8) + 1, size=LANES)
        if index % 4 == 1:
            accs = np.array([lo, hi, lo + 1, hi - 1, 0])      # saturate both ways
        beats.append((index % FOLDS, accs))
    gaps = [0, 0, 3, 0, 1, 0, 0, 5, 0, 0, 2, 0]              # mostly back to back
    fed, got = run(dut, beats, gaps)
    rounds = -(-LANES // units)
    assert dut.rounds == rounds
    # After the last round: two register stages, six when pipelined (the operands, the
    # partial products, the rounding's first step and the rounded value registered too).
    after = 6 if pipelined else 2
    assert [cycle for cycle, _ in got] == [t + rounds - 1 + after for t in fed]
    for (fold, accs), (_, lanes) in zip(beats, got, strict=True):
        want = requantize_and_clamp(accs, multiplier[fold], shift[fold], rounding, -3,
                                    -128, 127)
        assert lanes == want.tolist()


def test_units_must_be_fewer_than_lanes():
    with pytest.raises(ValueError, match=r"units must be an int in \[1, 4\] for 5 lanes"):
        SharedRequantizer(units=5, acc_bits=8, output_type=IntType(8, True),
                          multiplier=np.ones((1, 5)), shift=np.zeros((1, 5)),
                          rounding="single", zero_point=0, out_min=-128, out_max=127)
