"""Float CNN reader: every operator and attribute corner against onnxruntime, and every error."""

import numpy as np
import onnx
import pytest
from onnx import helper

from hwgen.errors import ModelError
from hwgen.frontend import FloatConv, FloatDense, FloatPool, check_onnx, read_onnx
from hwgen.frontend.layout import NCHW_TO_NHWC, stream_input_axes
from tests.fixtures.cnn_builders import Chain, digits_like_cnn
from tests.fixtures.reader_checks import assert_matches_onnxruntime, images, read_onnx_problems

# -- what is read, checked against onnxruntime -------------------------------------------------

@pytest.mark.parametrize("k,stride,pads", [
    (1, 1, [0, 0, 0, 0]), (3, 1, [1, 1, 1, 1]), (3, 2, [1, 1, 1, 1]), (5, 1, [2, 2, 2, 2]),
    (3, 2, [0, 1, 2, 0]), (5, 2, [4, 3, 0, 1])])
def test_conv_geometries_match_onnxruntime(k, stride, pads):
    proto = Chain((3, 9, 7), seed=k).conv("c", 3, 5, k, strides=[stride, stride],
                                            pads=pads).build()
    assert_matches_onnxruntime(proto, images((3, 9, 7)))


@pytest.mark.parametrize("auto_pad", ["SAME_UPPER", "SAME_LOWER", "VALID"])
def test_auto_pad_matches_onnxruntime(auto_pad):
    proto = Chain((2, 7, 6), seed=3).conv("c", 2, 3, 4 if auto_pad != "VALID" else 3,
                                            strides=[2, 2], auto_pad=auto_pad).build()
    layers = read_onnx(proto)
    if auto_pad == "SAME_UPPER":
        # rows: ceil(7/2) = 4 outputs need (4-1)*2 + 4 - 7 = 3 pads, 1 before and 2 after;
        # columns: ceil(6/2) = 3 outputs need (3-1)*2 + 4 - 6 = 2, 1 and 1
        assert layers[0].pads == (1, 1, 2, 1)
    assert_matches_onnxruntime(proto, images((2, 7, 6)))


def test_conv_weights_become_out_k_k_in_and_nchw_becomes_nhwc():
    chain = Chain((2, 4, 4), seed=4).conv("c", 2, 3, 3, bias=False)
    (layer,) = read_onnx(chain.build())
    w = chain.values["c.W"].astype(np.float32).astype(np.float64)   # (out, in, k, k)
    assert isinstance(layer, FloatConv) and layer.input_shape == (4, 4, 2)
    assert layer.weights[1, 2, 0, 1] == w[1, 1, 2, 0]            # (out, ky, kx, in)
    np.testing.assert_array_equal(layer.bias, 0)
    assert stream_input_axes(layer.input_shape) == NCHW_TO_NHWC


def test_the_digits_shape_chain_matches_onnxruntime_with_three_input_channels():
    proto = digits_like_cnn(seed=5, image=(3, 8, 6))
    layers = read_onnx(proto)
    assert [type(layer).__name__ for layer in layers] == ["FloatConv", "FloatPool", "FloatConv",
                                                  "FloatDense"]
    assert [getattr(layer, "relu", None) for layer in layers] == [True, None, True, False]
    assert_matches_onnxruntime(proto, images((3, 8, 6)))


def test_dense_after_flatten_reads_the_nhwc_order():
    """The permuted columns: a one-hot feature map picks the ONNX weight column (c, h, w)."""
    chain = Chain((2, 2, 3), seed=6).conv("c", 2, 2, 1, bias=False).flatten("f")
    proto = chain.gemm("fc", 12, 1).build(["N", 1])
    conv, fc = read_onnx(proto)
    w_onnx = chain.values["fc.W"].astype(np.float32).astype(np.float64)  # (1, 12), (c, h, w)
    hwc = np.zeros((1, 2, 3, 2))
    hwc[0, 1, 2, 0] = 1.0            # h=1, w=2, c=0 -> ONNX column c*6 + h*3 + w = 5
    assert fc.forward(hwc.reshape(1, -1))[0, 0] == pytest.approx(w_onnx[0, 5] + fc.bias[0])
    assert_matches_onnxruntime(proto, images((2, 2, 3)))


