"""onnxruntime's QOperator format (quantize_static with QuantFormat.QOperator) and its
integer-ops form, read bit-exact against onnxruntime layer by layer, as QDQ models are
(hwgen.reference.onnxruntime); dynamic quantization is refused once per tensor.

The models are written by onnxruntime's own quantizer: quantize_static, and for the
integer-ops form (MatMulInteger) its ONNXQuantizer in IntegerOps mode with static activation
ranges (quantize_dynamic writes the same operators after DynamicQuantizeLinear)."""

import logging

import numpy as np
import onnx
import pytest

from hwgen.compiler import compile_onnx
from hwgen.errors import QuantizationError
from hwgen.frontend import check_onnx, load_onnx, uses_calibration
from hwgen.golden import run_pipeline
from hwgen.ir.layers.add import QuantAdd
from hwgen.ir.layers.conv import QuantPool
from hwgen.ir.layers.depthwise import QuantDepthwiseConv
from hwgen.reference.onnxruntime import compare_layers, onnxruntime_output_codes
from tests.fixtures.cnn_builders import Chain, digits_like_cnn, residual_cnn, separable_cnn
from tests.fixtures.onnx_builders import gemm_mlp, init, model, run_onnxruntime
from tests.fixtures.qdq_builders import ort_quantize, summary


def qoperator(proto, x, **options):
    return ort_quantize(proto, x, quant_format="QOperator", reduce_range=True, **options)


def assert_exact(results):
    """Equal to onnxruntime's integers except onnxruntime's own float32 requantization (a
    product that float32 rounds onto the other side of k + 0.5): 1 LSB, at most 1 in 10^4
    outputs, as for QDQ models (test_qdq_onnxruntime.py)."""
    for r in results:
        assert r.mechanisms["float32"] == r.mismatches and r.max_lsb <= 1, summary(results)
        assert r.mismatches <= max(1, r.outputs // 10_000), summary(results)
    assert sum(r.outputs for r in results) > 0


@pytest.mark.parametrize("per_channel", [False, True])
def test_cnn_layers_are_onnxruntimes_integers(per_channel):
    """QLinearConv, MaxPool of codes, QGemm (com.microsoft) and QLinearMatMul: every layer
    equals onnxruntime's integer kernel on onnxruntime's own input codes, and the whole model
    equals onnxruntime from the same float inputs."""
    proto = digits_like_cnn(seed=3, image=(3, 8, 8), channels=(6, 8), classes=5)
    x = np.random.default_rng(4).uniform(0, 1, (300, 3, 8, 8))
    qop = qoperator(proto, x[:100], per_channel=per_channel)
    ops = {n.op_type for n in qop.graph.node}
    assert {"QLinearConv", "QGemm"} <= ops and "DequantizeLinear" in ops
    assert check_onnx(qop) == [] and not uses_calibration(qop)
    results = compare_layers(qop, x)
    assert_exact(results)
    assert any(r.kind == "max pool" for r in results)
    design = compile_onnx(qop, None)
    golden = run_pipeline(design.blocks, design.input_codes(x))
    assert np.array_equal(golden.reshape(len(x), -1),
                          onnxruntime_output_codes(qop, x).reshape(len(x), -1))


def test_mlp_of_qlinear_matmul():
    proto = model([onnx.helper.make_node("MatMul", ["x", "W0"], ["h"], name="fc0"),
                   onnx.helper.make_node("Relu", ["h"], ["r"], name="relu0"),
                   onnx.helper.make_node("MatMul", ["r", "W1"], ["y"], name="fc1")],
                  [init("W0", np.random.default_rng(5).normal(0, 0.3, (12, 16))),
                   init("W1", np.random.default_rng(6).normal(0, 0.3, (16, 4)))],
                  in_shape=["N", 12], out_shape=["N", 4])
    x = np.random.default_rng(7).normal(0, 1, (500, 12))
    qop = qoperator(proto, x[:200])
    assert "QLinearMatMul" in {n.op_type for n in qop.graph.node}
    assert_exact(compare_layers(qop, x))


def test_residual_add_and_depthwise_convolutions():
    """QLinearAdd (com.microsoft) joins two branches; a depthwise QLinearConv (group = C)."""
    x = np.random.default_rng(8).uniform(0, 1, (200, 2, 6, 6))
    qop = qoperator(residual_cnn(seed=9), x[:100])
    assert "QLinearAdd" in {n.op_type for n in qop.graph.node}
    results = compare_layers(qop, x)
    assert any(r.kind == "QuantAdd" for r in results)
    for r in results:       # the add's requantization has its own mechanisms (add_factors)
        assert r.mechanisms["unexplained"] == 0 and r.max_lsb <= 1, summary(results)
    graph = load_onnx(qop, None)
    assert any(isinstance(layer, QuantAdd) for layer in graph.layers)
    xs = np.random.default_rng(10).uniform(0, 1, (100, 2, 8, 8))
    sep = qoperator(separable_cnn(seed=11), xs[:50])
    assert any(isinstance(layer, QuantDepthwiseConv) for layer in load_onnx(sep, None).layers)
    assert_exact(compare_layers(sep, xs))


def test_average_pools_of_codes():
    """QLinearAveragePool / QLinearGlobalAveragePool (com.microsoft): ties of the mean are the
    only differences, as in QDQ models (test_qdq_onnxruntime.py)."""
    proto = (Chain((3, 8, 8), seed=12).conv("c", 3, 6, 3, pads=[1, 1, 1, 1]).relu("r")
             .avgpool("ap", 2, strides=[2, 2]).gap("gap").flatten("f").gemm("fc", 6, 4).build())
    x = np.random.default_rng(13).uniform(0, 1, (200, 3, 8, 8))
    qop = qoperator(proto, x)
    ops = {n.op_type for n in qop.graph.node}
    assert {"QLinearAveragePool", "QLinearGlobalAveragePool"} <= ops
    results = compare_layers(qop, x)
    assert sum(isinstance(layer, QuantPool) for layer in load_onnx(qop, None).layers) == 2
    for r in results:
        assert r.mechanisms["tie"] == r.mismatches and r.max_lsb <= 1, summary(results)


def _integer_ops(proto, x):
    """onnxruntime's quantizer in IntegerOps mode with static activation ranges."""
    import tempfile
    from pathlib import Path

    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantType,
        create_calibrator,
    )
    from onnxruntime.quantization.onnx_quantizer import ONNXQuantizer
    from onnxruntime.quantization.quant_utils import QuantizationMode

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.rows = iter([{"x": x[i:i + 1].astype(np.float32)} for i in range(len(x))])

        def get_next(self):
            return next(self.rows, None)

    logging.disable(logging.WARNING)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "f.onnx"
            onnx.save(proto, path)
            calibrator = create_calibrator(str(path), [],
                                           augmented_model_path=str(Path(tmp) / "a.onnx"),
                                           calibrate_method=CalibrationMethod.MinMax)
            calibrator.collect_data(Reader())
            quantizer = ONNXQuantizer(onnx.load(path), False, True, QuantizationMode.IntegerOps,
                                      True, QuantType.QInt8, QuantType.QUInt8,
                                      calibrator.compute_data(), [], [], ["MatMul"], {})
            quantizer.quantize_model()
            return quantizer.model.model
    finally:
        logging.disable(logging.NOTSET)


