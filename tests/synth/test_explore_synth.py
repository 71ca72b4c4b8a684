"""hwgen explore synthesises its smallest finalist and uniform int8 (Yosys, xcup; by default)
and reports the measured resources beside the cost model's estimate."""

from __future__ import annotations

import json

import pytest

from hwgen.explore import explore
from hwgen.synth.tools import YOSYS
from tests.fixtures.explore_models import digits_mlp
from tests.fixtures.ray_required import require_ray

from .conftest import require_yowasp

pytestmark = pytest.mark.synth


OPTIONS = {"formats": ("int8", "int4"), "activations": ("int8", "int4"), "population": 2,
           "generations": 1, "ladder_steps": 1, "finalists": 2, "simulate": False,
           "dsp_luts": 100, "log": lambda m: None}


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    require_yowasp(YOSYS)
    root = tmp_path_factory.mktemp("explore_synth")
    model = root / "mlp.onnx"
    data = digits_mlp(model, hidden=(12,), validation=40)
    out = root / "out"
    return model, data, out, explore(str(model), *data, out, **OPTIONS)


def test_finalists_and_uniform_int8_are_synthesised_beside_the_estimate(serial):
    _, _, out, result = serial
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


def test_synthesis_jobs_on_ray_give_the_serial_results(serial, tmp_path):
    require_ray()
    model, data, _, result = serial
    on_ray = explore(str(model), *data, tmp_path / "ray", workers=2, **OPTIONS)
    assert on_ray["backend"] == "ray"

    def totals(run):
        return [(f["label"], {k: v for k, v in f["synth"].items() if k != "yosys_s"})
                for f in run["finalists"] if "synth" in f]
    assert totals(on_ray) == totals(result) and len(totals(result)) >= 1
    assert on_ray["smaller_by_synth"] == result["smaller_by_synth"]

