"""hwgen explore synthesises its smallest finalist and uniform int8 (Yosys, xcup; by default)
and reports the measured resources beside the cost model's estimate."""

from __future__ import annotations

import json

import pytest

from hwgen.explore import explore
from hwgen.synth.tools import YOSYS
from tests.fixtures.explore_models import digits_mlp

from .conftest import require_yowasp

pytestmark = pytest.mark.synth


def test_finalists_and_uniform_int8_are_synthesised_beside_the_estimate(tmp_path):
    require_yowasp(YOSYS)
    model = tmp_path / "mlp.onnx"
    calib, x, y = digits_mlp(model, hidden=(12,), validation=40)
    out = tmp_path / "out"
    result = explore(str(model), calib, x, y, out, formats=("int8", "int4"),
                     activations=("int8", "int4"), population=2, generations=1,
                     ladder_steps=1, finalists=2, simulate=False, dsp_luts=100,
                     log=lambda m: None)
    labels = [f["label"] for f in result["finalists"]]
    assert labels[0] == "smallest" and len(labels) >= 2
    # by default only the two sides of the summary's ratio go through Yosys
    assert {f["label"] for f in result["finalists"] if "synth" in f} == \
        {"smallest"} | ({"int8"} & set(labels))
    assert "int8" in labels or result["smallest"]["formats"] == result["int8"]["formats"]
    data = json.loads((out / "pareto.json").read_text())
    rows = {r["name"]: r for r in data["rows"]}
    costs = {}
    for finalist in (f for f in result["finalists"] if "synth" in f):
        # what Yosys wrote for this finalist's Verilog, read back from the file
        written = json.loads((out / "finalists" / finalist["label"] / "synth" /
                              "resources.json").read_text())
        assert written["target"] == "xcup"
        totals = written["totals"]
        for key in ("lut", "dsp", "lutram", "ff", "bram"):
            assert finalist["synth"][key] == round(totals[key]), (finalist["label"], key)
        costs[finalist["name"]] = totals["lut"] + totals["lutram"] + 100 * totals["dsp"]
        assert finalist["synth"]["cost"] == pytest.approx(costs[finalist["name"]])
        row = rows[finalist["name"]]
        assert finalist["estimate"] == {k: row[k] for k in ("lut", "ff", "carry", "dsp",
                                                            "bram", "lutram", "cost")}
    assert data["finalists"] == json.loads(json.dumps(result["finalists"]))
    assert not (out / "finalists" / labels[1] / "synth").exists()
    # uniform int8 is synthesised too (as the smallest, or as the extra "int8" entry)
    int8 = next(r for r in data["rows"] if set(r["formats"].values()) == {"int8"}
                and set(r["activations"].values()) == {"int8"}
                and r["ii"] == result["int8"]["ii"])
    smallest = result["finalists"][0]["name"]
    assert result["smaller_by_synth"] == pytest.approx(costs[int8["name"]] / costs[smallest])
