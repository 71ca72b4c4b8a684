"""QONNX binary and ternary convolutions (FINN CNV / Brevitas style): each becomes a
BinaryConv whose golden model equals qonnx's reference execution bit for bit; padding of a
bipolar input is refused (the model pads with 0, hwgen's bipolar convolutions with -1)."""

import numpy as np
import pytest
from onnx import helper

from hwgen.compiler import compile_onnx
from hwgen.errors import ModelError
from hwgen.frontend import check_onnx, load_onnx
from hwgen.golden import run_pipeline
from hwgen.ir import QuantDense
from hwgen.ir.layers.binary_conv import BinaryConv
from hwgen.ir.layers.conv import QuantPool
from tests.fixtures.qonnx_builders import reference_codes
from tests.fixtures.qonnx_int_builders import QChain

pytest.importorskip("qonnx")


def cnv_like(seed):
    """FINN's CNV pattern: uint8 pixels -> conv 3x3 pad 1, BipolarQuant weights per channel,
    BN, BipolarQuant -> conv 3x3 (1-bit Quant weights per tensor), BN, MultiThreshold BIPOLAR
    -> max pool 2x2 of the bipolar tensor -> conv 3x3 (BipolarQuant weights), BN,
    MultiThreshold UINT2 -> flatten -> gemm 4b -> int8."""
    c = QChain((3, 10, 10), seed=seed)
    c.quant("inp", 8, False, scale=1 / 256)
    c.conv("bconv1", 8, 3, bits=1, pads=1).bn("bn1").bipolar("sign1")
    c.conv("bconv2", 6, 3, bits=1, per_channel=False).bn("bn2")
    c.multithreshold("mt2", "BIPOLAR").maxpool("pool2", 2)
    c.conv("bconv3", 5, 3, bits=1).bn("bn3").multithreshold("mt3", "UINT2")
    c.flatten("flat").gemm("fc", 6, bits=4).quant("out", 8, True, scale=0.25)
    return c


def ternary_cnn(seed):
    """int8 input -> ternary conv 3x3 pad 1 (2-bit narrow Quant) + Relu -> uint4 -> max pool
    -> ternary 1x1 conv stride 2 + BN -> BipolarQuant -> bipolar-weight 1x1 conv on bipolar
    input (XNOR) + BN -> int4 Quant -> flatten -> gemm -> int8."""
    c = QChain((2, 8, 8), seed=seed)
    c.quant("inp", 8, True, scale=1 / 128)
    c.conv("tconv1", 6, 3, bits=2, pads=1).relu("relu1").quant("act1", 4, False)
    c.maxpool("pool1", 2)
    c.conv("tconv2", 5, 1, bits=2, stride=2).bn("bn2").bipolar("sign2")
    c.conv("xconv3", 4, 1, bits=1).bn("bn3").quant("act3", 4, True, scale=0.5)
    c.flatten("flat").gemm("fc", 5, bits=4).quant("out", 8, True, scale=0.25)
    return c


CASES = {"cnv-like": (cnv_like, [BinaryConv, BinaryConv, QuantPool, BinaryConv, QuantDense]),
         "ternary-xnor": (ternary_cnn, [BinaryConv, QuantPool, BinaryConv, BinaryConv,
                                        QuantDense])}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_equals_qonnx_reference(case):
    build, kinds = CASES[case]
    chain = build(seed=sum(map(ord, case)))
    model = chain.build(case)
    assert check_onnx(model) == []
    graph = load_onnx(model, None)
    assert [type(layer) for layer in graph.layers] == kinds
    design = compile_onnx(model, None)
    kinds = [b.kind for b in design.blocks]
    assert "xnor_mvau" in kinds and kinds.count("sliding_window") >= 3
    x = chain.inputs(40)
    golden = run_pipeline(design.blocks, design.input_codes(x), edges=design.edges)
    reference = reference_codes(model, x, design.output_quant)
    np.testing.assert_array_equal(golden.reshape(len(x), -1), reference)
    assert len(np.unique(reference)) > 5             # the outputs are not stuck at a bound


def test_padding_of_a_bipolar_input_is_refused():
    c = QChain((2, 5, 5), seed=3)
    c.quant("inp", 8, False, scale=1 / 256)
    c.conv("bconv1", 4, 3, bits=1).bn("bn1").bipolar("sign1")
    c.conv("bconv2", 4, 3, bits=1, pads=1).bn("bn2").bipolar("sign2")
    c.flatten("flat").gemm("fc", 3, bits=1).quant("out", 8, True)
    model = c.build("padded")
    problems = check_onnx(model)
    assert len(problems) == 1
    text = str(problems[0])
    assert "bconv2" in text and "pads [1, 1, 1, 1] on a bipolar input" in text
    assert "pad with -1" in text
    with pytest.raises(ModelError, match="on a bipolar input"):
        load_onnx(model, None)


def test_binary_conv_ending_the_model_needs_a_quantizer():
    c = QChain((2, 5, 5), seed=4)
    c.quant("inp", 8, False, scale=1 / 256)
    c.conv("bconv1", 4, 3, bits=1)
    model = c.build("open")
    x = c.inputs(20)
    with pytest.raises(Exception, match="cannot end the model without a quantizer"):
        load_onnx(model, x)


def test_multithreshold_with_a_channels_last_layout_is_refused():
    c = QChain((2, 5, 5), seed=6)
    c.quant("inp", 8, False, scale=1 / 256)
    c.conv("bconv1", 4, 3, bits=1).bn("bn1").multithreshold("mt1", "BIPOLAR")
    c.nodes[-1].attribute.append(helper.make_attribute("data_layout", "NHWC"))
    c.flatten("flat").gemm("fc", 3, bits=1).quant("out", 8, True)
    problems = check_onnx(c.build("nhwc"))
    assert len(problems) == 1 and "data_layout 'NHWC'" in str(problems[0])
