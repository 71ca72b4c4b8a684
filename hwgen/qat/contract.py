"""The contract: the fake-quant torch model's output codes equal hwgen's golden model's.

:func:`check_contract` compiles the QONNX export with hwgen (no calibration: the input and
the output are quantized), runs hwgen's golden model (integer only) on the inputs' codes and
compares its output codes with :meth:`QatNet.output_codes` (the output quantizer's integers).
The RTL equals the golden model bit for bit (hwgen's own guarantee, checked in simulation), so
codes equal here means the trained network and the hardware compute the same integers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..compiler import compile_onnx
from ..golden import run_pipeline

__all__ = ["ContractResult", "check_contract", "golden_codes"]


@dataclass
class ContractResult:
    """Output codes of both sides and where they differ.

    Attributes
    ----------
    torch_codes, golden_codes : numpy.ndarray
        ``(N, classes)`` int64.
    design : hwgen.backend.design.Design
    """

    torch_codes: np.ndarray
    golden_codes: np.ndarray
    design: object

    @property
    def mismatches(self) -> int:
        return int(np.count_nonzero(self.torch_codes != self.golden_codes))

    @property
    def outputs(self) -> int:
        return int(self.torch_codes.size)

    @property
    def largest_difference(self) -> int:
        return int(np.abs(self.torch_codes - self.golden_codes).max(initial=0))

    def summary(self) -> str:
        return (f"{self.mismatches} of {self.outputs} output codes differ "
                f"(largest difference {self.largest_difference})")


def golden_codes(design, x) -> np.ndarray:
    """hwgen's golden output codes of the float inputs ``x`` (model layout), ``(N, -1)``."""
    out = run_pipeline(design.blocks, design.input_codes(x), edges=design.edges)
    return np.asarray(out, dtype=np.int64).reshape(len(x), -1)


def check_contract(model, onnx_path, x, *, design=None, max_macs: int | None = None
                   ) -> ContractResult:
    """Compile ``onnx_path`` (unless ``design`` is given) and compare output codes on ``x``.

    Parameters
    ----------
    model : hwgen.qat.models.QatNet
        The trained fake-quant network that was exported to ``onnx_path``.
    onnx_path : str or os.PathLike
    x : array_like
        Float inputs in the model's layout (e.g. the test split).
    design : Design, optional
        An already compiled design of ``onnx_path``.
    max_macs : int, optional
        Passed to :func:`hwgen.compiler.compile_onnx`.
    """
    if design is None:
        kwargs = {} if max_macs is None else {"max_macs": max_macs}
        design = compile_onnx(onnx_path, None, **kwargs)
    x = np.asarray(x, dtype=np.float32)
    return ContractResult(torch_codes=model.output_codes(x), golden_codes=golden_codes(design, x),
                          design=design)
