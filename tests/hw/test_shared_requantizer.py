# amaranth: UnusedElaboratable=no
"""SharedRequantizer (and a serial Requantizer) in Amaranth's simulator: every lane as the
golden rule, at full rate."""

import numpy as np
import pytest
from amaranth.sim import Simulator

from hwgen.golden.requant import requantize_and_clamp
from hwgen.hw.arith.requantizer import Requantizer
from hwgen.hw.arith.shared_requantizer import SharedRequantizer
from hwgen.ir import IntType, RequantRounding

LANES, FOLDS = 5, 3


def run(dut, beats, gaps, *, rounds=None, lanes=LANES):
    """Present ``beats`` (fold, accs) with ``gaps[i]`` idle cycles after beat ``i``'s
    ``rounds`` cycles (by default the shared requantizer's rounds, times two when serial);
    return (input cycles, [(output cycle, lanes)])."""
    fed, got = [], []
    if rounds is None:
        rounds = dut.rounds * dut.round_cycles

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
                    got.append((cycle, [int(data[lane]) for lane in range(lanes)]))
                cycle += 1
                if step == 0:
                    ctx.set(dut.i_valid, 0)
                    for lane in range(lanes):
                        ctx.set(dut.i_acc[lane], 0)   # the snapshot must not need i_acc
        for _ in range(rounds + 8):
            _, _, valid, data = await ctx.tick().sample(dut.o_valid, dut.o_data)
            if valid:
                got.append((cycle, [int(data[lane]) for lane in range(lanes)]))
            cycle += 1

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return fed, got


def constants(rng, acc_bits, lanes=LANES):
    """Per-fold multipliers (one with every bit of both pieces set) and shifts (some left
    shifts as large as the accumulator allows)."""
    multiplier = rng.integers(1 << 30, 1 << 31, size=(FOLDS, lanes))
    multiplier[0, 0] = (1 << 31) - 1                      # every bit of both pieces set
    left = min(2, 32 - acc_bits)                          # acc << left still fits int32
    shift = rng.integers(-12, left + 1, size=(FOLDS, lanes))
    shift[1, :2] = left
    return multiplier, shift


def random_beats(rng, acc_bits, lanes=LANES):
    lo, hi = -(1 << (acc_bits - 1)), (1 << (acc_bits - 1)) - 1
    beats = []
    for index in range(12):
        accs = rng.integers(lo >> rng.integers(4, 12), (hi >> 8) + 1, size=lanes)
        if index % 4 == 1:
            accs = np.resize([lo, hi, lo + 1, hi - 1, 0], lanes)  # saturate both ways
        beats.append((index % FOLDS, accs))
    return beats


GAPS = [0, 0, 3, 0, 1, 0, 0, 5, 0, 0, 2, 0]              # mostly back to back


def check_lanes(beats, got, multiplier, shift, rounding):
    for (fold, accs), (_, lanes) in zip(beats, got, strict=True):
        want = requantize_and_clamp(accs, multiplier[fold], shift[fold], rounding, -3,
                                    -128, 127)
        assert lanes == want.tolist()


# split multiplier (<= 27 bits) or whole; serial needs the split one
# (test_serial_needs_the_split_multiply)
@pytest.mark.parametrize("acc_bits, mode", [(20, "plain"), (20, "pipelined"), (20, "serial"),
                                            (30, "plain"), (30, "pipelined"), (14, "deep"),
                                            (20, "deep"), (32, "deep")])
