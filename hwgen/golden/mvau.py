"""Golden model of the integer MVAU."""

from __future__ import annotations

import numpy as np

from ..errors import IRError
from ..ir.blocks.int_mvau import IntMvauParams
from .conv import conv_codes
from .int8_gemm import IntegerProduct, integer_chunk
from .kernels import block_plan, code_dtype, rows_per_chunk
from .matmul import ExactProduct
from .requant import Requantizer
from .window import WindowPatches

__all__ = ["int_mvau", "int_mvau_codes", "integer_product"]


class _Plan:
    """Per-block constants: the exact product (with the bias) through onnxruntime's integer
    kernels where proven exact (:mod:`hwgen.golden.int8_gemm`; ``integer`` is None
    otherwise, and ``integer_why`` says why) and through float BLAS, the requantizer, the
    output dtype."""

    def __init__(self, p: IntMvauParams):
        x_max = max(abs(p.input_type.qmin), abs(p.input_type.qmax))
        self.product = ExactProduct.plan(p.weights, x_max, bias=p.acc_bias)
        self.integer, self.integer_why = IntegerProduct.plan(
            p.weights, p.acc_bias, p.input_type.qmin, p.input_type.qmax)
        self.requant = Requantizer(acc_range=p.acc_range, multiplier=p.multiplier,
                                   shift=p.shift, rounding=p.rounding,
                                   zero_point=p.out_zero_point, out_min=p.out_min,
                                   out_max=p.out_max)
        self.out_dtype = code_dtype(p.output_type.qmin, p.output_type.qmax)


def integer_product(p: IntMvauParams):
    """``(IntegerProduct or None, why)``: the block's onnxruntime integer product if it runs
    through one (:mod:`hwgen.golden.int8_gemm`), else None and the reason (for debugging and
    the benchmarks; the results are the same either way)."""
    plan = block_plan(p, "int_mvau", _Plan)
    return plan.integer, plan.integer_why


def int_mvau_codes(x, p: IntMvauParams) -> np.ndarray:
    """:func:`int_mvau` with outputs in the narrowest dtype of the output type.

    ``x`` may also be :class:`~hwgen.golden.window.WindowPatches` (a convolution), which
    :func:`~hwgen.golden.conv.conv_codes` reads without copying them all.
    """
    if not isinstance(x, WindowPatches):
        x = np.asarray(x)
    if x.shape[-1] != p.mw:
        raise IRError(f"layer {p.name!r} takes vectors of {p.mw} inputs, not {x.shape[-1]}")
    plan = block_plan(p, "int_mvau", _Plan)
    out = np.empty(x.shape[:-1] + (p.mh,), dtype=plan.out_dtype)
    if isinstance(x, WindowPatches):
        x.check_codes(p.input_type, f"layer {p.name!r}: input")
        return conv_codes(x, p, plan.product, plan.requant, out, integer=plan.integer)
    p.input_type.check_codes(x, f"layer {p.name!r}: input")
    rows, flat = x.reshape(-1, p.mw), out.reshape(-1, p.mh)
    if plan.integer is not None:
        return _integer_dense(rows, plan.integer, plan.requant, flat).reshape(out.shape)
    chunk = rows_per_chunk(max(p.mw + 1, p.mh))
    buffer = np.ones((min(chunk, len(rows)), p.mw + 1), dtype=plan.product.dtype)
    for start in range(0, len(rows), chunk):
        count = min(chunk, len(rows) - start)
        np.copyto(buffer[:count, :-1], rows[start:start + count], casting="unsafe")
        plan.requant(plan.product(buffer[:count]), flat[start:start + count])
    return out


def _integer_dense(rows: np.ndarray, integer: IntegerProduct, requant,
                   out: np.ndarray) -> np.ndarray:
    """Requantized ``rows @ weights.T + bias`` through ``integer``, into ``out``, by chunks."""
    chunk = integer_chunk(rows.shape[1], out.shape[1])
    buffer = np.empty((min(chunk, len(rows)), rows.shape[1]), dtype=np.uint8)
    for start in range(0, len(rows), chunk):
        count = min(chunk, len(rows) - start)
        requant(integer(integer.shift(rows[start:start + count], buffer[:count])),
                out[start:start + count])
    return out


def int_mvau(x: np.ndarray, p: IntMvauParams) -> np.ndarray:
    """Outputs of the integer MVAU for input vectors ``x``.

    ``acc_bias + x @ weights.T`` is formed exactly (:class:`~hwgen.golden.matmul.ExactProduct`:
    float32 or float64 BLAS where the block's weights, bias and input type prove it exact,
    else int64) and requantized by :class:`~hwgen.golden.requant.Requantizer`.

    Parameters
    ----------
    x : numpy.ndarray
        Input codes of shape ``(N, MW)`` (or ``(MW,)``), raw codes of ``p.input_type``.
    p : IntMvauParams
        The layer.

    Returns
    -------
    numpy.ndarray
        int64 output codes of shape ``(N, MH)`` (or ``(MH,)``).
    """
    return int_mvau_codes(x, p).astype(np.int64)
