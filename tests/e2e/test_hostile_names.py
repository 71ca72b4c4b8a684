"""Names from a model cannot inject code or markup (finding 1): graph, node and tensor names
with newlines, ``*/``, ``$system("touch X")``, quotes, backslashes, pipes, ``<script>`` and
non-ASCII go through ``hwgen check``, ``compile``, ``sim`` and ``report``; nothing runs, every
output parses, and the names still show, escaped."""

import itertools
import json

import numpy as np
import onnx
import pytest
from onnx import helper

from hwgen import text
from tests.fixtures.cli_helpers import check_result, run_cli
from tests.fixtures.lint import assert_lint_clean
from tests.fixtures.onnx_builders import init, model

INJECT = 'fc1\n initial $system("touch X");\n//'
NAMES = {
    "graph": 'mlp */ $system("touch X") | `x` <script>alert(1)</script>\n# heading',
    "fc0": INJECT,
    "fc1": 'out | "quoted" \\ back\\slash */ caf\u00e9 \u6570 <b>',
}
TENSORS = {"x": 'in\n$system("touch X")', "h": "hidden | <i>", "y": 'out"\\'}


@pytest.fixture
def hostile(tmp_path):
    rng = np.random.default_rng(8)
    w0, w1 = rng.normal(0, 0.3, (16, 12)), rng.normal(0, 0.3, (6, 16))
    t = TENSORS
    nodes = [helper.make_node("Gemm", [t["x"], "W0\n*/", "b0"], [t["h"]], name=NAMES["fc0"],
                              transB=1),
             helper.make_node("Relu", [t["h"]], ["r|0"], name="relu\n$finish;"),
             helper.make_node("Gemm", ["r|0", "W1", "b1"], [t["y"]], name=NAMES["fc1"],
                              transB=1)]
    proto = model(nodes, [init("W0\n*/", w0), init("b0", np.zeros(16)), init("W1", w1),
                          init("b1", np.zeros(6))],
                  in_shape=["N", 12], out_shape=["N", 6], name=NAMES["graph"],
                  input_name=t["x"], output_name=t["y"])
    onnx.save(proto, tmp_path / "evil.onnx")
    np.save(tmp_path / "calib.npy", rng.normal(0, 1, (100, 12)).astype(np.float32))
    np.save(tmp_path / "x.npy", rng.normal(0, 1, (5, 12)).astype(np.float32))
    return tmp_path


def _no_file_x(root):
    return not [p for p in root.rglob("X")]


def test_check_calls_the_model_fine_and_lists_the_escaped_names(hostile):
    result = run_cli("check", hostile / "evil.onnx")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith("no problems found")
    assert "escapes wherever it writes them" in lines[1]
    for name in (*NAMES.values(), *TENSORS.values()):
        assert text.display(name) in result.stdout, name
    assert "\x1b" not in result.stdout and _no_file_x(hostile)


@pytest.mark.cosim
def test_compile_sim_report_with_hostile_names(hostile, simulator):
    d = hostile
    out = d / "out"
    compiled = run_cli("compile", d / "evil.onnx", "--calib", d / "calib.npy", "-o", out)
    assert compiled.returncode == 0, compiled.stderr
    assert_lint_clean(out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["model"] == NAMES["graph"]
    assert [layer["name"] for layer in manifest["layers"]] == [NAMES["fc0"], NAMES["fc1"]]

    sim = run_cli("sim", out, "--inputs", d / "x.npy", "--simulator", simulator)
    assert sim.returncode == 0, sim.stdout + sim.stderr
    check_result(out, 5)
    assert _no_file_x(d), "a model name ran a shell command during simulation"

    report = run_cli("report", out)
    assert report.returncode == 0, report.stderr
    markdown = (out / "report.md").read_text()
    assert markdown == report.stdout
    title, _, header, rule, *rows = markdown.splitlines()
    assert title == f"# hwgen report: {text.markdown(NAMES['graph'])} (top `hwgen_top`)"
    columns = header.count(" | ") + 1
    table = list(itertools.takewhile(lambda row: row.startswith("| "), rows))
    assert len(table) == 2, "one table row per layer"
    for row, name in zip(table, (NAMES["fc0"], NAMES["fc1"]), strict=True):
        assert row.startswith(f"| {text.markdown(name)} |")
        assert row.replace("\\|", "").count(" | ") + 1 == columns
    # the resource estimate's table: a row per layer too, escaped the same way
    head = rows.index("| block | LUT | FF | CARRY | DSP | BRAM | LUTRAM |")
    estimate = list(itertools.takewhile(lambda row: row.startswith("| "), rows[head + 2:]))
    assert len(estimate) == 4, "a row per layer, the glue and the total"
    for row, name in zip(estimate, (NAMES["fc0"], NAMES["fc1"]), strict=False):
        assert row.startswith(f"| {text.markdown(name)} |")
        assert row.replace("\\|", "").count(" | ") + 1 == 7
    assert "<script>" not in markdown and "<b>" not in markdown
    assert "Simulation (" in markdown and "bit exact: yes" in markdown
    data = json.loads((out / "report.json").read_text())
    assert data["model"] == NAMES["graph"]
    assert [layer["name"] for layer in data["layers"]] == [NAMES["fc0"], NAMES["fc1"]]
    assert json.loads(run_cli("report", out, "--json").stdout) == data
    assert _no_file_x(d)