@pytest.mark.parametrize("units", [1, 2, 3, 4])
@pytest.mark.parametrize("rounding", list(RequantRounding))
def test_every_lane_as_golden_and_timing(units, rounding, acc_bits, mode):
    rng = np.random.default_rng(units * 10 + list(RequantRounding).index(rounding) + acc_bits)
    multiplier, shift = constants(rng, acc_bits)
    dut = SharedRequantizer(units=units, acc_bits=acc_bits, output_type=IntType(8, True),
                            multiplier=multiplier, shift=shift, rounding=rounding,
                            zero_point=-3, out_min=-128, out_max=127,
                            pipelined=mode != "plain", serial=mode == "serial",
                            deep=mode == "deep")
    beats = random_beats(rng, acc_bits)
    fed, got = run(dut, beats, GAPS)
    rounds = -(-LANES // units)
    assert dut.rounds == rounds
    # Rounds one cycle apart (two when serial: each lane's second piece takes the next
    # cycle). After the last round: two register stages, six when pipelined (the operands,
    # the partial products, the rounding's first step and the rounded value registered
    # too), seven when serial (the two pieces' products, then their sum), eight when deep
    # (hwgen.hw.arith.requant_deep: tile operands, tiles, two sums, the doubling high
    # multiply's rounding, the rounding shift, the add, the saturation).
    every, after = {"plain": (1, 2), "pipelined": (1, 6), "serial": (2, 7),
                    "deep": (1, 8)}[mode]
    assert [cycle for cycle, _ in got] == [t + every * (rounds - 1) + after for t in fed]
    check_lanes(beats, got, multiplier, shift, rounding)


@pytest.mark.parametrize("rounding", list(RequantRounding))
def test_serial_requantizer_every_other_cycle(rounding):
    """A serial Requantizer on its own (every lane its own multiplier, both pieces on it):
    beats every other cycle at best, each out 7 cycles later, as the golden rule."""
    rng = np.random.default_rng(70 + list(RequantRounding).index(rounding))
    multiplier, shift = constants(rng, 24, lanes=3)
    dut = Requantizer(acc_bits=24, output_type=IntType(8, True), multiplier=multiplier,
                      shift=shift, rounding=rounding, zero_point=-3, out_min=-128,
                      out_max=127, pipelined=True, serial=True)
    assert dut.latency == 7
    beats = random_beats(rng, 24, lanes=3)
    fed, got = run(dut, beats, GAPS, rounds=2, lanes=3)
    assert [cycle for cycle, _ in got] == [t + 7 for t in fed]
    check_lanes(beats, got, multiplier, shift, rounding)


# Two-lane requantizers whose options do not fit together, and the message each gets.
INVALID_LANES = [
    (dict(acc_bits=28, pipelined=True, serial=True),
     r"serial needs pipelined=True and acc_bits <= 27, not pipelined=True, acc_bits=28"),
    (dict(acc_bits=20, serial=True),
     r"serial needs pipelined=True and acc_bits <= 27, not pipelined=False, acc_bits=20"),
    (dict(acc_bits=18, pipelined=True, narrow_bits=18),
     r"narrow_bits must be None or 18 \(for a wider accumulator, not serial\), not 18"),
    (dict(acc_bits=24, pipelined=True, narrow_bits=17),
     r"narrow_bits must be None or 18 .*, not 17"),
]


@pytest.mark.parametrize("options,message", INVALID_LANES,
                         ids=["serial-wide", "serial-unpipelined", "narrow-18", "narrow-17"])
def test_invalid_lane_options(options, message):
    with pytest.raises(ValueError, match=message):
        Requantizer(output_type=IntType(8, True), multiplier=np.ones((1, 2)),
                    shift=np.zeros((1, 2)), rounding="single", zero_point=0, out_min=-128,
                    out_max=127, **options)


def test_units_must_be_fewer_than_lanes():
    with pytest.raises(ValueError, match=r"units must be an int in \[1, 4\] for 5 lanes"):
        SharedRequantizer(units=5, acc_bits=8, output_type=IntType(8, True),
                          multiplier=np.ones((1, 5)), shift=np.zeros((1, 5)),
                          rounding="single", zero_point=0, out_min=-128, out_max=127)


@pytest.mark.parametrize("units", [None, 2], ids=["per-lane", "shared"])
@pytest.mark.parametrize("rounding", list(RequantRounding))
def test_narrow_requantizer_is_exact_where_saturation_is(rounding, units):
    """Accumulators saturated to 18 bits, then one 18 x 27 product and the multiplier's low 5
    bits in logic: as the golden rule on 24-bit accumulators, where every 18-bit bound
    already saturates the output (scales of 2**-9 and more: 2**17 * 2**-9 - 3 > 127)."""
    rng = np.random.default_rng(90 + list(RequantRounding).index(rounding))
    multiplier = rng.integers(1 << 30, 1 << 31, size=(FOLDS, LANES))
    multiplier[0, 0] = (1 << 31) - 1                      # every bit of both parts set
    multiplier[1, 1] = (1 << 30) | 0b11111                # the low 5 bits only, and bit 30
    shift = rng.integers(-8, -5, size=(FOLDS, LANES))
    args = dict(acc_bits=24, output_type=IntType(8, True), multiplier=multiplier, shift=shift,
                rounding=rounding, zero_point=-3, out_min=-128, out_max=127, pipelined=True,
                narrow_bits=18)
    lo, hi = -(1 << 17), (1 << 17) - 1
    for fold in range(FOLDS):                             # the premise: saturation is exact
        for edge, bound in ((hi, 127), (lo, -128)):
            assert requantize_and_clamp(np.full(LANES, edge), multiplier[fold], shift[fold],
                                        rounding, -3, -128, 127).tolist() == [bound] * LANES
    if units is None:
        dut = Requantizer(**args)
        every = 1
    else:
        dut = SharedRequantizer(units=units, **args)
        every = dut.rounds
    beats = []
    for index in range(12):
        accs = rng.integers(-(1 << 12), 1 << 12, size=LANES) << rng.integers(0, 6)
        if index % 3 == 1:                                # beyond 18 bits, both ways
            accs = np.array([-(1 << 23), (1 << 23) - 1, hi + 1, lo - 1, hi])
        if index % 3 == 2:
            accs = np.array([lo, hi, lo + 1, hi - 1, 0])
        beats.append((index % FOLDS, accs))
    fed, got = run(dut, beats, GAPS, rounds=every)
    assert [cycle for cycle, _ in got] == [t + every - 1 + 6 for t in fed]
    check_lanes(beats, got, multiplier, shift, rounding)


@pytest.mark.parametrize("rounding", list(RequantRounding))
def test_deep_requantizer_rounds_ties_and_signs_as_golden(rounding):
    """``deep``'s rounding (round and sticky bits instead of the remainder's compare) at
    ties of both signs: multipliers of few bits make ``acc * M * 2**(shift - 31)`` land on
    halves, quarters and whole values, with a left shift and no right shift (gemmlowp), and
    the single rules' shortest shift ``t = 31 - shift = 1``."""
    gemmlowp = rounding is RequantRounding.GEMMLOWP
    # (multiplier, shift) per fold and lane; the last two lanes of fold 1 differ per rule
    special = [(1 << 30, 1), (1 << 30, -5)] if gemmlowp else [(1, 30), (3, 29)]
    pairs = [[(1 << 30, 0), ((1 << 31) - 1, 0), (3 << 28, -1), (1 << 30, -2), (5 << 27, -3)],
             [(1 << 30, -1), (1 << 29, -1), ((1 << 31) - 1, -4), *special, (1 << 30, -6)][:5],
             [((1 << 31) - 1, -3), (1 << 30, -4), (1 << 30, -1), (3 << 28, 0), (1 << 30, -2)]]
    multiplier = np.array([[mul for mul, _ in row] for row in pairs])
    shift = np.array([[sh for _, sh in row] for row in pairs])
    dut = Requantizer(acc_bits=16, output_type=IntType(8, True), multiplier=multiplier,
                      shift=shift, rounding=rounding, zero_point=-3, out_min=-128,
                      out_max=127, pipelined=True, deep=True)
    assert dut.latency == 8
    accs = np.arange(-48, 48)
    beats = [(index % FOLDS, np.resize(np.roll(accs, -index * LANES), LANES))
             for index in range(3 * len(accs) // LANES)]
    beats += [(fold, np.array([-(1 << 15), (1 << 15) - 1, -1, 1, 0])) for fold in range(FOLDS)]
    gaps = [0] * len(beats)
    gaps[5] = 3
    fed, got = run(dut, beats, gaps, rounds=1)
    assert [cycle for cycle, _ in got] == [t + 8 for t in fed]
    check_lanes(beats, got, multiplier, shift, rounding)
    # the sweep meets ties: the rules (which differ only there) disagree on it (gemmlowp
    # cannot take the single rules' left shift of 30)
    rules = list(RequantRounding) if gemmlowp else [RequantRounding.SINGLE,
                                                    RequantRounding.SINGLE_EVEN]
    outcomes = {tuple(np.concatenate([
        requantize_and_clamp(accs_, multiplier[fold], shift[fold], rule, -3, -128, 127)
        for fold, accs_ in beats])) for rule in rules}
    assert len(outcomes) == len(rules)


def test_deep_needs_pipelined_and_no_serial():
    with pytest.raises(ValueError, match=r"deep needs pipelined=True and serial=False, not "
                                         r"pipelined=True, serial=True"):
        Requantizer(acc_bits=20, output_type=IntType(8, True), multiplier=np.ones((1, 2)),
                    shift=np.zeros((1, 2)), rounding="single", zero_point=0, out_min=-128,
                    out_max=127, pipelined=True, serial=True, deep=True)
