"""What every hardware block's parameters provide, and the registry of block kinds.

A block consumes one stream and produces one stream. Per inference it takes a tensor of
``input_shape`` and gives a tensor of ``output_shape``; a tensor travels in row-major order
(NHWC for images: channels fastest), ``lanes`` elements per beat. Each block kind is a frozen
dataclass registered under a ``kind`` name, and the golden model, the cycle model and the
hardware each map the class to their implementation (``hwgen.golden.registry``,
``hwgen.perf.registry``, ``hwgen.hw.registry``): the bridge from IR to each subsystem is one
table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import IRError
from .types import IntType

__all__ = ["StreamFormat", "BLOCK_KINDS", "register_block", "block_kind", "beats_per_inference",
           "DESIGN_INPUT", "block_inputs", "input_formats", "input_fifo_depths",
           "chain_edges", "check_edges", "consumers_of"]


@dataclass(frozen=True)
class StreamFormat:
    """``lanes`` elements of type ``element`` side by side in one beat, lane 0 lowest."""

    element: IntType
    lanes: int

    def __post_init__(self):
        if not isinstance(self.lanes, int) or self.lanes < 1:
            raise IRError(f"a stream needs at least one lane, not {self.lanes!r}")

    @property
    def payload_bits(self) -> int:
        return self.element.bits * self.lanes

    def describe(self) -> dict:
        return {"element": self.element.name, "lanes": self.lanes,
                "payload_bits": self.payload_bits}


#: kind name -> parameter class
BLOCK_KINDS: dict[str, type] = {}


def register_block(kind: str):
    """Class decorator: register a block parameter class under ``kind``."""
    def decorate(cls):
        if kind in BLOCK_KINDS and BLOCK_KINDS[kind] is not cls:
            raise IRError(f"block kind {kind!r} is registered twice")
        cls.kind = kind
        BLOCK_KINDS[kind] = cls
        return cls
    return decorate


def block_kind(name: str) -> type:
    try:
        return BLOCK_KINDS[name]
    except KeyError:
        raise IRError(f"unknown block kind {name!r}; known: {', '.join(sorted(BLOCK_KINDS))}") \
            from None


def beats_per_inference(shape, fmt: StreamFormat) -> int:
    """Beats that carry one tensor of ``shape``."""
    elements = math.prod(shape)
    if elements % fmt.lanes:
        raise IRError(f"{fmt.lanes} lanes do not divide a tensor of {elements} elements")
    return elements // fmt.lanes


#: Producer index of the accelerator's own input stream in an edge list.
DESIGN_INPUT = -1


def block_inputs(block) -> int:
    """Number of input streams of ``block`` (1, or 2 for a join such as an adder)."""
    return getattr(block, "inputs", 1)


def input_formats(block) -> tuple:
    """Stream format of each input port, in port order."""
    if block_inputs(block) == 1:
        return (block.input_format,)
    return (block.input_format, block.second_input_format)


def input_fifo_depths(block) -> tuple:
    """Depth of the FIFO in front of each input port (0: none)."""
    if block_inputs(block) == 1:
        return (block.in_fifo_depth,)
    return (block.in_fifo_depth, block.in2_fifo_depth)


def chain_edges(count: int) -> tuple:
    """Edges of a chain: block ``i`` reads block ``i - 1`` (block 0 the design input)."""
    return tuple((i - 1,) for i in range(count))


def check_edges(blocks, edges) -> tuple:
    """Validate ``edges[i]`` (producer of each input port of block ``i``) and normalise it.

    Blocks are in topological order: a block reads the design input or earlier blocks;
    the last block is the design output, and every other block feeds at least one port.
    """
    edges = tuple(tuple(int(p) for p in ports) for ports in edges)
    if len(edges) != len(blocks):
        raise IRError(f"{len(edges)} edge lists for {len(blocks)} blocks")
    used = set()
    for index, (block, ports) in enumerate(zip(blocks, edges)):
        if len(ports) != block_inputs(block):
            raise IRError(f"block {block.name!r} has {block_inputs(block)} input(s) but "
                          f"{len(ports)} producer(s)")
        for port, producer in enumerate(ports):
            if not DESIGN_INPUT <= producer < index:
                raise IRError(f"block {block.name!r} reads block {producer}, which does not "
                              "come before it")
            source = blocks[producer] if producer >= 0 else None
            if source is not None:
                fmt = input_formats(block)[port]
                if (math.prod(source.output_shape) != math.prod(block.input_shape)
                        or source.output_format.element != fmt.element):
                    raise IRError(f"block {block.name!r} cannot read the output of "
                                  f"{source.name!r}")
            used.add(producer)
    unused = [blocks[i].name for i in range(len(blocks) - 1) if i not in used]
    if unused or DESIGN_INPUT not in used:
        raise IRError(f"blocks whose output nobody reads: {', '.join(unused) or 'design input'}")
    return edges


def consumers_of(edges) -> dict:
    """``{producer: [(block index, port), ...]}`` in block order."""
    table: dict = {}
    for index, ports in enumerate(edges):
        for port, producer in enumerate(ports):
            table.setdefault(producer, []).append((index, port))
    return table
