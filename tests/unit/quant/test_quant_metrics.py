"""Error metrics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hwgen.errors import QuantizationError
from hwgen.quant import frobenius_error, mse, sqnr_db


def test_lecture_frobenius(lecture_w):
    recon = 2.12 * np.array([[1, 0, 1, 0], [0, 0, -1, 1], [0, 1, 0, 0], [1, 0, 1, 1]])
    assert frobenius_error(lecture_w, recon) == pytest.approx(2.28, abs=0.005)


def test_hand_values():
    assert frobenius_error([3.0, 4.0], [0.0, 0.0]) == 5.0
    assert mse([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 6.0]) == 1.0
    # signal power 25, noise power 1: 10 log10(25) dB
    assert sqnr_db([3.0, 4.0], [3.0, 3.0]) == pytest.approx(10 * math.log10(25))
    assert sqnr_db([1.0, -2.0], [1.0, -2.0]) == math.inf


def test_bad_input():
    with pytest.raises(QuantizationError,
                       match=r"reference has shape \(4, 1\) but approx has shape \(4,\)"):
        mse(np.ones((4, 1)), np.ones(4))
    with pytest.raises(QuantizationError, match="SQNR is undefined"):
        sqnr_db([0.0, 0.0], [1.0, 0.0])
    with pytest.raises(QuantizationError, match="NaN"):
        frobenius_error([np.nan], [0.0])
    with pytest.raises(QuantizationError, match="empty"):
        mse([], [])
