"""QDQ models with residual Adds from onnxruntime's quantize_static: read with the model's own
parameters, compared with onnxruntime's own execution layer by layer (the add is its
QLinearAdd, computed in float32), and malformed branches reported."""

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from hwgen.frontend import read_qdq
from hwgen.frontend.layout import stream_input_axes, to_stream_layout
from hwgen.golden import run_pipeline
from hwgen.golden.registry import golden_block
from hwgen.ir import IntType, TensorQuant
from hwgen.ir.layers.add import QuantAdd
from hwgen.ir.lowering import lower_graph, lower_layer
from hwgen.passes import choose_folding
from hwgen.reference.onnxruntime import compare_layers, onnxruntime_output_codes
from hwgen.reference.onnxruntime_add import classify_add, qlinear_add_float32
from tests.fixtures.cnn_builders import input_skip, residual_cnn, residual_mlp
from tests.fixtures.onnx_builders import mutated, node_named
from tests.fixtures.qdq_builders import ort_quantize, summary
from tests.fixtures.reader_checks import load_onnx_problems

CASES = {
    # name: (float model, input shape, quantize_static options)
    "identity-int8-channel": (lambda: residual_cnn(seed=11, image=(3, 6, 6), channels=6),
                              (3, 6, 6), dict(per_channel=True)),
    "projection-uint8-tensor-dedicated": (
        lambda: residual_cnn(seed=12, projection=True), (2, 6, 6),
        dict(activations="uint8", extra={"DedicatedQDQPair": True})),
    "input-skip-no-preprocess": (lambda: input_skip(seed=13), (4, 5, 5),
                                 dict(per_channel=True, pre_process=False)),
    "mlp-int8-tensor": (lambda: residual_mlp(seed=14), (10,), {}),
}


def q_params(proto, q_output):
    """(scale, zero point) of the QuantizeLinear that writes ``q_output``, read directly."""
    init = {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}
    q = next(n for n in proto.graph.node if q_output in n.output)
    return float(init[q.input[1]]), int(init[q.input[2]])


def golden_codes(graph, x):
    blocks, edges = lower_graph(choose_folding(graph))
    stream = to_stream_layout(x.reshape(len(x), -1), graph.input_shape,
                              stream_input_axes(graph.input_shape))
    return run_pipeline(blocks, graph.input_quant.quantize(stream), edges=edges)


@pytest.fixture(scope="module", params=CASES)
def case(request):
    build, shape, options = CASES[request.param]
    x = np.random.default_rng(15).uniform(0, 1, (400, *shape))
    return ort_quantize(build(), x[:200], reduce_range=True, **options), x


def test_the_add_carries_the_models_own_parameters(case):
    qdq, _ = case
    graph = read_qdq(qdq)
    add = graph.layer("add")
    assert isinstance(add, QuantAdd)
    add_node = node_named(qdq, "add")
    for port, quant in zip(add_node.input, (add.a_quant, add.b_quant), strict=True):
        dq = next(n for n in qdq.graph.node if n.output[0] == port)
        assert (quant.scale, quant.zero_point) == pytest.approx(q_params(qdq, dq.input[0]))
    q_after = next(n for n in qdq.graph.node if add_node.output[0] in n.input)
    assert (add.output_quant.scale, add.output_quant.zero_point) == \
        pytest.approx(q_params(qdq, q_after.output[0]))
    # the Relu after the add was removed by onnxruntime: its output range starts at 0
    assert add.output_quant.zero_point == add.output_quant.dtype.qmin


