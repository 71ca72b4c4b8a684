"""QONNX models with integer layers: hwgen's golden model equals qonnx's reference execution.

Every case is a model built node by node as Brevitas exports it (tests/unit/frontend/
qonnx_int_builders.py), with power-of-two scales and biases quantized at the accumulator
scale: then qonnx's float32 arithmetic is exact and every output code must be equal. Cases
cover 2, 4 and 8 bits, signed and unsigned activations, a zero point, per-tensor and
per-channel weights, MLPs and CNNs with max pools and Trunc'd average pools (qonnx's Trunc v1
and v2, FLOOR and ROUND), and a model mixing binary and integer layers.
"""

import numpy as np
import pytest

from hwgen.compiler import compile_onnx
from hwgen.frontend import check_onnx, load_onnx
from hwgen.golden import run_pipeline
from hwgen.ir import QuantDense
from hwgen.ir.layers.binary_conv import BinaryConv
from hwgen.ir.layers.binary_dense import BinaryDense
from hwgen.ir.layers.conv import QuantConv, QuantPool
from tests.fixtures.qonnx_builders import reference_codes
from tests.fixtures.qonnx_int_builders import QChain

pytest.importorskip("qonnx")


def cnn_w4a4(seed):
    """conv(4b, per channel, Int32Bias)-relu-uint4-maxpool-conv(4b)-relu-uint4-avgpool 2x2
    + Trunc FLOOR to 4 bits-flatten-gemm(4b, Int32Bias)-int8."""
    c = QChain((3, 8, 8), seed=seed)
    c.quant("inp", 8, False, scale=1 / 256)
    c.conv("conv1", 8, 3, bits=4, pads=1, bias="quant").relu("relu1").quant("act1", 4, False)
    c.maxpool("pool1", 2)
    c.conv("conv2", 8, 3, bits=4, pads=1).relu("relu2").quant("act2", 4, False)
    c.avgpool("avg", 2).trunc("trunc", 4, "FLOOR")
    c.flatten("flat").gemm("fc", 10, bits=4, bias="quant").quant("out", 8, True)
    return c


def cnn_w8a8(seed):
    """Signed int8 input and activations (QuantIdentity), per-tensor 8-bit weights, a max
    pool with padding, a Relu after the Quant (fused back into conv2), a global average pool
    over 4x4 + Trunc ROUND (qonnx's Trunc v2), Reshape, a per-channel gemm."""
    c = QChain((2, 8, 8), seed=seed)
    c.quant("inp", 8, True, scale=1 / 128)
    c.conv("conv1", 6, 3, bits=8, per_channel=False, pads=1).quant("act1", 8, True)
    c.maxpool("pool1", 3, stride=2, pads=1)
    c.conv("conv2", 8, 3, bits=8, per_channel=False, pads=1).quant("act2", 8, True)
    c.relu("relu2")
    c.global_avgpool("gap").trunc("trunc", 8, "ROUND")
    c.reshape("flat").gemm("fc", 5, bits=8, bias="quant").quant("out", 8, True)
    return c


def cnn_w2a2(seed):
    """2-bit weights: narrow (ternary codes, the ternary datapath) in conv1, full range (-2..1)
    in conv2 and fc; 2-bit activations, unsigned after a Relu and signed (2-bit codes -2..1)."""
    c = QChain((1, 6, 6), seed=seed)
    c.quant("inp", 4, False, scale=1 / 16)
    c.conv("conv1", 4, 3, bits=2, pads=1, bias="quant").relu("relu1").quant("act1", 2, False,
                                                                            reach=2)
    c.conv("conv2", 6, 3, bits=2, narrow=0).quant("act2", 2, True, reach=2)
    c.flatten("flat").gemm("fc", 4, bits=2, narrow=0).quant("out", 4, True)
    return c


def trunc_v1(seed):
    """qonnx opset 1: Trunc with five inputs, no clamp, output scale = input scale."""
    c = QChain((2, 4, 4), seed=seed, qonnx_opset=1)
    c.quant("inp", 8, False, scale=1 / 256)
    c.conv("conv1", 4, 3, bits=4, pads=1).relu("relu1").quant("act1", 4, False)
    c.avgpool("avg", 2).trunc("trunc", 4, "FLOOR")
    c.flatten("flat").gemm("fc", 6, bits=4).quant("out", 8, True)
    return c


def mlp_w8(seed):
    """MatMul of a transposed weight Quant (older exports), a uint8 activation with zero
    point 8 (ShiftedUint8), per-channel Mul factors (some negative), 8-bit weights."""
    c = QChain((16,), seed=seed)
    c.quant("inp", 8, True, scale=1 / 64)
    c.matmul("fc1", 12, bits=8).quant("act1", 8, False, zero=8)
    c.gemm("fc2", 10, bits=6, bias="quant").mul("scale2", [0.5, 2, -1, 0.25, 1, -0.5, 4, 1,
                                                             -2, 0.5])
    c.quant("act2", 8, True)
    c.gemm("fc3", 4, bits=8).quant("out", 8, True)
    return c


def mixed(seed):
    """int conv -> flatten -> bipolar Gemm + BN -> BipolarQuant -> bipolar MatMul -> int4 ->
    integer Gemm -> int8: binary and integer layers in one chain."""
    c = QChain((2, 6, 6), seed=seed)
    c.quant("inp", 8, False, scale=1 / 256)
    c.conv("conv1", 4, 3, bits=4).relu("relu1").quant("act1", 4, False)
    c.flatten("flat").gemm("bin1", 16, bits=1).bn("bn1").bipolar("sign1")
    c.gemm("bin2", 12, bits=1).quant("act2", 4, True, scale=0.5)
    c.gemm("fc", 6, bits=4, bias="quant").quant("out", 8, True)
    return c


CASES = {
    "cnn-w4a4-channel-floor": (cnn_w4a4, [QuantConv, QuantPool, QuantConv, QuantConv,
                                          QuantDense]),
    "cnn-w8a8-tensor-round": (cnn_w8a8, [QuantConv, QuantPool, QuantConv, QuantPool,
                                         QuantDense]),
    # conv1's narrow 2-bit weights are ternary codes: the ternary datapath, as for Gemm
    "cnn-w2a2": (cnn_w2a2, [BinaryConv, QuantConv, QuantDense]),
    "trunc-v1": (trunc_v1, [QuantConv, QuantConv, QuantDense]),
    "mlp-w8-zero-point": (mlp_w8, [QuantDense, QuantDense, QuantDense]),
    "mixed-binary-integer": (mixed, [QuantConv, BinaryDense, BinaryDense, QuantDense]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_equals_qonnx_reference(case):
    build, kinds = CASES[case]
    chain = build(seed=sum(map(ord, case)))
    model = chain.build(case)
    assert check_onnx(model) == []
    graph = load_onnx(model, None)
    assert [type(layer) for layer in graph.layers] == kinds
    design = compile_onnx(model, None)
    x = chain.inputs(60)
    golden = run_pipeline(design.blocks, design.input_codes(x), edges=design.edges)
    reference = reference_codes(model, x, design.output_quant)
    np.testing.assert_array_equal(golden.reshape(len(x), -1), reference)
    assert len(np.unique(reference)) > 5             # the outputs are not stuck at a bound
