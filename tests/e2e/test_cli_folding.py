"""``hwgen compile`` in target mode: --target-ii, --target-fps with --clock-mhz, their errors."""

import json

import numpy as np
import onnx
import pytest

from hwgen.cli import main
from tests.fixtures.cnn_builders import digits_like_cnn


@pytest.fixture(scope="module")
def model_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("folding")
    onnx.save(digits_like_cnn(seed=3, image=(3, 6, 6), channels=(4, 6), classes=5),
              d / "cnn.onnx")
    np.save(d / "calib.npy", np.random.default_rng(4).uniform(0, 1, (40, 3, 6, 6))
            .astype(np.float32))
    return d


def _compile(d, *options):
    return main(["compile", str(d / "cnn.onnx"), "--calib", str(d / "calib.npy"), "-o",
                 str(d / "out"), *options])


def test_target_rate_is_met_with_the_fewest_multipliers(model_files, capsys):
    # 500,000 inferences per second at 100 MHz: at most 200 cycles per inference.
    assert _compile(model_files, "--target-fps", "500000", "--clock-mhz", "100") == 0
    out = capsys.readouterr().out
    manifest = json.loads((model_files / "out/manifest.json").read_text())
    ii = manifest["predicted"]["ii"]
    assert ii <= 200
    assert f"target: at most 200 cycles per inference; predicted interval {ii} cycles" in out


def test_unreachable_target_is_one_error_naming_the_layer(model_files, capsys):
    # 6x6 pixels of 3 channels enter the first window one per cycle: 36 cycles at best.
    assert _compile(model_files, "--target-ii", "35") == 2
    err = capsys.readouterr().err
    assert err == ("hwgen compile: error: no folding reaches an interval of 35 cycles per "
                   "inference: the fastest is 36 cycles, set by layer 'conv1': its sliding "
                   "window takes one input pixel per cycle (6x6 pixels of 3 channels); ask for "
                   "36 cycles or more\n")
    assert _compile(model_files, "--target-fps", "4e6", "--clock-mhz", "100") == 2
    assert "(at most 25 cycles per inference): the fastest is 36 cycles per inference " \
           "(2,777,777 per second)" in capsys.readouterr().err


@pytest.mark.parametrize("options, message", [
    (["--target-ii", "100", "--max-macs", "8"], "give max_macs (a multiplier budget) or a "
                                                "target interval / rate, not both"),
    (["--target-fps", "1000"], "a target rate needs both the inferences per second and the "
                               "clock frequency in MHz"),
    (["--target-ii", "100", "--target-fps", "10", "--clock-mhz", "1"], "not both"),
])
def test_conflicting_folding_options(model_files, capsys, options, message):
    assert _compile(model_files, *options) == 2
    err = capsys.readouterr().err
    assert err.startswith("hwgen compile: error: ") and message in err
