"""Post-training quantization of a float MLP: dense layers + calibration data -> IR :class:`Graph`.

Each layer follows the INT datapath's rules (:mod:`hwgen.frontend.float.int_ptq`), or the
binary / ternary (:mod:`hwgen.frontend.float.binary_ptq`) or MX
(:mod:`hwgen.frontend.float.mx_ptq`) ones its config asks for. Layer i's input format is its
``activations`` option, the last output's is ``output``; every activation is calibrated on
the float model.
"""

from __future__ import annotations

from ...errors import ConfigError
from ...ir import Graph, TensorQuant
from ..calibration_data import check_calibration
from ..config import CompileConfig, load_config
from .binary_ptq import (
    binary_layer_indices,
    check_binary_options,
    quantize_binary_layer,
    with_binary_weights,
)
from .int_ptq import check_int_lowerable, check_int_options, quantize_int_layer, tensor_quant
from .mx_ptq import check_mx_options, mx_layer_indices, quantize_mx_layers
from .network import check_chain, float_forward

__all__ = ["quantize_layers"]


def _activation_quants(layers, tensors, config: CompileConfig) -> list[TensorQuant]:
    """The TensorQuant of the model input and of every layer's output."""
    quants = []
    for k, values in enumerate(tensors):
        if k == 0:
            opts = config.layer(layers[0].name)
            fmt, method = opts.activations, opts.calibration
            what = f"model input (input of layer {layers[0].name!r})"
            fix = "pass varied, representative calibration inputs"
        else:
            prev = layers[k - 1]
            last = k == len(layers)
            opts = config.default if last else config.layer(layers[k].name)
            fmt = config.output if last else opts.activations
            method = opts.calibration
            what = f"output of layer {prev.name!r}" + (" (the model output)" if last else "")
            fix = ("its ReLU outputs 0 for every sample: " if prev.relu and values.max() <= 0
                   else "") + "pass more varied calibration inputs, or check this layer's weights"
        quants.append(tensor_quant(values, fmt, method, what, fix))
    return quants


def quantize_layers(layers, calibration, config=None, *, name: str = "model") -> Graph:
    """Quantize a float MLP into an IR graph.

    Parameters
    ----------
    layers : sequence of FloatDense
        The float layers, in order.
    calibration : array_like
        Representative inputs, ``(N, in_features)``.
    config : None, CompileConfig, dict or path
        Per-layer choices (see docs/config.md); None for the defaults.
    name : str
        Graph name.

    Returns
    -------
    Graph
        One :class:`~hwgen.ir.QuantDense` per layer. Folding is set where the config gives
        both ``pe`` and ``simd``; FIFO depths are left to the compiler's passes.

    Raises
    ------
    ConfigError, QuantizationError, ModelError
        Before any quantization work for config and data problems.
    """
    layers = check_chain(layers)
    config = load_config(config)
    config.check_layer_names([layer.name for layer in layers])
    options = [config.layer(layer.name) for layer in layers]
    check_int_options(layers, options)
    mx_layers = mx_layer_indices(layers, options, config)
    if mx_layers:
        check_mx_options(layers, options, config)
    check_binary_options(layers, options, config)
    binary_layers = binary_layer_indices(options)
    if binary_layers and mx_layers:
        raise ConfigError("binary or ternary layers and MX layers in one model are not supported "
                          "yet; use integer formats next to the binary or ternary layers")
    x = check_calibration(calibration, layers[0].in_features, layer=layers[0].name)
    # Binary / ternary layers are calibrated with their quantized weights in place.
    _, tensors = float_forward(with_binary_weights(layers, options, binary_layers), x,
                               keep_intermediate=True)
    quants = _activation_quants(layers, tensors, config)
    if mx_layers:
        return quantize_mx_layers(layers, options, config, quants, name)
    qlayers = [(quantize_binary_layer if i in binary_layers else quantize_int_layer)(
                   layer, opts, quants[i], quants[i + 1])
               for i, (layer, opts) in enumerate(zip(layers, options, strict=True))]
    for i, qlayer in enumerate(qlayers):
        if i not in binary_layers:       # binary layers are checked as they are built
            check_int_lowerable(qlayer)
    return Graph(name=name, layers=tuple(qlayers))