def test_every_layer_against_onnxruntime_and_the_whole_model(case):
    """Each layer fed onnxruntime's own input codes (both inputs for the add): within 1 LSB,
    every difference explained; the add's differences come from hwgen's 14-bit add factors
    (1e-4 to 1e-2 of its outputs: more where one input's scale is much smaller than the
    other's, as the model input's beside a convolution's) and float32, the other layers' are
    rare float32 ones."""
    qdq, x = case
    results = compare_layers(qdq, x)
    for r in results:
        assert r.max_lsb <= 1, summary(results)
        assert r.mechanisms["unexplained"] == r.mechanisms["saturation"] == 0, summary(results)
        limit = r.outputs // 50 if r.kind == "QuantAdd" else max(1, r.outputs // 10_000)
        assert r.mismatches <= limit, summary(results)
    add = next(r for r in results if r.kind == "QuantAdd")
    assert add.mismatches == add.mechanisms["add_factors"] + add.mechanisms["float32"]
    # end to end from the same float inputs: differences stay rare and small
    diff = golden_codes(read_qdq(qdq), x).reshape(len(x), -1) - \
        onnxruntime_output_codes(qdq, x).reshape(len(x), -1)
    assert np.abs(diff).max() <= 2 and np.count_nonzero(diff) <= max(2, diff.size // 100)


# -- onnxruntime's QLinearAdd ------------------------------------------------------------------

def qlinear_add_model(a_quant, b_quant, y_quant):
    """One com.microsoft QLinearAdd node over two 1-D code tensors."""
    elem = TensorProto.INT8 if a_quant.dtype.signed else TensorProto.UINT8
    np_type = np.int8 if a_quant.dtype.signed else np.uint8
    inits = []
    for tag, q in (("a", a_quant), ("b", b_quant), ("y", y_quant)):
        inits += [numpy_helper.from_array(np.float32(q.scale), f"s{tag}"),
                  numpy_helper.from_array(np_type(q.zero_point), f"z{tag}")]
    add = helper.make_node("QLinearAdd", ["a", "sa", "za", "b", "sb", "zb", "sy", "zy"], ["y"],
                           domain="com.microsoft")
    graph = helper.make_graph([add], "qladd", [
        helper.make_tensor_value_info(n, elem, [None]) for n in ("a", "b")],
        [helper.make_tensor_value_info("y", elem, [None])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 8
    return model, np_type


def onnxruntime_qlinear_add(layer, a, b):
    import onnxruntime as ort
    model, np_type = qlinear_add_model(layer.a_quant, layer.b_quant, layer.output_quant)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"a": a.astype(np_type), "b": b.astype(np_type)})[0].astype(int)


def x86_avx2_fma() -> bool:
    try:
        flags = open("/proc/cpuinfo").read().split()
    except OSError:
        return False
    return "avx2" in flags and "fma" in flags


#: float32 scales (S_a, S_b, S_y) of the mechanism examples (zero points 33, -55, 122)
EXAMPLE_SCALES = (0.0412251316010952, 0.041357334703207016, 0.028189649805426598)


def add_layer(scales, zeros, dtype="int8"):
    t = IntType.parse(dtype)
    (sa, sb, sy), (za, zb, zy) = scales, zeros
    return QuantAdd(name="add", inputs=("p", "q"), a_quant=TensorQuant(t, sa, za),
                    b_quant=TensorQuant(t, sb, zb), output_quant=TensorQuant(t, sy, zy),
                    shape=(1,), rounding="single_even")


@pytest.mark.skipif(not x86_avx2_fma(), reason="emulates onnxruntime's x86 AVX2 / FMA kernel")
@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_the_float32_emulation_is_onnxruntimes_qlinear_add_on_every_code_pair(dtype):
    """Bit for bit, including the outputs where float32 is not the exactly rounded sum (the
    parameters of test_add_mechanism_examples give some)."""
    t = IntType.parse(dtype)
    a, b = (v.ravel() for v in np.meshgrid(np.arange(t.qmin, t.qmax + 1),
                                          np.arange(t.qmin, t.qmax + 1)))
    rng = np.random.default_rng(16)
    configs = [(EXAMPLE_SCALES, (33, -55, 122) if t.signed else (161, 73, 250))]
    configs += [(np.float32(rng.uniform(0.004, 0.06, 3)).astype(float),
                 rng.integers(t.qmin, t.qmax + 1, 3).tolist()) for _ in range(7)]
    not_exact = 0
    for scales, zeros in configs:
        layer = add_layer(scales, zeros, dtype)
        emulated = qlinear_add_float32(a, b, layer)
        np.testing.assert_array_equal(emulated, onnxruntime_qlinear_add(layer, a, b))
        exact = ((a - zeros[0]) * scales[0] + (b - zeros[1]) * scales[1]) / scales[2]
        nearest = np.clip(np.rint(exact) + zeros[2], t.qmin, t.qmax)
        not_exact += np.count_nonzero(emulated != nearest)
    assert not_exact > 0


@pytest.mark.parametrize("a,b,exact,ort,hwgen,mechanism", [
    # E = -50.5000033 (with the zero point): float32 rounds it to the tie -50.5, half to even
    # gives -50; hwgen's integers keep it below the tie: -51, the nearest integer
    (-99, -41, -50.5000033, -50, -51, "float32"),
    # E = -27.4999006: onnxruntime -27; hwgen's 14-bit factors push it past -27.5: -28
    (2, -126, -27.4999006, -27, -28, "add_factors"),
])
def test_add_mechanism_examples(a, b, exact, ort, hwgen, mechanism):
    scales = EXAMPLE_SCALES
    layer = add_layer(scales, (33, -55, 122))
    value = ((a - 33) * scales[0] + (b + 55) * scales[1]) / scales[2] + 122
    assert value == pytest.approx(exact, abs=1e-7)
    block = lower_layer(layer, 1)[0]
    codes = np.array([a]), np.array([b])
    golden = golden_block(block, *(c[None] for c in codes))[0]
    reference = onnxruntime_qlinear_add(layer, *codes)
    assert golden.tolist() == [hwgen] and reference.tolist() == [ort]
    counts, examples = classify_add(layer, block, *codes, golden, reference)
    assert counts[mechanism] == 1 and sum(counts.values()) == 1, examples


# -- what is rejected --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dedicated():
    x = np.random.default_rng(17).uniform(0, 1, (100, 2, 6, 6))
    return ort_quantize(residual_cnn(seed=18), x, extra={"DedicatedQDQPair": True})


def test_an_add_of_an_unquantized_tensor_and_disagreeing_dedicated_pairs(dedicated):
    def bypass(m):        # the add reads conv3's float output, not its DequantizeLinear
        conv3 = node_named(m, "conv3")
        node_named(m, "add").input[0] = conv3.output[0]

    def disagree(m):      # conv1's second QuantizeLinear with another scale
        out = node_named(m, "conv1").output[0]
        second = [n for n in m.graph.node if n.op_type == "QuantizeLinear" and out in n.input][1]
        m.graph.initializer.append(numpy_helper.from_array(np.float32(0.5), "other_scale"))
        second.input[1] = "other_scale"
        dq = next(n for n in m.graph.node if second.output[0] in n.input)
        dq.input[1] = "other_scale"

    found = {p.node: p.message for p in load_onnx_problems(mutated(dedicated, bypass))}
    assert "its output feeds 'add' (Add) directly, not through its QuantizeLinear" \
        in found["conv3"]
    found = load_onnx_problems(mutated(dedicated, disagree))
    assert len(found) == 1
    assert "quantizes the output of 'conv1' as int8 scale 0.5 zero point" in found[0].message
    assert "hwgen keeps one quantization per tensor" in found[0].message
