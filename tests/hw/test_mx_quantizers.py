# amaranth: UnusedElaboratable=no
"""The MX output quantizer and the wide requantizer in Amaranth's simulator, on values built
to hit every tie, saturation, subnormal, clamped and overflowing (NaN) scale."""

import numpy as np
import pytest
from amaranth.sim import Simulator

from hwgen.golden.mx_encode import encode_fixed_point
from hwgen.hw.mx.output_quantizer import MxOutputQuantizer
from hwgen.hw.mx.requantizer import MxRequantizer
from hwgen.ir import IntType
from hwgen.ir.mx.types import MxElementType
from hwgen.quant.mx import MX_FORMAT_NAMES


def tie_heavy_values(rng, n, bits):
    """Few significant bits at nearby positions (one magnitude per block): many exact ties
    when rounded, and subnormals."""
    mant = rng.integers(0, 64, n) | 1
    shift = rng.integers(0, bits - 12) + rng.integers(0, 5, n)
    sign = rng.choice([-1, 1], n)
    values = [int(s) * (int(m) << int(t)) for s, m, t in zip(sign, mant, shift, strict=True)]
    return [0 if rng.random() < 0.1 else v for v in values]


def run_quantizer(dut, beats, nans, gap):
    """Feed beats (lists of lane values), ``gap`` idle cycles after each completion; return
    (cycle, lanes) of every output beat and the cycle each beat went in."""
    got, fed = [], []

    async def bench(ctx):
        cycle = 0
        index = 0
        while index < len(beats) or cycle < fed[-1] + 12 if fed else True:
            if index < len(beats):
                for lane, v in enumerate(beats[index]):
                    ctx.set(dut.i_z[lane], v)
                    ctx.set(dut.i_nan[lane], nans[index][lane])
                ctx.set(dut.i_valid, 1)
                fed.append(cycle)
                index += 1
            else:
                ctx.set(dut.i_valid, 0)
            _, _, valid, data = await ctx.tick().sample(dut.o_valid, dut.o_data.as_value())
            if valid:
                got.append((cycle, int(data)))
            cycle += 1
            if index == len(beats) and cycle > fed[-1] + 12:
                break

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return got, fed


@pytest.mark.parametrize("index,fmt", list(enumerate(MX_FORMAT_NAMES)))
def test_output_quantizer_matches_golden(index, fmt):
    # A block over several beats, or several blocks in one beat; normal, clamped (E < 0)
    # and overflowing (NaN) scales; both tie rules.
    lanes, k = ((2, 8), (8, 4))[index % 2]
    rng = np.random.default_rng(index)
    z_bits = 40
    settings = (((-20, "half_even"), (-150, "half_away")), ((-10, "half_away"),
                                                           (230, "half_even")))
    for g, rounding in settings[index // 2 % 2]:
        blocks = 3
        values = tie_heavy_values(rng, blocks * max(k, lanes), z_bits)
        nan = rng.random(len(values)) < 0.03
        dut = MxOutputQuantizer(fmt=fmt, block_size=k, lanes=lanes, z_bits=z_bits, g=g,
                                rounding=rounding)
        beats = [values[i:i + lanes] for i in range(0, len(values), lanes)]
        nans = [nan[i:i + lanes].tolist() for i in range(0, len(values), lanes)]
        got, fed = run_quantizer(dut, beats, nans, 0)
        codes, micro, scales = encode_fixed_point(np.array([values], dtype=object), g, fmt,
                                                  k, rounding, nan[None])
        element = MxElementType(fmt, k)
        lanes_want = (codes | (micro << element.code_bits)
                      | (np.repeat(scales, k, axis=-1) << (element.code_bits
                                                           + element.micro_bits)))[0]
        want = [sum(int(v) << (i * element.bits) for i, v in enumerate(lanes_want[j:j + lanes]))
                for j in range(0, len(values), lanes)]
        assert [word for _, word in got] == want
        # Timing: a completed block's beats leave 2 + j cycles after its last beat went in.
        per = max(1, k // lanes)
        for index, (cycle, _) in enumerate(got):
            last_in = fed[(index // per) * per + per - 1]
            assert cycle == last_in + 2 + index % per


def test_requantizer_ties_and_nan():
    # acc * multiplier lands exactly on half of 2**t for some lanes: ties go toward +inf.
    lanes = 4
    multiplier = np.full((1, lanes), 1 << 30)
    shift = np.full((1, lanes), 40)               # M = 2**30 / 2**40 = 2**-10
    dut = MxRequantizer(acc_bits=48, output_type=IntType(8, True), multiplier=multiplier,
                        shift=shift, zero_point=3, out_min=-128, out_max=127)
    accs = [[512, -512, 1536, -1536], [10 ** 12, -(10 ** 12), 511, 0]]
    nans = [[0, 0, 0, 1], [0, 0, 0, 0]]
    outs = []

    async def bench(ctx):
        for acc, nan in zip(accs, nans, strict=True):
            for lane in range(lanes):
                ctx.set(dut.i_acc[lane], acc[lane])
                ctx.set(dut.i_nan[lane], nan[lane])
            ctx.set(dut.i_valid, 1)
            ctx.set(dut.i_fold, 0)
            await ctx.tick()
        ctx.set(dut.i_valid, 0)
        for _ in range(3):
            _, _, valid, data = await ctx.tick().sample(dut.o_valid, dut.o_data.as_value())
            if valid:
                outs.append([((int(data) >> (8 * i)) & 0xFF) for i in range(lanes)])

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    signed = [[v - 256 if v > 127 else v for v in row] for row in outs]
    # 512 / 1024 = 0.5 -> 1 (+3 = 4); -0.5 -> 0 (+3); 1.5 -> 2 (+3 = 5); NaN -> qmin;
    # 10**12 / 1024 saturates both ways; 511 / 1024 -> 0 (+3); 0 -> 3.
    assert signed == [[4, 3, 5, -128], [127, -128, 3, 3]]
