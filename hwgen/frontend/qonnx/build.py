"""IR layers of a read QONNX model: the parts the reader assembled, in chain order.

Binary and ternary layers get a :class:`~hwgen.ir.layers.float_activation.FloatActivation` that
:func:`~hwgen.passes.fold_thresholds` turns into thresholds; integer layers and pools are
built with the model's own scales (:mod:`hwgen.frontend.qonnx.integer_layers`). Only the ends of the
model may need calibration data: an unquantized input (calibrated like a float model's, config
``activations`` / ``calibration``) and an unquantized output, requantized to the config's
``output`` format over the real outputs the quantized layers before it produce (their golden
model computes the codes that reach the last layer).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ...errors import ConfigError, HwgenWarning, IRError, QuantizationError
from ...ir import Folding, Graph, IntType, TensorQuant
from ...ir.binary import BipolarQuant, RequantActivation
from ...ir.layers.binary_conv import BinaryConv
from ...ir.layers.binary_dense import BinaryDense
from ...ir.layers.float_activation import FloatActivation
from ...passes.chain_codes import chain_codes
from ...passes.threshold_folding import fold_thresholds
from ...quant import calibrate
from ..calibration_data import check_calibration, warn_if_outliers
from ..layout import model_input_shape, stream_input_axes, to_stream_layout
from .integer_layers import IntLayer, PoolPart

__all__ = ["build_graph", "check_config", "OUTPUT_ACC_SHIFT", "QONNX_CONFIG_KEYS"]

#: Accumulator shift of an unquantized binary output layer: its real bias keeps 8 fractional
#: bits.
OUTPUT_ACC_SHIFT = 8
#: Config keys a QONNX model takes (its weights and hidden activations are its own).
QONNX_CONFIG_KEYS = ("activations", "output", "calibration", "requant", "pe", "simd")


def check_config(config, source: str) -> None:
    """Config keys a QONNX model does not take, as one ConfigError."""
    wrong = sorted({key for keys in config.explicit.values() for key in keys
                    if key not in QONNX_CONFIG_KEYS})
    if wrong:
        raise ConfigError(
            f"{config.source}: {', '.join(wrong)} cannot be set for {source}: a QONNX model "
            f"carries its own weight and activation quantization; only "
            f"{', '.join(QONNX_CONFIG_KEYS)} apply")


def _check_rules(parts, config) -> None:
    """``requant`` of each integer layer; a pool whose rule is fixed refuses one."""
    fixed = []
    for part in parts:
        if not config.is_set(part.name, "requant"):
            continue
        if isinstance(part, PoolPart) and (part.op == "max" or part.trunc is not None):
            if "requant" in config.explicit.get(part.name, ()):   # [default] does not apply
                fixed.append(part.name)
        elif isinstance(part, (IntLayer, PoolPart)):
            part.rounding = config.layer(part.name).requant
    if fixed:
        raise ConfigError(f"{config.source}: requant cannot be set for "
                          f"{', '.join(map(repr, fixed))}: a max pool does not requantize and "
                          "a Trunc'd pool computes the model's own rounding exactly")


def _tensor_quant(values, fmt: str, method: str, what: str) -> TensorQuant:
    dtype = IntType.parse(fmt)
    if float(values.min()) == float(values.max()):
        raise QuantizationError(f"{what}: every calibration value is {float(values.min())}, "
                                "so there is no range to quantize; pass varied inputs")
    warn_if_outliers(values, method, what)
    try:
        scale, zero = calibrate(values, method, bits=dtype.bits, signed=dtype.signed,
                                symmetric=False).scale_zero_point()
    except QuantizationError as exc:
        raise QuantizationError(f"{what}: {exc}") from None
    return TensorQuant(dtype, float(scale), int(zero))


def _stream_shape(part) -> tuple:
    if isinstance(part, PoolPart):
        return part.input_shape
    if part.geometry is not None:
        return part.geometry[0]
    return (part.codes.shape[1],)


def _calibration_rows(calibration, part) -> np.ndarray:
    """Calibration samples in the stream layout of the first part's input."""
    stream_shape = _stream_shape(part)
    axes = stream_input_axes(stream_shape)
    flat = check_calibration(calibration, math.prod(stream_shape), layer=part.name)
    return to_stream_layout(flat, stream_shape, axes), model_input_shape(stream_shape, axes)


