"""``--calib`` is used exactly when :func:`hwgen.frontend.uses_calibration` says so: a
pre-quantized model with an unquantized input or output is calibrated with it (different
data, a different output scale), and a model quantized from end to end says it ignores it."""

import warnings

import numpy as np
import pytest

from hwgen.errors import HwgenWarning
from hwgen.frontend import load_onnx, uses_calibration
from tests.fixtures.onnx_builders import gemm_mlp, mutated
from tests.fixtures.qdq_builders import ort_quantize
from tests.fixtures.qonnx_builders import qonnx_mlp


def _drop_output_quantizer(m):
    """The model output straight from the last Gemm (an unquantized output)."""
    q = next(n for n in m.graph.node if n.op_type == "QuantizeLinear"
             and n.output[0].startswith("y"))
    dq = next(n for n in m.graph.node if n.input and n.input[0] == q.output[0])
    gemm = next(n for n in m.graph.node if n.output[0] == q.input[0])
    gemm.output[0] = "y"
    m.graph.node.remove(q)
    m.graph.node.remove(dq)


def _models():
    rng = np.random.default_rng(21)
    proto, _, _ = gemm_mlp(rng, [8, 10, 4])
    x = rng.normal(0, 1, (100, 8))
    qdq = ort_quantize(proto, x)
    return {
        "qdq": (qdq, x, False),
        "qdq-float-output": (mutated(qdq, _drop_output_quantizer), x, True),
        "qonnx": (qonnx_mlp(rng, [8, 16, 4], [dict(weights="bipolar", act="bipolar"),
                                             dict(weights="bipolar", act="quant8")]),
                  rng.uniform(0, 1, (50, 8)), False),
        "qonnx-float-input": (qonnx_mlp(rng, [8, 16, 4],
                                        [dict(weights="bipolar", bn=True, act="bipolar"),
                                         dict(weights="bipolar", act="quant8")],
                                        input_quant=None),
                              rng.uniform(0, 1, (50, 8)), True),
    }


MODELS = _models()


def _ignored(model, x):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        graph = load_onnx(model, x)
    said = [str(w.message) for w in record if issubclass(w.category, HwgenWarning)
            and "calibration data (--calib) is ignored" in str(w.message)]
    assert len(said) <= 1, said
    return graph, bool(said)


@pytest.mark.parametrize("case", MODELS)
def test_calib_is_used_exactly_when_the_model_leaves_an_end_unquantized(case):
    model, x, expected = MODELS[case]
    assert uses_calibration(model) is expected
    graph, ignored = _ignored(model, x)
    assert ignored is not expected
    if ignored:
        assert "--calib is used only for an input or output the model leaves unquantized" \
            in str(_warning_text(model, x))
        return
    # used: other data gives another quantization of the unquantized end
    other, _ = _ignored(model, 3 * x + 1)
    assert (other.input_quant, other.output_quant) != (graph.input_quant, graph.output_quant)


def _warning_text(model, x):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        load_onnx(model, x)
    return [str(w.message) for w in record]
