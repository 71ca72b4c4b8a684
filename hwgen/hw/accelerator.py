"""The whole pipeline: layers chained by streams."""

from __future__ import annotations

from amaranth.hdl import Module
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from ..ir.mvau_params import IntMvauParams
from .int_mvau import IntMvau
from .shapes import int_shape, lanes_layout
from .stream_fifo import StreamFifo
from .width_converter import StreamWidthConverter

__all__ = ["Accelerator"]


class Accelerator(wiring.Component):
    """Input stream -> layer -> ... -> output stream.

    Between two layers whose widths differ (``PE`` of the producer, ``SIMD`` of the
    consumer), a :class:`StreamWidthConverter` re-beats the stream; a layer with an
    ``in_fifo_depth`` gets a :class:`StreamFifo` in front of it.

    Parameters
    ----------
    layers : sequence of IntMvauParams
        The layers in order; each layer's input type equals its predecessor's output type.

    Members
    -------
    i_stream : In(stream.Signature(ArrayLayout(input shape, SIMD of the first layer)))
    o_stream : Out(stream.Signature(ArrayLayout(output shape, PE of the last layer)))
    """

    def __init__(self, *, layers):
        layers = tuple(layers)
        if not layers:
            raise ValueError("an accelerator needs at least one layer")
        for layer in layers:
            if not isinstance(layer, IntMvauParams):
                raise TypeError(f"layers must be IntMvauParams, not {layer!r}")
        for prev, layer in zip(layers, layers[1:]):
            if prev.mh != layer.mw or prev.output_type != layer.input_type:
                raise ValueError(f"layer {layer.name!r} cannot consume the output of {prev.name!r}")
        self._layers = layers
        first, last = layers[0], layers[-1]
        super().__init__({
            "i_stream": In(stream.Signature(lanes_layout(first.input_type, first.simd))),
            "o_stream": Out(stream.Signature(lanes_layout(last.output_type, last.pe))),
        })

    @property
    def layers(self):
        return self._layers

    def elaborate(self, platform):
        m = Module()
        upstream = wiring.flipped(self.i_stream)
        for index, layer in enumerate(self._layers):
            if index and self._layers[index - 1].pe != layer.simd:
                converter = StreamWidthConverter(
                    element_shape=int_shape(layer.input_type),
                    in_lanes=self._layers[index - 1].pe, out_lanes=layer.simd)
                m.submodules[f"dwc_{index}"] = converter
                wiring.connect(m, upstream, converter.i_stream)
                upstream = converter.o_stream
            if layer.in_fifo_depth:
                fifo = StreamFifo(payload_shape=lanes_layout(layer.input_type, layer.simd),
                                  depth=layer.in_fifo_depth)
                m.submodules[f"in_fifo_{index}"] = fifo
                wiring.connect(m, upstream, fifo.i_stream)
                upstream = fifo.o_stream
            mvau = IntMvau(params=layer)
            m.submodules[f"layer_{index}"] = mvau
            wiring.connect(m, upstream, mvau.i_stream)
            upstream = mvau.o_stream
        wiring.connect(m, upstream, wiring.flipped(self.o_stream))
        return m