def build_graph(reader, calibration, config, *, name: str, source: str) -> Graph:
    """The IR graph of the parts a :class:`~hwgen.frontend.qonnx.cnn.QonnxReader` read."""
    parts = reader.layers + ([reader.pending] if reader.pending else [])
    config.check_layer_names([p.name for p in parts])
    _check_rules(parts, config)
    open_end = parts[-1].quantizer is None and not isinstance(parts[-1], PoolPart)
    last = parts[-1]
    if open_end and not isinstance(last, IntLayer) and last.geometry is not None:
        raise QuantizationError(
            f"{source}: layer {last.name!r}: a binary or ternary convolution cannot end the "
            "model without a quantizer; end it with a Quant or MultiThreshold node")
    x = None
    in_q = parts[0].in_quant
    if reader.input_calibrated or open_end:
        if calibration is None:
            what = "input" if reader.input_calibrated else "output"
            raise QuantizationError(f"{source}: its {what} is not quantized in the model; "
                                    "pass calibration data")
        x, _ = _calibration_rows(calibration, parts[0])
    elif calibration is not None:
        warnings.warn(HwgenWarning(
            f"{source}: calibration data (--calib) is ignored: the model quantizes its input "
            "and output itself (QONNX scales)"), stacklevel=2)
    if reader.input_calibrated:
        opts = config.layer(parts[0].name)
        in_q = _tensor_quant(x, opts.activations, opts.calibration,
                             f"model input (input of layer {parts[0].name!r})")
    layers = []
    for index, part in enumerate(parts):
        declared = layers[-1].output_quant if layers else in_q
        rescale = _rescale(part.in_quant, declared)
        part.in_quant = declared
        if isinstance(part, IntLayer):
            part.in_rescale = rescale
        try:
            if index == len(parts) - 1 and open_end:
                codes = chain_codes(layers, in_q.quantize(x))
                layers.append(_output_layer(part, codes, rescale, config, source))
            elif isinstance(part, (IntLayer, PoolPart)):
                layers.append(part.build(part.in_quant))
            else:
                factor, shift = rescale
                acc_scale = part.w_scale * part.in_quant.scale * factor * part.scale
                activation = FloatActivation(
                    acc_scale=acc_scale, acc_bias=part.bias + acc_scale * shift *
                    part.codes.sum(axis=1), quantizer=part.quantizer,
                    batch_norm=part.batch_norm, relu=part.relu)
                layers.append(_binary_dense(part, part.w_scale,
                                            np.zeros(part.out_channels, np.int64), activation,
                                            config))
        except IRError as exc:
            raise QuantizationError(f"{source}: layer {part.name!r}: "
                                    f"{str(exc).replace(f'layer {part.name!r}: ', '')}") \
                from None
    return fold_thresholds(Graph(name=name, layers=tuple(layers)))


def _rescale(seen, declared) -> tuple:
    """``(factor, zero shift)`` of the quantization a layer saw in the model (after a scalar
    Mul / Add of the codes, FINN's MultiThreshold outputs) against its producer's."""
    if seen is None or seen == declared:
        return 1.0, 0
    return seen.scale / declared.scale, getattr(declared, "zero_point", 0) - \
        getattr(seen, "zero_point", 0)


def _binary_dense(part, weight_scale, bias, activation, config, acc_shift=0):
    """The BinaryDense of a binary / ternary part, or its BinaryConv when it is a
    convolution (``part.geometry``; codes in the im2col order ``(out, k*k*in)``)."""
    opts = config.layer(part.name)
    folding = Folding(pe=opts.pe, simd=opts.simd) if opts.pe and opts.simd else None
    if part.geometry is not None:
        (h, w, c), stride, pads = part.geometry
        k = math.isqrt(part.codes.shape[1] // c)
        return BinaryConv(name=part.name, weights=part.codes.reshape(-1, k, k, c),
                          weight_format=part.fmt, weight_scale=weight_scale, bias=bias,
                          input_quant=part.in_quant, activation=activation,
                          input_shape=(h, w, c), stride=stride, pads=pads, folding=folding,
                          acc_shift=acc_shift)
    return BinaryDense(name=part.name, weights=part.codes, weight_format=part.fmt,
                       weight_scale=weight_scale, bias=bias, input_quant=part.in_quant,
                       activation=activation, folding=folding, acc_shift=acc_shift)


def _output_layer(part, codes, rescale, config, source):
    """The last layer without a quantizer: requantized to the config's output format,
    calibrated on its real outputs."""
    opts = config.default
    what = f"output of layer {part.name!r} (the model output)"
    if isinstance(part, IntLayer):
        factor, bias = part.affine()
        acc = part.accumulators(codes)
        real = acc * (part.w_scale * part.in_quant.scale * factor) + bias
        if part.relu:
            real = np.maximum(real, 0)
        out_q = _tensor_quant(real, config.output, opts.calibration, what)
        return part.build(part.in_quant, out_quant=out_q)
    factor, shift = rescale
    scale = part.w_scale * part.in_quant.scale * factor * part.scale  # Mul factors in both
    bias = part.bias + scale * shift * part.codes.sum(axis=1)
    if part.batch_norm is not None:
        bn = part.batch_norm
        k = bn.gamma / np.sqrt(bn.var + bn.eps)
        scale, bias = scale * k, (bias - bn.mean) * k + bn.beta
    if np.any(scale <= 0):
        raise QuantizationError(
            f"{source}: layer {part.name!r} ends the model without a quantizer and has negative "
            "scales (Mul or batch norm); requantization needs positive ones: end the model with "
            "a Quant node, or fold the sign into the weights")
    values = 2 * codes - 1 if isinstance(part.in_quant, BipolarQuant) else \
        codes - part.in_quant.zero_point
    real = values.reshape(len(values), -1) @ part.codes.T * scale + bias
    if part.relu:
        real = np.maximum(real, 0)
    out_q = _tensor_quant(real, config.output, opts.calibration, what)
    s_x = part.in_quant.scale
    # A unit of a binary dot product is coarse (a whole alpha); an accumulator shift gives the
    # bias 2**shift steps per unit, as far as int32 allows.
    x_max = 1 if isinstance(part.in_quant, BipolarQuant) else \
        max(abs(part.in_quant.dtype.qmin - part.in_quant.zero_point),
            abs(part.in_quant.dtype.qmax - part.in_quant.zero_point))
    reach = int(np.abs(part.codes).sum(axis=1).max()) * x_max + 1
    shift = int(max(0, min(OUTPUT_ACC_SHIFT, 29 - reach.bit_length())))
    bias_codes = np.rint(bias / scale * (1 << shift)).astype(np.int64)
    act = RequantActivation(out_q, rounding=config.layer(part.name).requant, relu=part.relu)
    return _binary_dense(part, scale / s_x, bias_codes, act, config, acc_shift=shift)