def test_reshape_to_batch_minus_one_is_a_flatten():
    proto = (Chain((2, 4, 4), seed=7).conv("c", 2, 3, 3, pads=[1, 1, 1, 1]).relu("r")
             .reshape("rs", [0, -1]).matmul("mm", 48, 4).add("bias", np.ones(4)).build())
    assert_matches_onnxruntime(proto, images((2, 4, 4)))


def test_pools_match_onnxruntime():
    proto = (Chain((3, 9, 9), seed=8).conv("c", 3, 4, 3).relu("r")
             .maxpool("mp", 3, strides=[2, 2], pads=[1, 1, 1, 1])
             .avgpool("ap", 2, pads=[1, 0, 0, 1], count_include_pad=1).gap("gap")
             .flatten("f").gemm("fc", 4, 3).build())
    layers = read_onnx(proto)
    assert [(type(layer).__name__, getattr(layer, "op", None)) for layer in layers] == [
        ("FloatConv", None), ("FloatPool", "max"), ("FloatPool", "avg"),
        ("FloatPool", "global_avg"), ("FloatDense", None)]
    # conv 9 -> 7; max pool k3 s2 pad 1: (7 + 2 - 3) // 2 + 1 = 4; avg k2 pads 1: 4
    assert layers[2].output_shape == (4, 4, 4) and layers[3].output_shape == (4,)
    assert_matches_onnxruntime(proto, images((3, 9, 9)))


def test_ceil_mode_is_accepted_where_it_changes_nothing():
    proto = Chain((1, 8, 8), seed=9).maxpool("mp", 2, strides=[2, 2], ceil_mode=1).flatten(
        "f").gemm("fc", 16, 2).build()
    assert_matches_onnxruntime(proto, images((1, 8, 8)))


def test_batch_norm_clip_identity_dropout_and_relu_after_max_pool():
    proto = (Chain((2, 6, 6), seed=10).conv("c1", 2, 4, 3).bn("bn1", 4)
             .clip("relu6", 0.0, 6.0).op("Identity", "id").maxpool("mp", 2, strides=[2, 2])
             .conv("c2", 4, 3, 1).bn("bn2", 3).maxpool("mp2", 2).relu("late_relu")
             .op("Dropout", "drop").flatten("f").gemm("fc", 3, 2).bn("bn3", 2)
             .clip("cap", None, 0.3).build())
    c1, mp, c2, mp2, fc = read_onnx(proto)
    assert (c1.relu, c1.clip) == (True, (-np.inf, 6.0))
    assert c2.relu and c2.clip is None           # the Relu after max pools moved before them
    assert fc.clip == (-np.inf, float(np.float32(0.3))) and not fc.relu
    assert_matches_onnxruntime(proto, 3 * images((2, 6, 6)))


def test_clip_lower_bound_below_zero_and_conv_bias_add_shapes():
    proto = (Chain((1, 5, 5), seed=11).conv("c", 1, 3, 3, bias=False)
             .add("b1", np.arange(3.0).reshape(3, 1, 1)).add("b2", np.ones((1, 3, 1, 1)))
             .add("b3", np.float32(0.5)).clip("hardtanh", -0.5, 0.5).build())
    (layer,) = read_onnx(proto)
    np.testing.assert_allclose(layer.bias, [1.5, 2.5, 3.5])
    assert layer.clip == (-0.5, 0.5) and not layer.relu
    assert_matches_onnxruntime(proto, images((1, 5, 5)))


def test_conv_without_flatten_on_a_flat_model_is_still_an_mlp():
    """A 4-D input flattened first keeps the model's own order: no transposition."""
    proto = Chain((2, 3, 3), seed=12).flatten("f").gemm("fc", 18, 4).build()
    (layer,) = read_onnx(proto)
    assert isinstance(layer, FloatDense) and stream_input_axes(layer.input_shape) is None
    assert_matches_onnxruntime(proto, images((2, 3, 3)))


