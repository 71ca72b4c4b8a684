"""hwgen report --html: one self-contained report.html, checked as text and in Chromium.

The browser test runs Debian's chromium headless with every host unresolvable and a dead
proxy (no network), reads the console log and the rendered DOM: no console message, and each
chart drawn with the expected number of series. Without chromium it skips loudly (fails under
HWGEN_REQUIRE_BROWSER=1); the text test always runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

import hwgen
from hwgen.cli import main
from hwgen.explore import explore
from tests.fixtures.explore_models import digits_mlp


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("html")
    model = root / "mlp.onnx"
    calib, x, y = digits_mlp(model, hidden=(12,), validation=40)
    design = hwgen.compile(str(model), calib, {"layer": {"fc1": {"weights": "int4"}}})
    design.save(root / "design")
    explore(str(model), calib, x, y, root / "explore", formats=("int8", "int4"),
            activations=("int8", "int4"), population=2,
            generations=1, ladder_steps=1, finalists=1, simulate=False, synth=False,
            log=lambda m: None)
    for out in ("design", "explore"):
        assert main(["report", str(root / out), "--html"]) == 0
    return root


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.scripts = [], 0

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        self.links += [(tag, k, v) for k, v in attrs if k in ("src", "href", "data") and v]


def test_report_html_loads_nothing_from_outside(reports):
    for out in ("design", "explore"):
        html = (reports / out / "report.html").read_text()
        parser = _Links()
        parser.feed(html)
        assert parser.links == [], parser.links          # no src / href at all: all inline
        assert parser.scripts >= 2
        assert "Plotly.newPlot" in html
        # every script closes where it should: none holds "</script" (escaped as "<\/script")
        assert html.count("<script>") == html.count("</script>") == parser.scripts
    # the design's report says how to get Yosys's figures (tests/synth: a synthesised one)
    html = (reports / "design" / "report.html").read_text()
    assert ("<h3>Synthesis</h3>\n<p>Not synthesised yet: run <code>hwgen synth</code> for "
            "resources and Fmax.</p>") in html
    # the explore report lists its finalist (not simulated, not synthesised in this run)
    html = (reports / "explore" / "report.html").read_text()
    assert "<h3>Finalists</h3>" in html and "<td>smallest</td>" in html
    assert "<td>not simulated</td>" in html


def _chromium():
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    message = "chromium is not installed (apt-get install chromium): report.html not rendered"
    if os.environ.get("HWGEN_REQUIRE_BROWSER") == "1":
        pytest.fail(message + " and HWGEN_REQUIRE_BROWSER=1")
    pytest.skip(message)


def _render(browser, path, profile):
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={profile}", "--proxy-server=127.0.0.1:9",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0",
         "--virtual-time-budget=10000", "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return done.stdout, console


@pytest.mark.parametrize("out, series", [
    # timeline (2 inferences), utilization (model only: not simulated), one histogram per
    # dense layer (codes + grid)
    ("design", [2, 1, 2, 2]),
    # the Pareto plot (evaluated, front, uniform int8, W4A8, W4A4); no finalist saved
    ("explore", [5]),
])
def test_report_html_renders_in_chromium_without_console_messages(reports, tmp_path, out,
                                                                    series):
    browser = _chromium()
    dom, console = _render(browser, reports / out / "report.html", tmp_path / "profile")
    assert console == []
    assert [int(n) for n in re.findall(r'data-series="(\d+)"', dom)] == series


def test_report_html_of_a_directory_without_results_names_the_fix(tmp_path, capsys):
    assert main(["report", str(tmp_path), "--html"]) == 2
    err = capsys.readouterr().err
    assert "holds neither manifest.json (hwgen compile) nor pareto.json (hwgen explore)" in err
    assert not (tmp_path / "report.html").exists()


def test_report_timeline_gains_the_simulations_transfer_log(tmp_path, verilator):
    browser = _chromium()
    model = tmp_path / "mlp.onnx"
    calib, x, _ = digits_mlp(model, hidden=(12,), validation=40)
    design = hwgen.compile(str(model), calib, {"layer": {"fc1": {"weights": "int4"}}})
    design.save(tmp_path / "design")
    sim = design.simulate(x[:3], simulator=verilator, log=lambda m: None)
    assert sim.result["cycles_exact"] is True
    # the logged transfers are the cycle model's: first input and last output beat per layer
    timing = design.timing(2)
    for layer, t in zip(sim.result["layers"], timing.layers, strict=True):
        assert layer["first_in_rtl"] == list(t.first_in[:2]), layer["name"]
        assert layer["last_out_rtl"] == list(t.last_out[:2]), layer["name"]
    assert main(["report", str(tmp_path / "design"), "--html"]) == 0
    dom, console = _render(browser, tmp_path / "design" / "report.html", tmp_path / "profile")
    assert console == []
    # timeline: 2 inferences from the cycle model + 2 from the simulation; utilization:
    # model and simulation; the two weight histograms as before
    assert [int(n) for n in re.findall(r'data-series="(\d+)"', dom)] == [4, 2, 2, 2]
    assert "the simulation&#x27;s transfer log" in dom or "the simulation's transfer log" in dom

