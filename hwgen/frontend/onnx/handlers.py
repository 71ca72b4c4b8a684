"""Operator handlers, registered with a decorator: one signature for every model walker.

The three walkers (the float ONNX reader :class:`~hwgen.frontend.onnx.conv_reader.ConvReader`,
the QDQ reader and the QONNX reader) subclass :class:`OpWalker` and mark their handler methods
with :func:`handles`::

    class Reader(OpWalker):
        @handles("Gemm")
        def gemm(self, node, inputs): ...

Every handler takes ``(self, node, inputs)``: the ONNX ``NodeProto`` and the positions of its
inputs that carry the activation, one for most operators, two for an ``Add`` that joins two
branches (``joins=True``: the walker calls no other handler with more than one).

A class's :attr:`OpWalker.handlers` maps each op type to its handler: those of its bases, then
its own (a method decorated for an op type a base handles replaces the base's; an undecorated
method of the same name is an error, so that an override cannot silently stop being called).
:attr:`OpWalker.refused` drops inherited op types. :meth:`OpWalker.supported_ops` lists them in
that order: the operators the walker reads, named by its "unsupported op" messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

__all__ = ["Handler", "OpWalker", "handles"]

_MARK = "_hwgen_handles"


@dataclass(frozen=True)
class Handler:
    """A registered handler: the function ``(walker, node, inputs)`` and whether it takes the
    join of several activations."""

    function: Callable
    joins: bool = False

    def __call__(self, walker, node, inputs: tuple) -> None:
        self.function(walker, node, inputs)


def handles(*op_types: str, joins: bool = False):
    """Mark a method of an :class:`OpWalker` subclass as the handler of ``op_types``.

    Parameters
    ----------
    *op_types : str
        ONNX operator types (``"Gemm"``, ...), in the order the walker lists them.
    joins : bool
        The handler also takes nodes that read two activations (an Add of two branches).
    """
    if not op_types or not all(isinstance(op, str) and op for op in op_types):
        raise TypeError(f"handles() needs operator type names, not {op_types!r}")

    def mark(function):
        setattr(function, _MARK, (op_types, joins))
        return function

    return mark


class OpWalker:
    """Base of the model walkers: the handler registry and the dispatch of a node to it."""

    #: Operator domains whose nodes the handlers take (the default domain here).
    DOMAINS: tuple = ("", "ai.onnx")
    #: op type -> :class:`Handler`, built from the decorated methods (see the module docstring).
    handlers: dict = {}
    #: Op types a subclass stops handling (set in the class body; not inherited).
    refused: tuple = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        handlers: dict = {}
        for base in cls.__bases__:
            for op, handler in getattr(base, "handlers", {}).items():
                handlers.setdefault(op, handler)
        inherited = {h.function.__name__ for h in handlers.values()}
        for name, value in vars(cls).items():
            mark = getattr(value, _MARK, None)
            if mark is None:
                if name in inherited:
                    raise TypeError(f"{cls.__name__}.{name} replaces a handler without "
                                    "@handles(...); decorate it with the op types it handles")
                continue
            op_types, joins = mark
            for op in op_types:
                handlers[op] = Handler(value, joins)
        for op in vars(cls).get("refused", ()):
            if op not in handlers:
                raise TypeError(f"{cls.__name__} refuses {op!r}, which no base handles")
            del handlers[op]
        cls.handlers = handlers

    @classmethod
    def supported_ops(cls) -> tuple:
        """The op types this walker reads, in registration order."""
        return tuple(cls.handlers)

    def handler_for(self, node) -> Handler | None:
        """The handler of ``node``, or None for an op type or domain the walker does not read."""
        if node.domain not in self.DOMAINS:
            return None
        return self.handlers.get(node.op_type)
