# amaranth: UnusedElaboratable=no
"""The streaming MX decoder in Amaranth's simulator: every format, every code point, edge
scales, against the golden decoder and the cycle model, with and without stalls."""

import numpy as np
import pytest

from hwgen.golden.mx_decode import decode_block_words
from hwgen.hw.mx.decoder import MxDecoder
from hwgen.perf.mx_decoder import mx_decoder_processes
from hwgen.quant.mx import MX_FORMAT_NAMES
from hwgen.sim.amaranth_tb import run_stream_component
from tests.fixtures.block_runs import modelled_transfers
from tests.fixtures.mx_factories import block_words


@pytest.mark.parametrize("fmt", MX_FORMAT_NAMES)
def test_every_code_point_and_cycles(fmt):
    rng = np.random.default_rng(len(fmt))
    k = 8
    words = block_words(fmt, k, rng)
    run = run_stream_component(MxDecoder(fmt=fmt, block_size=k), words, len(words))
    assert run.out_words == decode_block_words(words, fmt, k)
    in_beats, out_beats = modelled_transfers(mx_decoder_processes, len(words), len(words))
    assert (tuple(run.in_cycles), tuple(run.out_cycles)) == (in_beats, out_beats)


@pytest.mark.parametrize("fmt", ["mxfp8_e5m2", "mx6"])
def test_stalls(fmt):
    rng = np.random.default_rng(3)
    words = block_words(fmt, 16, rng)
    run = run_stream_component(MxDecoder(fmt=fmt, block_size=16), words, len(words),
                               idle=0.3, backpressure=0.5, seed=2)
    assert run.out_words == decode_block_words(words, fmt, 16)


def test_golden_decoder_by_hand():
    # MXFP4, k = 2, E = 130: codes 0b0111 (6: mant 3, exp 2) and 0b1001 (-0.5: subnormal).
    word = 130 | (0b0111 << 8) | (0b1001 << 12)
    # Record: sign(1) mant(2) exp(2) nan(1) inf(1) = 7 bits.
    first = 0 | (3 << 1) | (2 << 3)
    second = 1 | (1 << 1) | (0 << 3)
    assert decode_block_words([word], "mxfp4", 2) == [first | (second << 7) | (130 << 14)]


def test_rejects_bad_block_size():
    with pytest.raises(Exception, match="block size must be even"):
        MxDecoder(fmt="mx9", block_size=5)
