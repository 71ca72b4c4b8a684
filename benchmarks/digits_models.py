"""The digits MLP and CNN as the shipped examples train them, saved as ONNX.

Shared by the benchmarks that compile them several ways (bench_resources.py,
bench_deep_pipeline.py): examples/digits_mlp.py's scikit-learn MLP 64-64-32-10 and
examples/digits_cnn.py's numpy CNN (``SmallCnn(seed=0)``, 20 epochs), both deterministic.
"""

from __future__ import annotations

import sys
from pathlib import Path

import onnx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

import digits_cnn  # noqa: E402
import digits_mlp  # noqa: E402
from numpy_cnn import SmallCnn  # noqa: E402

__all__ = ["digits_mlp_onnx", "digits_cnn_onnx"]


def digits_mlp_onnx(path: Path) -> tuple:
    """Train the digits MLP and save it at ``path``.

    Returns
    -------
    (calibration inputs, test inputs) : the digits training and test images
    """
    x_train, x_test, y_train, _ = digits_mlp.load_data()
    onnx.save(digits_mlp.to_onnx(digits_mlp.train(x_train, y_train)), path)
    return x_train, x_test


def digits_cnn_onnx(path: Path) -> tuple:
    """Train the digits CNN and save it at ``path``; returns as :func:`digits_mlp_onnx`."""
    x_train, x_test, y_train, _ = digits_cnn.load_data()
    onnx.save(SmallCnn(seed=0).train(x_train, y_train, epochs=20).to_onnx(), path)
    return x_train, x_test