# -- what is rejected --------------------------------------------------------------------------

def by_node(found):
    out = {}
    for p in found:
        out.setdefault(p.node, []).append(p.message)
    return {k: " | ".join(v) for k, v in out.items()}


def test_every_conv_attribute_problem_is_listed_at_once():
    chain = Chain((4, 8, 8), seed=13)
    chain.conv("grouped", 4, 4, 3, group=2, pads=[1, 1, 1, 1])
    chain.conv("dilated", 4, 4, 3, dilations=[2, 2], pads=[2, 2, 2, 2])
    chain.conv("unequal", 4, 4, 1, strides=[1, 2])
    chain.conv("overpad", 4, 4, 3, pads=[3, 0, 0, 0])
    chain.conv("wrong_channels", 5, 4, 1)
    proto = chain.build()
    text = by_node(read_onnx_problems(proto))
    assert "group=2 is not supported" in text["grouped"]
    assert "dilations=[2, 2] are not supported" in text["dilated"]
    assert "only equal strides" in text["unequal"]
    assert "each pad must lie in [0, 2]" in text["overpad"]
    assert "take 5 input channels but the activation has 4" in text["wrong_channels"]


def test_non_square_kernels_1d_convolutions_and_kernel_shape_mismatch():
    chain = Chain((2, 6, 6), seed=14)
    chain.const("rect.W", np.ones((2, 2, 3, 1)))
    chain.op("Conv", "rect", "rect.W")
    chain.const("bad_ks.W", np.ones((2, 2, 1, 1)))
    chain.op("Conv", "bad_ks", "bad_ks.W", kernel_shape=[3, 3])
    text = by_node(read_onnx_problems(chain.build()))
    assert "[3, 1]: only square 2-D kernels" in text["rect"]
    assert "kernel_shape=[3, 3] does not match the weights' [1, 1]" in text["bad_ks"]

    chain = Chain((2, 6), seed=15)
    chain.const("c1d.W", np.ones((3, 2, 3)))
    chain.op("Conv", "c1d", "c1d.W")
    text = by_node(read_onnx_problems(chain.build()))
    assert "only 2-D convolutions" in text["c1d"]


def test_pool_problems():
    chain = Chain((2, 7, 7), seed=16)
    chain.maxpool("ceil", 2, strides=[2, 2], ceil_mode=1)       # 7 -> 3 (floor) vs 4 (ceil)
    chain.avgpool("exclude_pad", 2, pads=[1, 1, 1, 1])          # count_include_pad = 0
    chain.maxpool("rect", 1).nodes[-1].attribute[0].ints[:] = [2, 1]
    chain.op("LpPool", "lp", kernel_shape=[2, 2])
    text = by_node(read_onnx_problems(chain.build()))
    assert "ceil_mode=1 adds a partial window" in text["ceil"]
    assert "count_include_pad=0 with padding" in text["exclude_pad"]
    assert "kernel_shape [2, 1]: only square 2-D kernels" in text["rect"]
    assert "unsupported op LpPool" in text["lp"]


def test_batch_norm_and_activation_placement_problems():
    chain = Chain((2, 6, 6), seed=17)
    chain.bn("bn_first", 2)
    chain.conv("c", 2, 3, 1).relu("r").bn("bn_after_relu", 3)
    chain.avgpool("ap", 2).relu("relu_after_avg")
    chain.conv("c2", 3, 3, 1).clip("positive_min", 0.5, 1.0)
    chain.conv("c3", 3, 3, 1).bn("bn_train", 3)
    chain.nodes[-1].attribute.append(helper.make_attribute("training_mode", 1))
    text = by_node(read_onnx_problems(chain.build()))
    assert "must directly follow a Conv, Gemm or MatMul" in text["bn_first"]
    assert "batch norm after the activation" in text["bn_after_relu"]
    assert "after a avg pool cannot be fused" in text["relu_after_avg"]
    assert "min=0.5 > 0 cannot be represented" in text["positive_min"]
    assert "training_mode=1" in text["bn_train"]


