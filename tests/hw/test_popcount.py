# amaranth: UnusedElaboratable=no
"""The compressor-tree popcount in Amaranth's simulator: every count against Python's own
count of ones (``int.bit_count``), for every first-level counter size."""

import numpy as np
import pytest
from amaranth.hdl import Module, Shape, Signal
from amaranth.sim import Simulator

from hwgen.hw.arith.popcount import compressor_popcount, counter_bits, xnor_first_group


def counts(n, first_group, words):
    """The popcount circuit's output for each ``n``-bit word of ``words``."""
    m = Module()
    x = Signal(n)
    total = compressor_popcount(m, [x[i] for i in range(n)], first_group=first_group)
    assert total.shape() == Shape(n.bit_length(), False)
    out = Signal(n.bit_length())
    m.d.comb += out.eq(total)
    got = []

    async def bench(ctx):
        for word in words:
            ctx.set(x, word)
            got.append(ctx.get(out))

    sim = Simulator(m)
    sim.add_testbench(bench)
    sim.run()
    return got


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 31, 64, 100])
@pytest.mark.parametrize("first_group", [3, 4, 5, 6])
def test_popcount_counts_the_ones(n, first_group):
    rng = np.random.default_rng(n * 7 + first_group)
    words = [0, (1 << n) - 1] + [int(w) for w in rng.integers(0, 1 << min(n, 62), 40)]
    # the top bits too, where n exceeds what one draw covers
    words += [int.from_bytes(rng.bytes((n + 7) // 8), "little") % (1 << n) for _ in range(40)]
    if n <= 8:
        words = list(range(1 << n))
    assert counts(n, first_group, words) == [w.bit_count() for w in words]


@pytest.mark.parametrize("k", range(1, 7))
def test_counter_counts_every_pattern(k):
    m = Module()
    x = Signal(k)
    outs = counter_bits([x[i] for i in range(k)])
    assert len(outs) == k.bit_length()
    got = []

    async def bench(ctx):
        for word in range(1 << k):
            ctx.set(x, word)
            got.append(sum(ctx.get(o) << j for j, o in enumerate(outs)))

    sim = Simulator(m)
    sim.add_testbench(bench)
    sim.run()
    assert got == [w.bit_count() for w in range(1 << k)]


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="a counter takes 1 to 6 bits, not 7"):
        counter_bits([Signal() for _ in range(7)])
    with pytest.raises(ValueError, match="first_group must be 3 to 6, not 2"):
        compressor_popcount(Module(), [Signal() for _ in range(4)], first_group=2)
    with pytest.raises(ValueError, match="a popcount needs at least one bit"):
        compressor_popcount(Module(), [])


def test_first_group_packs_the_weight_table_where_it_fits():
    # 2 or 3 address bits + 3 input bits = one LUT6 per full-adder output
    assert [xnor_first_group(a) for a in range(1, 8)] == [5, 3, 3, 5, 5, 5, 5]


@pytest.mark.parametrize("n", [1, 3, 8, 16, 31, 32, 64, 100])
@pytest.mark.parametrize("first_group", [3, 5, 6])
def test_cost_model_counts_the_counters_the_hardware_builds(n, first_group, monkeypatch):
    from hwgen.hw.arith import popcount
    from hwgen.perf.cost.binary_mvau import compressor_counter_outputs
    built = []
    original = popcount.counter_bits

    def counting(bits):
        outputs = original(bits)
        built.append(len(outputs))
        return outputs

    monkeypatch.setattr(popcount, "counter_bits", counting)
    compressor_popcount(Module(), [Signal() for _ in range(n)], first_group=first_group)
    assert compressor_counter_outputs(n, first_group) == (sum(built), n.bit_length())


def test_cost_model_and_hardware_choose_the_same_first_level():
    from hwgen.perf.cost.binary_mvau import xnor_first_group as modelled
    assert [modelled(a) for a in range(1, 12)] == [xnor_first_group(a) for a in range(1, 12)]
