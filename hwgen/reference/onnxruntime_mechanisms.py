"""The mechanisms by which hwgen's golden model and onnxruntime's QDQ execution can differ.

The names under which :mod:`hwgen.reference.onnxruntime` (matrix layers and pools) and
:mod:`hwgen.reference.onnxruntime_add` (the add of two branches) count every differing
output; each module's docstring says what each one means for its layers.
"""

from __future__ import annotations

__all__ = ["MECHANISMS"]

MECHANISMS = ("float32", "tie", "double_rounding", "saturation", "add_factors", "fused_kernel",
              "bias", "unexplained")