def test_bias_that_is_not_per_channel_and_dense_without_flatten():
    chain = Chain((2, 3, 3), seed=18).conv("c", 2, 3, 1, bias=False)
    chain.add("per_pixel", np.arange(27.0).reshape(3, 3, 3))
    text = by_node(read_onnx_problems(chain.build()))
    assert "is not one value per output channel" in text["per_pixel"]

    chain = Chain((2, 3, 3), seed=19).conv("c", 2, 3, 1, bias=False)
    chain.add("along_width", np.arange(3.0))     # (C,) broadcasts along W in NCHW
    text = by_node(read_onnx_problems(chain.build()))
    assert "use shape (3, 1, 1) or (1, 3, 1, 1)" in text["along_width"]

    chain = Chain((2, 3, 3), seed=20).conv("c", 2, 3, 1).gemm("fc", 27, 2)
    assert "insert a Flatten" in by_node(read_onnx_problems(chain.build()))["fc"]


def test_conv_on_a_flat_activation_and_dynamic_image_size():
    chain = Chain((2, 3, 3), seed=21).flatten("f")
    chain.const("c.W", np.ones((2, 18, 1, 1)))
    chain.op("Conv", "c", "c.W")
    assert "Conv needs (batch, channels, height, width)" in by_node(
        read_onnx_problems(chain.build()))["c"]

    proto = Chain(("C", 4, "W"), seed=22).conv("c", 2, 3, 1).build()
    found = read_onnx_problems(proto)
    assert any("dynamic or unknown feature size" in p.message for p in found)


def test_residual_add_of_two_branches_is_read():
    """The residual block that used to be rejected (tests/unit/frontend/test_branch_reader.py
    covers branches)."""
    chain = Chain((2, 4, 4), seed=23).conv("c1", 2, 2, 3, pads=[1, 1, 1, 1]).relu("r1")
    branch_in = chain.current
    chain.conv("c2", 2, 2, 3, pads=[1, 1, 1, 1])
    chain.nodes.append(helper.make_node("Add", [chain.current, branch_in], ["sum"],
                                        name="residual"))
    chain.current = "sum"
    chain.relu("r2")
    layers = read_onnx(chain.build())
    assert [type(layer).__name__ for layer in layers] == ["FloatConv", "FloatConv", "FloatAdd"]
    assert layers[2].inputs == ("c2", "c1") and layers[2].relu


def test_missing_initializer_non_constant_weights_and_bad_opset():
    chain = Chain((2, 4, 4), seed=24)
    chain.op("Conv", "missing", "nowhere")
    chain.conv("ok", 2, 2, 1)
    chain.nodes.append(helper.make_node("Cast", ["ok.W"], ["ok.Wc"], name="cast", to=1))
    chain.op("Conv", "computed", "ok.Wc")
    proto = chain.build()
    text = by_node(read_onnx_problems(proto))
    assert "missing initializer" in text["missing"]
    assert "computed by node 'cast' (Cast), not a constant" in text["computed"]
    proto.opset_import[0].version = 10
    assert any("opset 10 is not supported" in p.message for p in read_onnx_problems(proto))


def test_unreadable_float_layers_are_named():
    with pytest.raises(ModelError, match="layer 'c': a 5x5 window does not fit"):
        FloatConv("c", np.ones((1, 5, 5, 1)), [0.0], (3, 3, 1))
    with pytest.raises(ModelError, match="pooling op 'min' is not one of max, avg, global_avg"):
        FloatPool("p", "min", (4, 4, 1), kernel=2)
    with pytest.raises(ModelError, match=r"clip bounds must satisfy low < high"):
        FloatDense("d", np.ones((1, 1)), [0.0], clip=(1.0, 1.0))


def test_a_file_round_trip(tmp_path):
    proto = digits_like_cnn(seed=25)
    onnx.save(proto, tmp_path / "cnn.onnx")
    assert check_onnx(tmp_path / "cnn.onnx") == []
    assert [layer.name for layer in read_onnx(tmp_path / "cnn.onnx")] == \
        ["conv1", "pool1", "conv2", "fc"]
