"""The cost of a whole accelerator: its blocks and the glue between them.

The glue is what ``hwgen.hw.accelerator.Accelerator`` inserts, named as its Verilog instances
are (and as ``hwgen synth`` reports them): a stream read by several ports goes through a fork
``fork_<producer>`` whose branch FIFOs are those ports' input FIFOs, then a width converter
``dwc_<block>_<port>`` per branch whose lanes differ; a stream read by one port goes through a
width converter where the lanes differ, then the port's input FIFO ``in_fifo_<block>_<port>``
if it has one. The top itself holds one AND gate per stream tap (two per block).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...catalog import kind_of, resolve
from ...ir.block import DESIGN_INPUT, chain_edges, consumers_of
from .model import evaluate
from .resources import Resources
from .stream import fork_features, input_fifo_features, width_converter_features
from .tally import Tally
from .targets import cost_target

__all__ = ["DesignCost", "block_cost", "design_cost", "glue_tallies"]


@dataclass(frozen=True)
class DesignCost:
    """Estimated resources of each block (in order), of each glue instance, and in total."""

    target: str
    blocks: tuple
    glue: dict
    total: Resources


def block_cost(block, target: str) -> Resources:
    """The estimate of one block by its kind's cost model (:mod:`hwgen.catalog`)."""
    return resolve(kind_of(block).cost_model)(block, target)


def glue_tallies(blocks, edges, target) -> dict:
    """``{instance: Tally}`` of the glue of a design (the accelerator's own naming)."""
    target = cost_target(target) if isinstance(target, str) else target
    edges = chain_edges(len(blocks)) if edges is None else edges
    glue = {}

    def tally(name: str) -> Tally:
        glue[name] = Tally(target)
        return glue[name]

    def converter(lanes: int, b: int, port: int) -> None:
        fmt = blocks[b].input_formats[port]
        if lanes != fmt.lanes:
            width_converter_features(tally(f"dwc_{b}_{port}"), element_bits=fmt.element.bits,
                                     in_lanes=lanes, out_lanes=fmt.lanes)

    consumers = consumers_of(edges)
    for producer in [DESIGN_INPUT, *range(len(blocks))]:
        readers = consumers.get(producer, [])
        if not readers:
            continue
        fmt = blocks[0].input_format if producer == DESIGN_INPUT else \
            blocks[producer].output_format
        if len(readers) > 1:
            tag = "in" if producer == DESIGN_INPUT else str(producer)
            fork_features(tally(f"fork_{tag}"), width_bits=fmt.payload_bits,
                          depths=[blocks[b].input_fifo_depths[port] for b, port in readers])
            for b, port in readers:
                converter(fmt.lanes, b, port)
            continue
        for b, port in readers:
            converter(fmt.lanes, b, port)
            depth = blocks[b].input_fifo_depths[port]
            if depth:
                input_fifo_features(tally(f"in_fifo_{b}_{port}"),
                                    width_bits=blocks[b].input_formats[port].payload_bits,
                                    depth=depth)
    return glue


def design_cost(blocks, edges, target: str) -> DesignCost:
    """Estimated resources of an accelerator of ``blocks`` connected by ``edges`` (producer
    of each input port of each block, ``-1`` for the accelerator input; None: a chain)."""
    blocks = tuple(blocks)
    per_block = tuple(block_cost(block, target) for block in blocks)
    glue = {name: evaluate(t).rounded() for name, t in glue_tallies(blocks, edges, target).items()}
    # the top: an AND gate per stream-transfer tap, two per block
    glue["top"] = Resources(target, lut=2 * len(blocks))
    total = Resources.total(target, per_block + tuple(glue.values()))
    return DesignCost(target=target, blocks=per_block, glue=glue, total=total)
