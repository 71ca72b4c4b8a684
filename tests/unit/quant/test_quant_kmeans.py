"""K-means weight quantization (Deep Compression): the paper's example, storage, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hwgen.errors import QuantizationError
from hwgen.quant import KMeansQuantized, centroid_gradients, kmeans_quantize

# Han, Mao, Dally, "Deep Compression" (ICLR 2016), Fig. 3, on the lecture's matrix. Its numbers
# are checked by hand: clusters {-0.98, -1.08, -0.91, -1.03} mean -1.00, {0.09, 0.05, -0.14, 0, 0}
# mean 0.00, {1.48, 1.53, 1.49} mean 1.50, {2.09, 2.12, 1.92, 1.87} mean 2.00.
PAPER_INDICES = [[3, 0, 2, 1], [1, 1, 0, 3], [0, 3, 1, 0], [3, 1, 2, 2]]
PAPER_GRAD = np.array([[-0.03, -0.01, 0.03, 0.02], [-0.01, 0.01, -0.02, 0.12],
                       [-0.01, 0.02, 0.04, 0.01], [-0.07, -0.02, 0.01, -0.02]])


def test_deep_compression_figure(lecture_w):
    q = kmeans_quantize(lecture_w, 2)
    assert isinstance(q, KMeansQuantized)
    np.testing.assert_allclose(q.codebook, [-1.0, 0.0, 1.5, 2.0], atol=1e-12)
    assert q.indices.tolist() == PAPER_INDICES and q.indices.dtype == np.int64
    np.testing.assert_allclose(q.dequantize(), np.array([-1.0, 0.0, 1.5, 2.0])[PAPER_INDICES],
                               atol=1e-12)


def test_deep_compression_storage(lecture_w):
    # 16 weights x 2-bit indices + 4 float32 centroids = 32 + 128 = 160 bits vs 512: 3.2x
    q = kmeans_quantize(lecture_w, 2)
    assert (q.storage_bits, q.storage_bytes, q.effective_bits) == (160, 20, 10.0)
    assert q.compression_ratio() == pytest.approx(3.2)
    assert kmeans_quantize(lecture_w, 2, codebook_bits=16).storage_bits == 32 + 64


def test_deep_compression_fine_tuning(lecture_w):
    # grouped (summed) gradients -0.03, 0.04, 0.02, 0.04 for centroids -1, 0, 1.5, 2;
    # with lr = 1: -0.97, -0.04, 1.48, 1.96
    q = kmeans_quantize(lecture_w, 2)
    np.testing.assert_allclose(centroid_gradients(q.indices, PAPER_GRAD, 4),
                               [-0.03, 0.04, 0.02, 0.04], atol=1e-12)
    tuned = q.finetune(PAPER_GRAD, lr=1.0)
    np.testing.assert_allclose(tuned.codebook, [-0.97, -0.04, 1.48, 1.96], atol=1e-12)
    assert np.array_equal(tuned.indices, q.indices)
    np.testing.assert_allclose(q.codebook, [-1.0, 0.0, 1.5, 2.0], atol=1e-12)  # frozen, unchanged


def test_tie_goes_to_the_smaller_centroid():
    # linear init [0, 1]; 0.5 is a tie -> cluster 0 = {0, 0.5} -> centroid 0.25; then 0.5 stays
    q = kmeans_quantize([0.0, 0.5, 1.0], 1)
    np.testing.assert_allclose(q.codebook, [0.25, 1.0])
    assert q.indices.tolist() == [0, 0, 1]


weights = hnp.arrays(np.float64, st.integers(1, 60),
                     elements=st.floats(-10, 10, allow_subnormal=False))


@settings(max_examples=100, deadline=None)
@given(weights, st.integers(1, 4))
def test_never_worse_than_the_uniform_grid_it_starts_from(w, bits):
    # Lloyd's iterations never increase the squared error, and the linear initialisation with
    # nearest assignment is the uniform 2**bits-level grid over [min, max].
    q = kmeans_quantize(w, bits)
    grid = np.linspace(w.min(), w.max(), 2**bits)
    uniform = grid[np.argmin(np.abs(w[:, None] - grid[None, :]), axis=1)]
    assert np.sum((w - q.dequantize()) ** 2) <= np.sum((w - uniform) ** 2) * (1 + 1e-9) + 1e-12
    assert q.indices.min() >= 0 and q.indices.max() < 2**bits
    assert np.all(np.diff(q.codebook) >= 0)


@settings(max_examples=50, deadline=None)
@given(weights, st.integers(1, 3))
def test_each_weight_is_at_its_nearest_centroid(w, bits):
    q = kmeans_quantize(w, bits)
    d = np.abs(w[:, None] - q.codebook[None, :])
    np.testing.assert_allclose(d[np.arange(w.size), q.indices], d.min(axis=1), atol=1e-12)


def test_inits():
    w = np.random.default_rng(0).normal(size=500)
    a = kmeans_quantize(w, 3, init="random", seed=5)
    b = kmeans_quantize(w, 3, init="random", seed=5)
    assert np.array_equal(a.codebook, b.codebook)
    d = kmeans_quantize(w, 3, init="density")
    lin = kmeans_quantize(w, 3)
    for q in (a, d, lin):
        assert q.codebook.shape == (8,) and q.iterations >= 1


@pytest.mark.parametrize(
    "w, kwargs, match",
    [
        ([], {}, "w is empty"),
        ([1.0, np.inf], {}, "Inf"),
        ([1.0], {"bits": 0}, "bits must be an integer from 1 to 16"),
        ([1.0, 2.0], {"init": "random"}, "seed is required"),
        ([1.0, 2.0], {"init": "random", "seed": 1}, "needs at least 4 distinct weights"),
        ([1.0, 2.0], {"seed": 1}, "seed is only used by init='random'"),
        ([1.0, 2.0], {"init": "kmeans++"}, "init must be one of 'linear', 'density', 'random'"),
        ([1.0, 2.0], {"iterations": 0}, "iterations must be a positive integer"),
    ],
)
def test_bad_arguments(w, kwargs, match):
    args = {"bits": 2, **kwargs}
    bits = args.pop("bits")
    with pytest.raises(QuantizationError, match=match):
        kmeans_quantize(w, bits, **args)


def test_finetune_refuses_mismatched_gradients(lecture_w):
    q = kmeans_quantize(lecture_w, 2)
    with pytest.raises(QuantizationError,
                       match=r"grad has shape \(3,\) but the weights have shape \(4, 4\)"):
        q.finetune(np.zeros(3), lr=0.1)
