# amaranth: UnusedElaboratable=no
"""A sliding window whose lanes are not a multiple of its consumer's SIMD, in Amaranth's
simulator: the window sends the fewest lanes at least SIMD wide (part of a pixel, or a few
taps) and a width converter re-beats them; RTL == golden and cycles == model."""

import numpy as np
import pytest

from hwgen.compiler import compile_onnx
from hwgen.ir.blocks.sliding_window import SlidingWindowParams
from tests.fixtures.block_runs import check_accelerator
from tests.fixtures.cnn_builders import digits_like_cnn


@pytest.mark.parametrize(("simd", "lanes"), [
    (6, 8),     # 8 channels, SIMD 6: one whole pixel per beat, re-beaten 8 -> 6
    (18, 24),   # SIMD 18: three taps of 8 channels per beat, re-beaten 24 -> 18
])
def test_window_lanes_not_a_multiple_of_simd(simd, lanes):
    proto = digits_like_cnn(seed=3, image=(1, 8, 8), channels=(8, 4), classes=3)
    calib = np.random.default_rng(1).uniform(0, 1, (40, 1, 8, 8)).astype(np.float32)
    design = compile_onnx(proto, calib, {"layer": {"conv2": {"pe": 1, "simd": simd}}})
    window = next(b for b in design.blocks
                  if isinstance(b, SlidingWindowParams) and b.name == "conv2.window")
    assert (window.channels, window.output_format.lanes) == (8, lanes)
    x = design.input_codes(calib[:3])
    _, got, _ = check_accelerator(design, x)
