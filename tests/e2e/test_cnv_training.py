"""examples/cnv_training.py without torch: the digits made CNV-sized, the shifts, and the CNV
ONNX model built from given (e.g. trained) weights."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples"))

from cifar_cnv import cnv_onnx  # noqa: E402
from cnv_training import Settings, cnv_digits, shifted, to_cnv_images  # noqa: E402


def test_each_digit_pixel_becomes_a_4x4_block_in_all_three_channels():
    x = np.random.default_rng(0).random((2, 1, 8, 8), dtype=np.float32)
    big = to_cnv_images(x)
    assert big.shape == (2, 3, 32, 32) and big.dtype == np.float32
    for n in range(2):
        for c in range(3):
            for row in range(32):
                for col in range(32):
                    assert big[n, c, row, col] == x[n, 0, row // 4, col // 4]
    with pytest.raises(ValueError, match=r"expected digits images of shape \(N, 1, 8, 8\), "
                                         r"not \(2, 64\)"):
        to_cnv_images(x.reshape(2, 64))


def test_the_digits_split_has_cnv_shapes_and_the_examples_sizes():
    x_train, x_val, y_train, y_val = cnv_digits()
    assert x_train.shape == (1437, 3, 32, 32) and x_val.shape == (360, 3, 32, 32)
    assert len(y_train) == 1437 and len(y_val) == 360
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    assert sorted(set(y_val.tolist())) == list(range(10))


def test_shifts_are_seeded_translations_with_zero_fill():
    x = np.zeros((3, 3, 32, 32), dtype=np.float32)
    x[:, :, 10:20, 12:18] = 1.0                     # a block well inside the image
    a = shifted(x, np.random.default_rng(5), 3)
    assert np.array_equal(a, shifted(x, np.random.default_rng(5), 3))
    for n in range(3):
        rows, cols = np.nonzero(a[n, 0])
        dy, dx = rows.min() - 10, cols.min() - 12
        assert abs(dy) <= 3 and abs(dx) <= 3
        assert np.array_equal(a[n], np.roll(x[n], (dy, dx), axis=(1, 2)))
    assert shifted(x, np.random.default_rng(5), 0) is x
    assert Settings().key() == Settings(seed=0).key() != Settings(seed=1).key()


def test_given_weights_make_the_same_graph_as_the_random_model():
    random = cnv_onnx(seed=0)
    shapes = {i.name: tuple(i.dims) for i in random.graph.initializer}
    rng = np.random.default_rng(9)
    weights = {name: rng.normal(size=shape).astype(np.float32) for name, shape in shapes.items()}
    given = cnv_onnx(seed=0, weights=weights)
    assert given.graph.node == random.graph.node
    assert given.graph.input == random.graph.input and given.graph.output == random.graph.output
    for init in given.graph.initializer:
        assert np.array_equal(onnx.numpy_helper.to_array(init), weights[init.name])
    bad = {**weights, "conv2.weight": np.zeros((64, 64, 1, 1), np.float32)}
    with pytest.raises(ValueError, match=r"CNV weight 'conv2.weight' has shape \(64, 64, 1, 1\); "
                                         r"the CNV needs \(64, 64, 3, 3\)"):
        cnv_onnx(seed=0, weights=bad)


def test_the_example_takes_trained_weights_from_the_cache(tmp_path, monkeypatch, capsys):
    """``cifar_cnv.py --weights trained`` loads the cached model (no training: a model with
    known weights stands in for it) and prints the float and golden accuracies."""
    import json

    import cifar_cnv
    path = tmp_path / "cnv" / f"cnv_trained_{Settings().key()}.onnx"
    path.parent.mkdir()
    onnx.save(cnv_onnx(seed=5), path)
    path.with_suffix(".json").write_text(json.dumps({"val_accuracy": 0.25, "train_cpu_s": 7}))
    monkeypatch.setenv("HWGEN_CACHE", str(tmp_path))
    assert cifar_cnv.main(["--weights", "trained", "--max-macs", "1024",
                           "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert f"trained CNV: cached {path}" in out
    assert "CNV int8, trained weights, max-macs 1024" in out
    assert "| float model (torch, 7 s CPU of training) | 25.00% |" in out
    assert re.search(r"\| hwgen golden model, int8 \| \d+\.\d\d% \|", out)
