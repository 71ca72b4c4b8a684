"""Shape facts of a square-kernel convolution over an ``(height, width, channels)`` input."""

from __future__ import annotations

from ..blocks.sliding_window import conv_output_size

__all__ = ["ConvShape", "KernelWeights"]


class ConvShape:
    """Mixin for convolutions with ``kernel``, ``out_features``, ``input_shape``, ``stride``
    and ``pads`` (top, left, bottom, right)."""

    @property
    def in_features(self) -> int:
        """Length of one im2col vector, ``(ky, kx, c)`` (what PE x SIMD folding divides)."""
        return self.kernel * self.kernel * self.input_shape[2]

    @property
    def output_shape(self) -> tuple:
        h, w, _ = self.input_shape
        top, left, bottom, right = self.pads
        return (conv_output_size(h, self.kernel, self.stride, top, bottom),
                conv_output_size(w, self.kernel, self.stride, left, right), self.out_features)


class KernelWeights(ConvShape):
    """:class:`ConvShape` of a layer whose ``weights`` array is ``(out, k, k, ...)``."""

    @property
    def kernel(self) -> int:
        return self.weights.shape[1]

    @property
    def out_features(self) -> int:
        return self.weights.shape[0]
