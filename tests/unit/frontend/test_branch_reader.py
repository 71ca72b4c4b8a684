"""Float ONNX models with branches (residual connections): what is read, the float forward pass
against onnxruntime, and every branch the hardware cannot build, in one report."""

import numpy as np
import pytest
from onnx import helper

from hwgen.errors import ModelError
from hwgen.frontend import FloatAdd, check_onnx, read_onnx
from hwgen.frontend.float.network import check_chain, check_network
from tests.fixtures.cnn_builders import (
    Chain,
    bad_residuals,
    input_skip,
    residual_cnn,
    residual_mlp,
    two_blocks,
)
from tests.fixtures.reader_checks import assert_matches_onnxruntime, images, read_onnx_problems


def by_node(problems):
    return {p.node: p.message for p in problems}


MODELS = {
    "identity skip": (residual_cnn, (2, 6, 6)),
    "projection skip": (lambda: residual_cnn(projection=True), (2, 6, 6)),
    "two blocks": (two_blocks, (3, 8, 8)),
    "skip from the input": (input_skip, (4, 5, 5)),
    "residual MLP": (residual_mlp, (10,)),
}


@pytest.mark.parametrize("name", MODELS)
def test_float_forward_with_branches_matches_onnxruntime(name):
    build, shape = MODELS[name]
    proto = build()
    assert check_onnx(proto) == []
    assert_matches_onnxruntime(proto, images(shape, n=32))


def test_residual_block_layers_and_what_they_read():
    layers = read_onnx(residual_cnn())
    assert [type(layer).__name__ for layer in layers] == ["FloatConv", "FloatConv", "FloatConv",
                                                  "FloatAdd", "FloatPool", "FloatDense"]
    conv1, conv2, conv3, add, gap, fc = layers
    assert add.inputs == ("conv3", "conv1") and add.shape == (6, 6, 4) and add.relu
    assert conv1.relu and conv2.relu and not conv3.relu      # relu1 stays before the fork
    # a chain but for the add: the other layers read the layer before them
    assert all(layer.inputs is None for layer in layers if layer is not add)


def test_projection_skip_names_the_layer_a_branch_reads():
    layers = {layer.name: layer for layer in read_onnx(residual_cnn(projection=True))}
    order = list(layers)
    # proj's output waits for the add; conv2 reads conv1, not the layer listed before it
    assert order.index("conv1") < order.index("proj") < order.index("add")
    assert layers["add"].inputs == ("conv3", "proj")
    assert layers["proj"].inputs in (None, ("conv1",))
    assert layers["conv2"].inputs in (None, ("conv1",))
    assert (layers["proj"].inputs, layers["conv2"].inputs).count(("conv1",)) == 1


def test_a_relu_after_max_pools_moves_into_the_add_and_forks_finish_layers():
    layers = {layer.name: layer for layer in read_onnx(two_blocks())}
    assert layers["add1"].relu and layers["add2"].relu          # r3 moved before the pool
    assert layers["add2"].inputs == ("add1", "b1")              # the skip is input A here
    assert layers["b1"].inputs == ("add1",) or layers["b1"].inputs is None
    assert isinstance(layers["add1"], FloatAdd) and not layers["a2"].relu


def test_skip_from_the_input_and_a_clip_after_the_add():
    add = next(layer for layer in read_onnx(input_skip()) if layer.name == "add")
    assert add.inputs == ("c", "input") and add.relu and add.clip == (-np.inf, 2.0)


def test_check_network_reports_bad_links_at_once():
    layers = read_onnx(residual_cnn())
    bad = [layers[0], layers[1], FloatAdd("add", ("conv1", "nowhere"), (6, 6, 4))]
    with pytest.raises(ModelError) as info:
        check_network(bad)
    text = str(info.value)
    assert "'add' reads 'nowhere', which is neither the model input nor an earlier layer" in text
    with pytest.raises(ModelError, match="the output of 'conv2' is never used"):
        check_network(bad[:2] + [FloatAdd("add", ("conv1", "conv1"), (6, 6, 4))])
    with pytest.raises(ModelError, match="quantized by quantize_network"):
        check_chain(layers)


def unsupported_joins():
    """One model with every kind of join the hardware cannot build."""
    chain = Chain((2, 6, 6), seed=5).conv("c1", 2, 4, 3, pads=[1, 1, 1, 1])
    a = chain.relu("r1").tap()
    b = chain.conv("c2", 4, 4, 3, pads=[1, 1, 1, 1]).tap()
    n = chain.nodes
    n.append(helper.make_node("Concat", [a, b], ["cat"], name="concat", axis=1))
    n.append(helper.make_node("Mul", [a, b], ["prod"], name="product"))
    chain.branch(b).gap("gap")
    n.append(helper.make_node("Add", [a, chain.tap()], ["bc"], name="broadcast"))
    n.append(helper.make_node("Sum", ["cat", "prod", "bc"], ["s"], name="sum3"))
    return chain.branch("s").conv("c3", 8, 2, 1).build()


def test_joins_the_hardware_cannot_build_are_reported_together():
    found = read_onnx_problems(unsupported_joins())
    messages = by_node(found)
    assert "unsupported op Concat" in messages["concat"]
    assert messages["concat"].endswith("the hardware joins branches only by an Add of two "
                                       "tensors of the same shape")
    assert "unsupported op Mul" in messages["product"]
    assert "adds tensors of shapes (batch, 4, 6, 6) and (batch, 4, 1, 1): broadcasting is " \
        "not supported" in messages["broadcast"]
    assert "use Adds of two tensors" in messages["sum3"]
    assert len(found) == 4, found


def test_residual_patterns_that_cannot_be_fused_name_their_nodes():
    messages = by_node(read_onnx_problems(bad_residuals()))
    assert "the output of 'c1' also feeds 'add1' (Add), which reads it without this " \
        "activation; it cannot be fused into 'c1'" in messages["half_relu"]
    assert "batch norm after an Add of two branches cannot be folded" in messages["late_bn"]
    assert "only a constant bias added right after a Conv, Gemm or MatMul" in \
        messages["bias_after"]
    assert "adds a flattened feature map" in messages["mixed_order"]
    assert len(messages) == 4


def test_an_image_input_read_both_as_an_image_and_flattened_is_refused():
    chain = Chain((2, 4, 4), seed=7).conv("c", 2, 2, 3, pads=[1, 1, 1, 1]).flatten("f1")
    chain.gemm("fc_a", 32, 8)
    main_branch = chain.tap()
    chain.branch("x").flatten("f2").gemm("fc_b", 32, 8).join("add", main_branch)
    found = read_onnx_problems(chain.build())
    assert len(found) == 1
    assert "the model input is read as an image by 'c' and flattened by 'fc_b'" in str(found[0])


def test_dead_ends_and_outputs_read_by_other_nodes():
    chain = Chain((2, 4, 4), seed=8).conv("c", 2, 2, 1)
    tap = chain.tap()
    chain.conv("side", 2, 2, 1).branch(tap).conv("main", 2, 2, 1)
    text = " ".join(map(str, read_onnx_problems(chain.build())))
    assert "is used by no node and is not the model output 'y'" in text
