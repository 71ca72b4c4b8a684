"""The construction every table-driven layer block shares: one parameter record, the files its
tables ship as, an input and an output stream of lanes."""

from __future__ import annotations

from typing import ClassVar

from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from .shapes import lanes_layout

__all__ = ["LayerBlock"]


class LayerBlock(wiring.Component):
    """A layer's block built from one parameter record, with tables in on-chip memory.

    Subclasses name the record type (``PARAMS``) and which of its fields count the lanes of
    each stream (``INPUT_LANES``, ``OUTPUT_LANES``); ``elaborate`` reads ``self.params`` and
    passes ``self.roms`` to the memories it builds.

    Parameters
    ----------
    params : PARAMS
    roms : RomFiles, optional
        Ship the block's tables (weights, per-channel constants) as ``$readmemh`` images
        (:class:`~hwgen.hw.rom.Rom`); by default they are initial memory contents, which
        Amaranth's simulator runs.

    Members
    -------
    i_stream : In(stream.Signature(ArrayLayout(params.input_type, INPUT_LANES)))
    o_stream : Out(stream.Signature(ArrayLayout(params.output_type, OUTPUT_LANES)))
    """

    PARAMS: ClassVar[type]
    INPUT_LANES: ClassVar[str] = "simd"
    OUTPUT_LANES: ClassVar[str] = "pe"

    def __init__(self, *, params, roms=None):
        if not isinstance(params, self.PARAMS):
            raise TypeError(f"params must be an instance of {self.PARAMS.__name__}, "
                            f"not {params!r}")
        self._params = params
        self._roms = roms
        in_lanes = getattr(params, self.INPUT_LANES)
        out_lanes = getattr(params, self.OUTPUT_LANES)
        super().__init__({
            "i_stream": In(stream.Signature(lanes_layout(params.input_type, in_lanes))),
            "o_stream": Out(stream.Signature(lanes_layout(params.output_type, out_lanes))),
        })

    @property
    def params(self):
        """The parameter record the block was built from."""
        return self._params

    @property
    def roms(self):
        """The files the tables ship as (:class:`~hwgen.hw.rom.RomFiles`), or None."""
        return self._roms
