# amaranth: UnusedElaboratable=no
"""The golden model's Winograd rows (hwgen/golden/winograd.py: 3x3 stride-1 convolutions of at
least 128 outputs) against the RTL in Amaranth's simulator: the fast path is taken and the
hardware agrees with it bit for bit, cycle for cycle with the model."""

import numpy as np

from hwgen.compiler import compile_onnx
from hwgen.golden.window import WindowPatches
from hwgen.golden.winograd import WinogradRows
from hwgen.ir.blocks.int_mvau import IntMvauParams
from tests.fixtures.block_runs import check_accelerator
from tests.fixtures.cnn_builders import digits_like_cnn


def test_rtl_equals_the_winograd_golden_model():
    proto = digits_like_cnn(seed=11, image=(16, 4, 4), channels=(128, 4), classes=3)
    calib = np.random.default_rng(2).uniform(0, 1, (40, 16, 4, 4)).astype(np.float32)
    design = compile_onnx(proto, calib, max_macs=256)
    window, conv1 = design.blocks[0], design.blocks[1]
    assert isinstance(conv1, IntMvauParams) and conv1.mh == 128
    assert WinogradRows.applies(conv1, WindowPatches(np.zeros((1, 4 * 4 * 16)), window))
    x = design.input_codes(calib[:2])
    _, got, _ = check_accelerator(design, x)
    assert len(np.unique(got)) > 2
