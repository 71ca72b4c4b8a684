"""K-means weight quantization (Han, Mao, Dally, "Deep Compression", ICLR 2016).

Weights share ``2**bits`` real centroids (the codebook); each weight stores the integer index of
its centroid. Clustering is 1-D Lloyd's algorithm:

* initialisation ``"linear"`` (default; the paper's best): centroids evenly spaced over
  ``[min W, max W]``; ``"density"``: at evenly spaced quantiles of W; ``"random"`` (Forgy):
  distinct weights drawn with ``seed``;
* assignment to the nearest centroid, ties to the smaller centroid;
* update: each centroid becomes the mean of its weights; an empty cluster keeps its centroid;
* stop when no assignment changes, or after ``iterations`` rounds.

The codebook is returned sorted ascending (index 0 = smallest centroid).

Fine-tuning (the paper's Fig. 3): the gradient of each shared centroid is the sum of the weight
gradients of its cluster, and ``centroid -= lr * grouped_gradient``.

Storage: ``n * bits`` index bits + ``2**bits * codebook_bits`` (32 = float32 centroids).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from hwgen.errors import QuantizationError
from hwgen.quant._validate import (
    as_finite_array,
    check_bits,
    check_choice,
    check_positive_int,
    check_real,
    make_rng,
    readonly,
)

#: Centroid initialisations accepted by :func:`kmeans_quantize`.
KMEANS_INITS = ("linear", "density", "random")


@dataclass(frozen=True, eq=False)
class KMeansQuantized:
    """Cluster indices and codebook: ``w ~ codebook[indices]``.

    Attributes
    ----------
    indices : numpy.ndarray of int64
        Same shape as the weights, in ``[0, 2**bits)``.
    codebook : numpy.ndarray of float64
        ``2**bits`` centroids, ascending.
    bits : int
    iterations : int
        Lloyd rounds run (assignment + update).
    codebook_bits : int
        Bits to store one centroid.
    """

    indices: np.ndarray
    codebook: np.ndarray
    bits: int
    iterations: int
    codebook_bits: int = 32

    def dequantize(self) -> np.ndarray:
        """Reconstructed weights ``codebook[indices]`` (float64)."""
        return self.codebook[self.indices]

    @property
    def storage_bits(self) -> int:
        """Index bits + codebook bits."""
        return self.indices.size * self.bits + self.codebook.size * self.codebook_bits

    @property
    def storage_bytes(self) -> int:
        return math.ceil(self.storage_bits / 8)

    @property
    def effective_bits(self) -> float:
        return self.storage_bits / self.indices.size

    def compression_ratio(self, weight_bits: int = 32) -> float:
        """Size of the ``weight_bits``-bit original over the quantized size."""
        return self.indices.size * weight_bits / self.storage_bits

    def finetune(self, grad, *, lr: float) -> "KMeansQuantized":
        """One fine-tuning step: ``codebook -= lr * centroid_gradients(indices, grad)``.

        The codebook keeps its index order (it may stop being sorted); indices do not change.
        """
        g = centroid_gradients(self.indices, grad, self.codebook.size)
        lr = check_real(lr, name="lr")
        return replace(self, codebook=readonly(self.codebook - lr * g))


def centroid_gradients(indices, grad, num_centroids: int) -> np.ndarray:
    """Sum of ``grad`` over the weights of each cluster (Deep Compression's grouped gradient)."""
    idx = np.asarray(indices)
    g = as_finite_array(grad, name="grad")
    if g.shape != idx.shape:
        raise QuantizationError(f"grad has shape {g.shape} but the weights have shape {idx.shape}")
    return np.bincount(idx.ravel(), weights=g.ravel(), minlength=num_centroids)


def _assign(w: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Index of the nearest centroid of every weight; ties go to the smaller centroid."""
    order = np.argsort(centroids, kind="stable")
    sorted_c = centroids[order]
    mids = (sorted_c[1:] + sorted_c[:-1]) / 2.0
    # side="left": a weight exactly on a midpoint counts as below it -> the smaller centroid
    return order[np.searchsorted(mids, w, side="left")]


def kmeans_quantize(w, bits: int, *, iterations: int = 300, seed=None, init: str = "linear",
                    codebook_bits: int = 32) -> KMeansQuantized:
    """Cluster the weights ``w`` into ``2**bits`` shared centroids (see the module docstring).

    Parameters
    ----------
    w : array_like
        Finite real weights, not empty.
    bits : int
        Index width, 1..16.
    iterations : int
        Maximum Lloyd rounds.
    seed : int or numpy.random.Generator, optional
        Required by ``init="random"`` only.
    init : {"linear", "density", "random"}
    codebook_bits : int
        Bits to store one centroid (storage accounting).
    """
    bits = check_bits(bits)
    iterations = check_positive_int(iterations, name="iterations")
    codebook_bits = check_positive_int(codebook_bits, name="codebook_bits")
    check_choice(init, KMEANS_INITS, name="init")
    arr = as_finite_array(w, name="w")
    flat = arr.ravel()
    k = 2**bits
    if init != "random" and seed is not None:
        raise QuantizationError(
            f"seed is only used by init='random'; init={init!r} is deterministic"
        )
    if init == "linear":
        centroids = np.linspace(flat.min(), flat.max(), k)
    elif init == "density":
        centroids = np.quantile(flat, np.linspace(0.0, 1.0, k))
    else:
        rng = make_rng(seed)
        distinct = np.unique(flat)
        if distinct.size < k:
            raise QuantizationError(
                f"init='random' needs at least {k} distinct weights for {k} centroids, "
                f"got {distinct.size}; use init='linear' or fewer bits"
            )
        centroids = np.sort(rng.choice(distinct, size=k, replace=False))

    idx = _assign(flat, centroids)
    rounds = 0
    while rounds < iterations:
        rounds += 1
        sums = np.bincount(idx, weights=flat, minlength=k)
        counts = np.bincount(idx, minlength=k)
        centroids = np.where(counts > 0, sums / np.maximum(counts, 1), centroids)
        new_idx = _assign(flat, centroids)
        if np.array_equal(new_idx, idx):
            break
        idx = new_idx

    order = np.argsort(centroids, kind="stable")
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    return KMeansQuantized(
        indices=readonly(rank[idx].reshape(arr.shape)),
        codebook=readonly(centroids[order]),
        bits=bits,
        iterations=rounds,
        codebook_bits=codebook_bits,
    )