def test_matmul_integer_with_static_scales_and_a_float_output():
    """QuantizeLinear -> MatMulInteger -> Cast -> Mul(S_a S_w) -> bias Add -> Relu -> the next
    QuantizeLinear; the last MatMulInteger's float output is calibrated with --calib. The
    float bias is rounded to the accumulator grid: the only differences ('bias')."""
    rng = np.random.default_rng(14)
    proto = model([onnx.helper.make_node("MatMul", ["x", "W1"], ["h"], name="fc1"),
                   onnx.helper.make_node("Add", ["h", "b1"], ["hb"], name="bias1"),
                   onnx.helper.make_node("Relu", ["hb"], ["r"], name="relu1"),
                   onnx.helper.make_node("MatMul", ["r", "W2"], ["y"], name="fc2")],
                  [init("W1", rng.normal(0, 0.3, (16, 12))), init("b1", rng.normal(0, 0.1, 12)),
                   init("W2", rng.normal(0, 0.3, (12, 5)))], in_shape=["N", 16],
                  out_shape=["N", 5])
    x = rng.uniform(0, 1, (400, 16))
    intops = _integer_ops(proto, x[:100])
    assert "MatMulInteger" in {n.op_type for n in intops.graph.node}
    assert check_onnx(intops) == [] and uses_calibration(intops)
    with pytest.raises(QuantizationError, match="pass calibration data"):
        load_onnx(intops, None)
    results = compare_layers(intops, x, calibration=x[:100])
    for r in results:
        assert r.mechanisms["bias"] == r.mismatches and r.max_lsb <= 1, summary(results)
        assert r.mismatches <= r.outputs // 200, summary(results)
    assert sum(r.outputs for r in results) == 400 * (12 + 5)


def test_dynamic_quantization_is_refused_once_per_tensor():
    import tempfile
    from pathlib import Path

    from onnxruntime.quantization import QuantType, quantize_dynamic

    proto, _, _ = gemm_mlp(np.random.default_rng(15), [8, 6, 4])
    with tempfile.TemporaryDirectory() as tmp:
        onnx.save(proto, Path(tmp) / "f.onnx")
        logging.disable(logging.WARNING)
        try:
            quantize_dynamic(str(Path(tmp) / "f.onnx"), str(Path(tmp) / "d.onnx"),
                             weight_type=QuantType.QInt8, op_types_to_quantize=["Gemm",
                                                                                "MatMul"])
        finally:
            logging.disable(logging.NOTSET)
        dynamic = onnx.load(Path(tmp) / "d.onnx")
    quantizers = [n for n in dynamic.graph.node if n.op_type == "DynamicQuantizeLinear"]
    assert quantizers
    found = check_onnx(dynamic)
    assert len(found) == len(quantizers)
    assert all(p.op_type == "DynamicQuantizeLinear" and "quantize_static" in p.message
               for p in found)
    assert run_onnxruntime(dynamic, np.zeros((1, 8), np.float32)).shape == (1, 4)
