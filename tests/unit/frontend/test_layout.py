"""NCHW models, NHWC streams: the host-side transposition, in the frontend and in LoweredDesign."""

import numpy as np
import pytest

from hwgen.backend.design_file import load_design, save_design
from hwgen.compiler import compile_onnx
from hwgen.errors import IRError, ModelError
from hwgen.frontend.layout import (
    NCHW_TO_NHWC,
    model_input_shape,
    nchw_columns_to_nhwc,
    stream_input_axes,
    to_stream_layout,
)
from tests.fixtures.cnn_builders import digits_like_cnn
from tests.fixtures.onnx_builders import gemm_mlp


def test_stream_layout_by_hand():
    x = np.arange(2 * 3 * 2 * 2).reshape(2, 3, 2, 2)       # (N, C, H, W)
    s = to_stream_layout(x, (2, 2, 3), NCHW_TO_NHWC)         # (N, H, W, C)
    assert s.shape == (2, 2, 2, 3)
    assert s[1, 0, 1, 2] == x[1, 2, 0, 1] == 12 + 2 * 4 + 0 * 2 + 1
    np.testing.assert_array_equal(to_stream_layout(x.reshape(2, -1), (2, 2, 3), NCHW_TO_NHWC), s)
    assert model_input_shape((5, 6, 3), NCHW_TO_NHWC) == (3, 5, 6)
    assert stream_input_axes((5, 6, 3)) == (1, 2, 0) and stream_input_axes((12,)) is None
    with pytest.raises(ModelError, match=r"inputs have shape \(2, 2, 2, 3\); the model takes "
                                         r"\(N, 12\) or \(N, 3, 2, 2\)"):
        to_stream_layout(s, (2, 2, 3), NCHW_TO_NHWC)


def test_dense_columns_by_hand():
    # ONNX column c*H*W + h*W + w moves to (h*W + w)*C + c; C=2, H=1, W=3
    w = np.arange(6)[None, :]                  # columns 0..5 in (c, h, w) order
    np.testing.assert_array_equal(nchw_columns_to_nhwc(w, (2, 1, 3)), [[0, 3, 1, 4, 2, 5]])


@pytest.fixture(scope="module")
def cnn_design():
    proto = digits_like_cnn(seed=3, image=(3, 4, 6), classes=3)
    x = np.random.default_rng(4).uniform(0, 1, (40, 3, 4, 6))
    return compile_onnx(proto, x, max_macs=8)


def test_design_transposes_model_rows(cnn_design, tmp_path):
    d = cnn_design
    assert d.input_axes == (1, 2, 0) and d.input_shape == (4, 6, 3)
    assert d.model_input_shape == (3, 4, 6)
    x = np.random.default_rng(5).uniform(0, 1, (2, 3, 4, 6))
    codes = d.input_codes(x)
    assert codes.shape == (2, 4, 6, 3)
    assert codes[1, 3, 2, 1] == d.input_quant.quantize(x[1, 1, 3, 2])
    np.testing.assert_array_equal(d.input_codes(x.reshape(2, -1)), codes)
    with pytest.raises(IRError, match=r"inputs must have shape \(N, 72\) or \(N, 3, 4, 6\), "
                                      r"not \(2, 4, 6, 3\)"):
        d.input_codes(x.transpose(0, 2, 3, 1))
    save_design(d, tmp_path / "d.npz")
    assert load_design(tmp_path / "d.npz").input_axes == (1, 2, 0)


def test_mlp_designs_keep_rows_as_they_are(tmp_path):
    proto, _, _ = gemm_mlp(np.random.default_rng(6), [6, 4])
    d = compile_onnx(proto, np.random.default_rng(7).normal(size=(20, 6)))
    assert d.input_axes is None and d.model_input_shape == (6,)
    save_design(d, tmp_path / "d.npz")
    assert load_design(tmp_path / "d.npz").input_axes is None


def test_input_axes_must_be_a_permutation(cnn_design):
    with pytest.raises(IRError, match=r"input_axes \(0, 0, 1\) is not a permutation of the 3 "
                                      r"axes of the input \(4, 6, 3\)"):
        cnn_design.__class__(name="x", blocks=cnn_design.blocks, input_quant=cnn_design.input_quant,
                             output_quant=cnn_design.output_quant, input_axes=(0, 0, 1))
