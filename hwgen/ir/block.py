"""What every hardware block's parameters provide: :class:`Block`, stream formats, edges.

A block consumes one stream (two for a join such as an adder) and produces one. Per
inference it takes a tensor of ``input_shape`` and gives a tensor of ``output_shape``; a
tensor travels in row-major order (NHWC for images: channels fastest), ``lanes`` elements
per beat. Each block kind is a frozen dataclass subclassing :class:`Block`, named in the
block-kind catalog (:mod:`hwgen.catalog`), whose entry says where every stage implements it.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from ..errors import IRError
from .types import IntType

__all__ = ["Block", "StreamFormat", "beats_per_inference", "DESIGN_INPUT", "block_instance",
           "chain_edges",
           "check_edges", "consumers_of"]


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


class Block(ABC):
    """The contract of every block parameter class (a frozen dataclass of integers).

    Subclasses declare ``kind`` (their catalog name) and, for a join, ``inputs = 2``; as
    dataclass fields they hold ``name``, ``in_fifo_depth`` (beats of the FIFO in front of
    input port 0; 0 for none) and ``out_fifo_depth``. A block with two inputs also overrides
    :attr:`input_formats` and :attr:`input_fifo_depths`.
    """

    #: Catalog name of the kind (:mod:`hwgen.catalog`).
    kind: ClassVar[str]
    #: Number of input streams.
    inputs: ClassVar[int] = 1

    @property
    @abstractmethod
    def input_shape(self) -> tuple:
        """Shape of the tensor one inference takes on input port 0."""

    @property
    @abstractmethod
    def output_shape(self) -> tuple:
        """Shape of the tensor one inference gives."""

    @property
    @abstractmethod
    def input_format(self) -> StreamFormat:
        """Stream format of input port 0."""

    @property
    @abstractmethod
    def output_format(self) -> StreamFormat:
        """Stream format of the output."""

    @abstractmethod
    def describe(self) -> dict:
        """Facts for the manifest and the report (JSON-serialisable)."""

    @classmethod
    @abstractmethod
    def example(cls, rng) -> "Block":
        """A small, valid block of this kind drawn from ``rng`` (for the conformance suite)."""

    @property
    def input_formats(self) -> tuple:
        """Stream format of each input port, in port order."""
        return (self.input_format,)

    @property
    def input_fifo_depths(self) -> tuple:
        """Depth of the FIFO in front of each input port (0: none)."""
        return (self.in_fifo_depth,)


def beats_per_inference(shape, fmt: StreamFormat) -> int:
    """Beats that carry one tensor of ``shape``."""
    elements = math.prod(shape)
    if elements % fmt.lanes:
        raise IRError(f"{fmt.lanes} lanes do not divide a tensor of {elements} elements")
    return elements // fmt.lanes


#: Producer index of the accelerator's own input stream in an edge list.
DESIGN_INPUT = -1


def block_instance(index: int) -> str:
    """Instance name of block ``index`` inside the accelerator (and in its Verilog)."""
    return f"layer_{index}"


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
    for index, (block, ports) in enumerate(zip(blocks, edges, strict=True)):
        if len(ports) != block.inputs:
            raise IRError(f"block {block.name!r} has {block.inputs} input(s) but "
                          f"{len(ports)} producer(s)")
        for port, producer in enumerate(ports):
            if not DESIGN_INPUT <= producer < index:
                raise IRError(f"block {block.name!r} reads block {producer}, which does not "
                              "come before it")
            source = blocks[producer] if producer >= 0 else None
            if source is not None:
                fmt = block.input_formats[port]
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
