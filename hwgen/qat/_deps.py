"""The optional dependencies of :mod:`hwgen.qat` (torch, Brevitas), checked once, loudly."""

from __future__ import annotations

import importlib.util

from ..errors import HwgenError

__all__ = ["INSTALL", "QatDependencyError", "missing", "require"]

#: What to run when torch or Brevitas is missing (the CPU build of torch first: an unpinned
#: ``pip install torch`` pulls a multi-GB CUDA build).
INSTALL = "pip install torch==2.13.0 && pip install -e '.[qat]'"

_MODULES = ("torch", "brevitas", "onnxoptimizer")


class QatDependencyError(HwgenError, ImportError):
    """torch, Brevitas or onnxoptimizer (Brevitas' QONNX export needs it) is not installed."""


def missing() -> list[str]:
    """Names of the modules :mod:`hwgen.qat` needs that are not installed."""
    return [name for name in _MODULES if importlib.util.find_spec(name) is None]


def require() -> None:
    """Raise :class:`QatDependencyError` naming every missing module and the install line."""
    names = missing()
    if names:
        raise QatDependencyError(f"hwgen.qat needs {', '.join(names)}, which "
                                 f"{'is' if len(names) == 1 else 'are'} not installed; "
                                 f"run: {INSTALL}")
