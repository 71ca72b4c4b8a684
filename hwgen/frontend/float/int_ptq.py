"""The INT datapath's rules for one layer: weights, bias and activation calibration.

Per layer (the lecture's quantized fully connected layer):

- weights: symmetric, narrow range (codes ``[-(2**(N-1) - 1), 2**(N-1) - 1]``, ``[-127, 127]``
  for int8), per output channel or per tensor, ``S_W = |W|max / qmax``;
- activations: asymmetric per tensor, ``[rmin, rmax]`` calibrated on the float model's
  activations at that point (after a fused ReLU) and widened to contain 0, as onnxruntime does;
- bias: ``q_b = round_half_even(b / (S_W[i] S_X))`` in int32 (``Z_b = 0``, ``S_b = S_W S_X``);
  a bias that would not fit is an error, never clipped.

The ``Z_X * sum_j q_W`` term is folded into the bias later, by
:meth:`hwgen.ir.IntMvauParams.from_layer`. The MLP (:mod:`hwgen.frontend.float.ptq`), MX
(:mod:`hwgen.frontend.float.mx_ptq`) and CNN (:mod:`hwgen.frontend.float.conv_ptq`) paths
build their integer layers here.
"""

from __future__ import annotations

import numpy as np

from ...errors import ConfigError, QuantizationError
from ...ir import Folding, IntMvauParams, IntType, QuantDense, TensorQuant, WeightQuant
from ...ir.mx.types import is_mx_format
from ...quant import calibrate, linear_quantize, round_to_int
from ..calibration_data import warn_if_outliers
from ..config import LayerOptions

__all__ = ["check_int_options", "tensor_quant", "quantize_int_layer", "check_int_lowerable"]

_INT32 = IntType(32, True)


def _divisors(n: int) -> str:
    return ", ".join(str(d) for d in range(1, n + 1) if n % d == 0)


def check_int_options(layers, options: list[LayerOptions]) -> None:
    """Options the config grammar accepts but this model or datapath cannot use."""
    errors = []
    for layer, opts in zip(layers, options, strict=True):
        where = f"layer {layer.name!r}"
        if opts.group_size is not None:
            errors.append(
                f"{where}: granularity = {opts.granularity!r}: group scales need the MX / "
                "VS-Quant path (a later issue); the INT datapath takes 'tensor' or 'channel'")
        for key, size, what in (("pe", layer.out_features, "output channels"),
                                ("simd", layer.in_features, "inputs")):
            value = getattr(opts, key)
            if value is not None and size % value:
                errors.append(f"{where}: {key} = {value} does not divide its {size} {what}; "
                              f"use one of {_divisors(size)} or 'auto'")
    if len(errors) == 1:
        raise ConfigError(errors[0])
    if errors:
        raise ConfigError(f"{len(errors)} config problems:\n  - " + "\n  - ".join(errors))


def tensor_quant(values: np.ndarray, fmt: str, method: str, what: str, fix: str) -> TensorQuant:
    """Asymmetric per-tensor quantization of calibration activations ``values``."""
    if is_mx_format(fmt):
        return None      # MX activations carry their own scales (hwgen.frontend.float.mx_ptq)
    dtype = IntType.parse(fmt)
    lo, hi = float(values.min()), float(values.max())
    if lo == hi:
        raise QuantizationError(
            f"{what}: every calibration value is {lo}, so there is no range to quantize; {fix}")
    warn_if_outliers(values, method, what)
    try:
        calibrated = calibrate(values, method, bits=dtype.bits, signed=dtype.signed,
                               symmetric=False)
        scale, zero_point = calibrated.scale_zero_point()
    except QuantizationError as exc:
        raise QuantizationError(f"{what}: {exc}") from None
    return TensorQuant(dtype=dtype, scale=float(scale), zero_point=int(zero_point))


def _quantize_bias(layer, weight_scale: np.ndarray, input_scale: float) -> np.ndarray:
    """int32 bias codes at scale ``S_W[i] * S_X``; refuses values that would clip."""
    real = layer.bias / (weight_scale * input_scale)
    over = np.abs(real) > _INT32.qmax
    if over.any():
        i = int(np.argmax(over))
        raise QuantizationError(
            f"layer {layer.name!r}: bias[{i}] = {layer.bias[i]:.6g} is {real[i]:.4g} in units of "
            f"S_W * S_X = {weight_scale[i] * input_scale:.4g}, beyond int32; the channel's "
            "weights are tiny next to its bias: use granularity = 'tensor' for this layer, or "
            "check the model")
    return round_to_int(real, "half_even")


def quantize_int_layer(layer, opts: LayerOptions, in_q: TensorQuant, out_q: TensorQuant):
    w_type = opts.weight_type
    quantized = linear_quantize(
        layer.weights, w_type.bits, signed=True, symmetric=True, narrow_range=True,
        granularity=opts.granularity, axis=0, rounding=opts.rounding)
    scale = np.broadcast_to(np.asarray(quantized.scale).reshape(-1), (layer.out_features,))
    folding = None
    if opts.pe is not None and opts.simd is not None:
        folding = Folding(pe=opts.pe, simd=opts.simd)
    return QuantDense(
        name=layer.name,
        weights=quantized.codes,
        weight_quant=WeightQuant(dtype=w_type, scale=scale.copy(), granularity=opts.granularity),
        bias=_quantize_bias(layer, scale, in_q.scale),
        input_quant=in_q,
        output_quant=out_q,
        relu=layer.relu,
        rounding=opts.requant,
        folding=folding,
    )


def check_int_lowerable(layer: QuantDense) -> None:
    """Fail now, naming the layer, if the integer datapath cannot hold this layer."""
    try:
        IntMvauParams.from_layer(layer.replace(folding=Folding(pe=1, simd=1)))
    except QuantizationError as exc:
        raise QuantizationError(f"layer {layer.name!r}: {exc}") from None
