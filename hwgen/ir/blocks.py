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

__all__ = ["StreamFormat", "BLOCK_KINDS", "register_block", "block_kind", "beats_per_inference"]


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
