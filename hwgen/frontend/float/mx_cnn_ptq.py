"""MX weights in a convolutional network: Conv nodes become
:class:`~hwgen.ir.layers.mx_conv.MxConv`, Gemm / MatMul nodes
:class:`~hwgen.ir.layers.mx_dense.MxDense`, where ``weights`` is an MX format.

The rules of :mod:`hwgen.frontend.float.mx_ptq` apply: per output channel, :func:`mx_quantize` of
the im2col weight vector (``(ky, kx, c)`` order) in blocks of ``block_size`` (default 32, or
16 for MX4 / MX6 / MX9; it must divide ``k*k*in``), shared exponent rule "floor", the layer's
``rounding`` tie rule; the bias stays real until lowering. Activations stay integer: sliding
windows, pools and adds carry int codes, so MX activations in a CNN are a config error.
"""

from __future__ import annotations

from ...errors import ConfigError, IRError, QuantizationError
from ...ir import Folding
from ...ir.layers.mx_conv import MxConv, conv_block_sizes
from ...ir.layers.mx_dense import MxDense
from ...ir.mx.types import is_mx_format
from ...quant.mx import mx_format
from .layers import FloatConv, FloatPool
from .model import FloatDense
from .mx_ptq import check_mx_lowerable, layer_block_size, layer_weights

__all__ = ["check_cnn_mx_options", "has_mx_weights", "quantize_mx_weights"]


def has_mx_weights(layer, opts) -> bool:
    """A conv or dense layer whose config asks for MX weights."""
    return isinstance(layer, (FloatConv, FloatDense)) and is_mx_format(opts.weights)


def check_cnn_mx_options(layers, options, config) -> None:
    """Every MX choice a CNN cannot use, in one ConfigError (before any work)."""
    errors = []
    for layer, opts in zip(layers, options, strict=True):
        where = f"layer {layer.name!r}"
        if is_mx_format(opts.activations) and not (isinstance(layer, FloatPool)
                                                   and layer.op == "max"):
            errors.append(
                f"{where}: activations = {opts.activations!r}: MX activations are not "
                "supported in a convolutional network (sliding windows, pools and adds carry "
                f"int codes); set activations = 'int8' in [layer.{layer.name}] (MX weights "
                "with int activations work)")
        if not has_mx_weights(layer, opts):
            continue
        n = layer.weights[0].size
        k = layer_block_size(opts)
        micro = mx_format(opts.weights).micro
        what = (f"{layer.weights.shape[1]}x{layer.weights.shape[2]}x{layer.weights.shape[3]} "
                f"= {n}" if isinstance(layer, FloatConv) else str(n))
        if n % k or (micro and k % 2):
            sizes = conv_block_sizes(n, micro=micro)
            fix = (f"set block_size in [layer.{layer.name}] to one of "
                   f"{', '.join(map(str, sizes))}" if sizes else
                   f"{opts.weights} needs an even block size and {n} has no even divisor; use "
                   "another weight format for this layer")
            errors.append(f"{where}: weights = {opts.weights!r} in blocks of {k}: the block "
                          f"size must {'be even and ' if micro else ''}divide its {what} "
                          f"weights per output channel; {fix}")
        if config.is_set(layer.name, "requant") and opts.requant != "single":
            errors.append(
                f"{where}: requant = {opts.requant!r}: an MX layer requantizes its wide "
                "accumulator with 'single' rounding; set requant = 'single' or leave it out")
    if len(errors) == 1:
        raise ConfigError(errors[0])
    if errors:
        raise ConfigError(f"{len(errors)} config problems:\n  - " + "\n  - ".join(errors))


def quantize_mx_weights(layer, opts, in_q, out_q):
    """The MxConv (conv) or MxDense (dense) of a float layer with MX weights, lowerable."""
    k = layer_block_size(opts)
    matrix = layer.weights.reshape(layer.weights.shape[0], -1)
    flat = FloatDense(name=layer.name, weights=matrix, bias=layer.bias, relu=layer.relu)
    weights, _ = layer_weights(flat, opts, k)
    folding = Folding(pe=opts.pe, simd=opts.simd) \
        if opts.pe is not None and opts.simd is not None else None
    common = dict(name=layer.name, weights=weights, bias=layer.bias, input_quant=in_q,
                  output_quant=out_q, relu=layer.relu, rounding=opts.rounding, folding=folding)
    try:
        if isinstance(layer, FloatConv):
            qlayer = MxConv(kernel=layer.weights.shape[1], input_shape=layer.input_shape,
                            stride=layer.stride, pads=layer.pads, **common)
        else:
            qlayer = MxDense(weight_quant=None, **common)
    except IRError as exc:
        raise QuantizationError(str(exc)) from None
    check_mx_lowerable(qlayer.as_dense() if isinstance(qlayer, MxConv) else qlayer)
    return qlayer

