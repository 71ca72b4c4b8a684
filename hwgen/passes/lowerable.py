"""Whether the hardware blocks can hold a quantized layer: it is lowered once, unfolded.

The frontend checks every layer it quantizes here, so that a layer no block can build (an
average pool's multiplier out of range, an accumulator beyond int32, ...) fails naming the
layer before any folding or sizing work. Matrix layers are lowered with PE = SIMD = 1, which
every layer allows; convolutions as their matrix.
"""

from __future__ import annotations

from ..errors import IRError, QuantizationError
from ..ir.layers.add import QuantAdd
from ..ir.layers.binary_conv import BinaryConv
from ..ir.layers.conv import QuantConv, QuantPool
from ..ir.layers.dense import Folding
from ..ir.layers.depthwise import QuantDepthwiseConv
from ..ir.lowering import lower_layer

__all__ = ["check_lowerable"]


def check_lowerable(layer) -> None:
    """Raise :class:`~hwgen.errors.QuantizationError` naming ``layer`` if no block holds it.

    Raises
    ------
    QuantizationError
        With the lowering's message, prefixed by ``layer 'NAME':`` if it does not name it.
    """
    try:
        if isinstance(layer, (QuantPool, QuantAdd)):
            lower_layer(layer, 1)
        elif isinstance(layer, QuantDepthwiseConv):
            lower_layer(layer.replace(folding=Folding(pe=1, simd=1)), 1)
        else:
            matrix = layer.as_dense() if isinstance(layer, (QuantConv, BinaryConv)) else layer
            lower_layer(matrix.replace(folding=Folding(pe=1, simd=1)), 1)
    except (IRError, QuantizationError) as exc:
        text = str(exc)
        prefix = f"layer {layer.name!r}"
        raise QuantizationError(text if text.startswith(prefix) else f"{prefix}: {text}") \
            from None
