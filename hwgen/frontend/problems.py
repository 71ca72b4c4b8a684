"""A problem found in an input model, and the error that lists several of them at once."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ModelError

__all__ = ["Problem", "raise_problems"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a model.

    Attributes
    ----------
    node : str or None
        Name of the ONNX node (or tensor) at fault; None for the model as a whole.
    op_type : str or None
        Its operator type (``"Gemm"``, ...), None for a tensor or the model.
    message : str
        What is wrong and what to do.
    """

    node: str | None
    op_type: str | None
    message: str

    def __str__(self) -> str:
        if self.node is None:
            return self.message
        if self.op_type is None:
            return f"{self.node!r}: {self.message}"
        return f"node {self.node!r} ({self.op_type}): {self.message}"


def raise_problems(problems, source: str) -> None:
    """Raise one :class:`ModelError` listing every problem, if there are any."""
    problems = list(problems)
    if not problems:
        return
    if len(problems) == 1:
        raise ModelError(f"{source}: {problems[0]}")
    lines = "\n  - ".join(str(p) for p in problems)
    raise ModelError(f"{source} has {len(problems)} problems:\n  - {lines}")
