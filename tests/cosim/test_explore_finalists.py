"""hwgen explore's finalists, compiled from their CONFIG.toml, simulate bit- and cycle-exact."""

from __future__ import annotations

import pytest

from hwgen.explore import explore
from tests.fixtures.explore_models import digits_mlp

pytestmark = pytest.mark.cosim


def test_finalists_simulate_bit_and_cycle_exact(tmp_path, verilator):
    model = tmp_path / "mlp.onnx"
    calib, x, y = digits_mlp(model, validation=30)
    result = explore(str(model), calib, x, y, tmp_path / "out", formats=("int8", "int4"),
                     population=2, generations=1, ladder_steps=2, finalists=2,
                     simulator=verilator, synth=False, log=lambda m: None)
    assert len(result["finalists"]) == 2
    for finalist in result["finalists"]:
        assert finalist["bit_exact"] is True and finalist["cycles_exact"] is True, finalist
        assert finalist["matches_search"] is True, finalist
        assert (tmp_path / "out" / "finalists" / finalist["label"] / "sim" /
                "result.json").is_file()
