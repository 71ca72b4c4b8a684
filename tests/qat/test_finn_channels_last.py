"""FINN's ConvertToChannelsLastAndClean on a Brevitas export: hwgen reads the model before the
transform and refuses the one after it with a single problem that says so (no follow-on
problems about its Transposes and channels-last operators)."""

import numpy as np
import pytest

from hwgen.errors import ModelError
from hwgen.frontend import check_onnx, load_onnx

from .qat_support import digits, require_qat, tiny_trained

qat = require_qat()

pytestmark = [pytest.mark.qat]


def test_channels_last_model_is_one_problem_naming_the_transform(tmp_path):
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.channels_last import ConvertToChannelsLastAndClean
    from qonnx.util.cleanup import cleanup_model

    net = tiny_trained(qat, qat.preset("w1a1"), "cnn")
    _, x_test, _, _ = digits("cnn")
    path = qat.export_qonnx(net, tmp_path / "cnn.onnx", x_test)
    clean = cleanup_model(ModelWrapper(str(path)))
    assert check_onnx(clean.model) == []
    graph = load_onnx(clean.model, None)
    assert np.array_equal(graph.layers[0].input_shape, (8, 8, 1))   # NHWC stream of (1, 8, 8)

    last = clean.transform(ConvertToChannelsLastAndClean())
    domains = {n.domain for n in last.graph.node}
    assert "qonnx.custom_op.channels_last" in domains
    assert "Transpose" in {n.op_type for n in last.graph.node}
    found = check_onnx(last.model)
    assert len(found) == 1, found
    assert "ConvertToChannelsLastAndClean" in found[0].message
    assert "model from before that transform" in found[0].message
    with pytest.raises(ModelError, match="converted to channels-last"):
        load_onnx(last.model, None)
