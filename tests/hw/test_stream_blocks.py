# amaranth: UnusedElaboratable=no
"""StreamWidthConverter, StreamFifo and StreamRegisterSlice against their cycle models, with
and without stalls."""

import numpy as np
import pytest
from amaranth.hdl import signed, unsigned

from hwgen.hw.stream.fifo import StreamFifo
from hwgen.hw.stream.register_slice import StreamRegisterSlice
from hwgen.hw.stream.width_converter import StreamWidthConverter
from hwgen.ir.packing import pack_words, unpack_words
from hwgen.perf.stream_fifo import stream_fifo_processes
from hwgen.perf.width_converter import width_converter_processes
from hwgen.sim.amaranth_tb import run_stream_component
from tests.fixtures.block_runs import modelled_transfers

CONVERSIONS = [(1, 1), (1, 4), (4, 1), (2, 3), (3, 2), (4, 6), (6, 4), (8, 2), (2, 8), (5, 3),
               (8, 1), (3, 8), (8, 6), (1, 16)]
# counts of 5 bits or more: up-sizers hold the count one-hot too (the loads' enables)
WIDE_CONVERSIONS = [(1, 32), (1, 20), (2, 64), (3, 16), (33, 1), (16, 1)]
ONE_HOT = [(1, 16), (1, 32), (1, 20), (2, 64), (3, 16)]


class RegisteredEnables(StreamWidthConverter):
    """The one-hot count whatever the count's width (to compare the two forms)."""

    DECODE_COUNT_BITS = 0


@pytest.mark.parametrize("a,b", CONVERSIONS + WIDE_CONVERSIONS)
def test_width_converter_order_and_cycles(a, b):
    rng = np.random.default_rng(a * 10 + b)
    total = np.lcm(a, b) * 4
    elements = rng.integers(-8, 8, total)
    dut = StreamWidthConverter(element_shape=signed(4), in_lanes=a, out_lanes=b)
    run = run_stream_component(dut, pack_words(elements.reshape(-1, a), 4), total // b)
    got = unpack_words(run.out_words, b, 4, True).reshape(-1)
    np.testing.assert_array_equal(got, elements)
    want_in, want_out = modelled_transfers(width_converter_processes, total // a, total // b, a, b)
    assert tuple(run.in_cycles) == want_in
    assert tuple(run.out_cycles) == want_out


@pytest.mark.parametrize("a,b", CONVERSIONS[::2] + WIDE_CONVERSIONS)
def test_width_converter_under_stalls(a, b):
    rng = np.random.default_rng(a + b)
    total = np.lcm(a, b) * 5
    elements = rng.integers(0, 16, total)
    dut = StreamWidthConverter(element_shape=unsigned(4), in_lanes=a, out_lanes=b)
    run = run_stream_component(dut, pack_words(elements.reshape(-1, a), 4), total // b,
                               idle=0.4, backpressure=0.4, seed=a)
    np.testing.assert_array_equal(unpack_words(run.out_words, b, 4, False).reshape(-1), elements)


def test_width_converter_forms_agree():
    """Both enable forms: the same transfers in the same cycles, under stalls, and the
    same elements out, for every lane pair (the one-hot count forced on narrow up-sizers;
    down-sizers keep the same-cycle decode whatever the width)."""
    for a, b in CONVERSIONS + WIDE_CONVERSIONS:
        assert StreamWidthConverter(element_shape=4, in_lanes=a, out_lanes=b) \
            .registered_enables == ((a, b) in ONE_HOT)
    for a, b in CONVERSIONS:
        rng = np.random.default_rng(a * 100 + b)
        total = np.lcm(a, b) * 6
        words = pack_words(rng.integers(0, 16, total).reshape(-1, a), 4)
        for seed, (idle, backpressure) in enumerate([(0.3, 0.5), (0.6, 0.2), (0.1, 0.7)]):
            runs = [run_stream_component(form(element_shape=unsigned(4), in_lanes=a,
                                              out_lanes=b), words, total // b, idle=idle,
                                         backpressure=backpressure, seed=seed)
                    for form in (StreamWidthConverter, RegisteredEnables)]
            assert runs[0].out_words == runs[1].out_words
            assert runs[0].in_cycles == runs[1].in_cycles
            assert runs[0].out_cycles == runs[1].out_cycles


def test_width_converter_cost_model_counts_the_form_built():
    from hwgen.perf.cost.stream import DWC_DECODE_COUNT_BITS, width_converter_features
    from hwgen.perf.cost.tally import Tally
    from hwgen.perf.cost.targets import cost_target
    assert DWC_DECODE_COUNT_BITS == StreamWidthConverter.DECODE_COUNT_BITS
    for a in range(1, 35):
        for b in range(1, 35):
            t = Tally(cost_target("ecp5"))
            width_converter_features(t, element_bits=4, in_lanes=a, out_lanes=b)
            dut = StreamWidthConverter(element_shape=4, in_lanes=a, out_lanes=b)
            assert (t.features["dwc_onehot"] > 0) == dut.registered_enables, (a, b)


@pytest.mark.parametrize("depth", [1, 2, 5])
def test_stream_fifo_order_and_cycles(depth):
    words = list(range(1, 40))
    dut = StreamFifo(payload_shape=unsigned(8), depth=depth)
    run = run_stream_component(dut, words, len(words))
    assert run.out_words == words
    want_in, want_out = modelled_transfers(stream_fifo_processes, len(words), len(words), depth)
    assert tuple(run.in_cycles) == want_in
    assert tuple(run.out_cycles) == want_out
    stalled = run_stream_component(StreamFifo(payload_shape=unsigned(8), depth=depth), words,
                                   len(words), idle=0.3, backpressure=0.6, seed=depth)
    assert stalled.out_words == words


def test_register_slice_times_as_a_two_beat_fifo():
    words = list(range(1, 60))
    run = run_stream_component(StreamRegisterSlice(payload_shape=unsigned(8)), words,
                               len(words))
    assert run.out_words == words
    want_in, want_out = modelled_transfers(stream_fifo_processes, len(words), len(words),
                                           StreamRegisterSlice.DEPTH)
    assert tuple(run.in_cycles) == want_in and tuple(run.out_cycles) == want_out
    # under the same random idle and backpressure cycles, every transfer in the cycle of a
    # StreamFifo of two beats (whose rules test_stream_fifo_order_and_cycles checks)
    for seed, (idle, backpressure) in enumerate([(0.3, 0.6), (0.6, 0.3), (0.5, 0.5)]):
        stalls = dict(idle=idle, backpressure=backpressure, seed=seed)
        sliced = run_stream_component(StreamRegisterSlice(payload_shape=unsigned(8)), words,
                                      len(words), **stalls)
        fifo = run_stream_component(StreamFifo(payload_shape=unsigned(8), depth=2), words,
                                    len(words), **stalls)
        assert sliced.out_words == fifo.out_words == words
        assert sliced.in_cycles == fifo.in_cycles and sliced.out_cycles == fifo.out_cycles
        assert sliced.in_cycles != run.in_cycles          # the stalls did stall it


def test_parameter_errors():
    with pytest.raises(TypeError, match="FIFO depth must be a positive integer, not 0"):
        StreamFifo(payload_shape=8, depth=0)
    with pytest.raises(TypeError, match="in_lanes must be a positive integer, not 0"):
        StreamWidthConverter(element_shape=4, in_lanes=0, out_lanes=2)
