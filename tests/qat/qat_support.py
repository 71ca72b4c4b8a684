"""Shared by the QAT tests: torch / Brevitas availability (loudly), small data and models.

Tests that need the ``[qat]`` extra import :func:`require_qat` at module level: without torch,
Brevitas or onnxoptimizer the module is skipped with a warning naming the install line, and
with ``HWGEN_REQUIRE_QAT=1`` (set by .ci/run) it fails instead.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

from hwgen.qat._deps import INSTALL, missing

_SPLIT = {}


def require_qat():
    """``hwgen.qat``, or skip the calling test module (fail under HWGEN_REQUIRE_QAT=1)."""
    names = missing()
    if names:
        message = (f"QAT EXTRA MISSING, qat tests NOT RUN: no {', '.join(names)}; "
                   f"install with: {INSTALL}")
        if os.environ.get("HWGEN_REQUIRE_QAT"):
            pytest.fail(message, pytrace=False)
        warnings.warn(message, stacklevel=2)
        pytest.skip(message, allow_module_level=True)
    warnings.filterwarnings("ignore", module="brevitas")
    import torch
    torch.set_num_threads(1)
    import hwgen.qat as qat
    return qat


def digits(kind: str = "mlp"):
    """(x_train, x_test, y_train, y_test) of the examples' split; MLP rows or CNN images."""
    if kind not in _SPLIT:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
        d = load_digits()
        x = d.data if kind == "mlp" else d.images[:, None, :, :]
        _SPLIT[kind] = train_test_split((x / 16.0).astype(np.float32), d.target,
                                        test_size=0.2, random_state=0, stratify=d.target)
    return _SPLIT[kind]


def tiny_trained(qat, preset, kind: str = "mlp", *, epochs: int = 1, images: int = 512):
    """A small network (MLP 64-16-10 or CNN with 4 / 8 channels) trained briefly."""
    x_train, _, y_train, _ = digits(kind)
    net = qat.build_mlp(preset, sizes=(64, 16, 10)) if kind == "mlp" else \
        qat.build_cnn(preset, channels=(4, 8))
    return qat.train(net, x_train[:images], y_train[:images], epochs=epochs, lr=1e-2)
