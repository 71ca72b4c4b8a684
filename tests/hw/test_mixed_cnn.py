"""One CNN with a binary-weight convolution, an MX convolution and an int8 dense layer, from a
float ONNX model and a config, in Amaranth's simulator: RTL == golden, cycles == model."""

import numpy as np

from hwgen.compiler import compile_onnx
from hwgen.ir.blocks.binary_mvau import BinaryWeightMvauParams
from hwgen.ir.blocks.mx_mvau import MxMvauParams
from tests.fixtures.block_runs import check_accelerator
from tests.fixtures.cnn_builders import digits_like_cnn


def test_binary_mx_and_int_layers_in_one_cnn():
    proto = digits_like_cnn(seed=7, image=(3, 6, 6), channels=(4, 6), classes=5)
    calib = np.random.default_rng(0).uniform(0, 1, (50, 3, 6, 6)).astype(np.float32)
    config = {"layer": {"conv1": {"weights": "binary"},
                        "conv2": {"weights": "mxfp4", "block_size": 6}}}
    design = compile_onnx(proto, calib, config)
    kinds = [type(b) for b in design.blocks]
    assert BinaryWeightMvauParams in kinds and MxMvauParams in kinds
    x = design.input_codes(calib[:3])
    _, got, _ = check_accelerator(design, x)
    assert len(np.unique(got)) > 3
