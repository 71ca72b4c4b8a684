"""The readers' operator registries (what each reader accepts and lists in its messages) and the
one padding rule every reader applies."""

import pytest
from onnx import helper

from hwgen.frontend import check_onnx, read_onnx, read_qonnx
from hwgen.frontend.onnx.conv_reader import ConvReader
from hwgen.frontend.onnx.dense_reader import DenseReader
from hwgen.frontend.onnx.handlers import handles
from hwgen.frontend.onnx.padding import same_pads
from hwgen.frontend.onnx.reader import SUPPORTED_OPS
from hwgen.frontend.qdq.reader import QDQ_OPS
from hwgen.frontend.qonnx.reader import QONNX_OPS
from hwgen.ir.layers.conv import QuantConv
from tests.fixtures.cnn_builders import Chain
from tests.fixtures.qonnx_int_builders import QChain

FLOAT_OPS = {"Gemm", "MatMul", "Add", "Relu", "Identity", "Dropout", "Flatten", "Reshape", "Conv",
             "BatchNormalization", "Clip", "MaxPool", "AveragePool", "GlobalAveragePool"}


def test_each_reader_accepts_the_ops_it_has_handlers_for():
    assert set(SUPPORTED_OPS) == FLOAT_OPS
    # a QDQ model has its batch norm folded before quantize_static, and adds Q and DQ
    assert set(QDQ_OPS) == FLOAT_OPS - {"BatchNormalization"} | {"QuantizeLinear",
                                                                 "DequantizeLinear"}
    assert {"Quant", "IntQuant", "BipolarQuant", "MultiThreshold", "Trunc", "Mul",
            "Conv"} <= set(QONNX_OPS)
    assert len(set(QONNX_OPS)) == len(QONNX_OPS)


def test_the_unsupported_op_message_lists_the_registry():
    chain = Chain((4,), seed=1).gemm("fc", 4, 3)
    chain.op("Softsign", "soft")
    (problem,) = check_onnx(chain.build())
    assert problem.message.startswith("unsupported op Softsign; supported ops: "
                                      + ", ".join(SUPPORTED_OPS))


def test_a_subclass_replaces_a_handler_and_may_refuse_one():
    class Reader(ConvReader):
        refused = ("Clip",)

        @handles("Gemm")
        def gemm(self, node, inputs):
            raise AssertionError("not called here")

    assert Reader.handlers["Gemm"].function is Reader.__dict__["gemm"]
    assert Reader.handlers["Conv"] is ConvReader.handlers["Conv"]
    assert Reader.supported_ops() == tuple(op for op in SUPPORTED_OPS if op != "Clip")
    walker = Reader.__new__(Reader)     # handler_for reads only the class's registry
    gemm = helper.make_node("Gemm", ["x", "w"], ["y"])
    assert walker.handler_for(gemm) is Reader.handlers["Gemm"]
    assert walker.handler_for(helper.make_node("Clip", ["x"], ["y"])) is None
    other = helper.make_node("Gemm", ["x", "w"], ["y"], domain="com.example")
    assert walker.handler_for(other) is None


def test_an_override_without_the_decorator_is_an_error():
    with pytest.raises(TypeError, match="replaces a handler without @handles"):
        class Reader(DenseReader):
            def gemm(self, node, inputs):
                pass


def test_refusing_an_op_no_base_handles_is_an_error():
    with pytest.raises(TypeError, match="refuses 'Softmax', which no base handles"):
        class Reader(DenseReader):
            refused = ("Softmax",)


@pytest.mark.parametrize("auto_pad,pads", [("SAME_UPPER", (1, 1, 2, 2)),
                                           ("SAME_LOWER", (2, 2, 1, 1))])
def test_the_float_and_qonnx_readers_share_the_padding_rule(auto_pad, pads):
    # ONNX: ceil(7 / 2) = 4 outputs need (4 - 1) * 2 + 4 - 7 = 3 pads per axis, the odd one
    # after (SAME_UPPER) or before (SAME_LOWER)
    assert same_pads(auto_pad, (7, 7), 4, 2) == pads
    float_model = Chain((2, 7, 7), seed=2).conv("c", 2, 3, 4, strides=[2, 2], auto_pad=auto_pad)
    (conv,) = read_onnx(float_model.build())
    assert conv.pads == pads
    # the same convolution in a QONNX model (built with pads 2, which give the same size)
    q = QChain((2, 7, 7), seed=3)
    q.quant("inp", 8, False, scale=1 / 256).conv("c", 3, 4, bits=4, stride=2, pads=2)
    model = q.quant("out", 8, True).build()
    node = next(n for n in model.graph.node if n.name == "c")
    kept = [a for a in node.attribute if a.name != "pads"]
    del node.attribute[:]
    node.attribute.extend(kept + [helper.make_attribute("auto_pad", auto_pad)])
    (layer,) = read_qonnx(model).layers
    assert isinstance(layer, QuantConv) and layer.pads == pads


def test_the_float_and_qonnx_readers_report_a_bad_pad_alike():
    float_model = Chain((2, 6, 6), seed=4).conv("c", 2, 3, 3, pads=[3, 3, 3, 3]).build()
    q = QChain((2, 6, 6), seed=5)
    qonnx_model = q.quant("inp", 8, False, scale=1 / 256).conv("c", 3, 3, pads=3).quant(
        "out", 8, True).build()
    expected = ("pads [3, 3, 3, 3] (top, left, bottom, right): each pad must lie in [0, 2] for "
                "a 3x3 window; the sliding window pads at most kernel - 1 positions")
    for model in (float_model, qonnx_model):
        messages = [p.message for p in check_onnx(model) if p.node == "c"]
        assert messages == [expected]
