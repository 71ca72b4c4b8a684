"""Quantization-aware training for hwgen's hardware formats (optional extra ``[qat]``).

Brevitas (with torch, CPU build) trains the networks with fake quantization in the forward
pass, the straight-through estimator in the backward pass and float shadow weights; hwgen adds
presets that map its hardware formats to Brevitas quantizers (:mod:`hwgen.qat.presets`), TWN
and TTQ layers Brevitas lacks (:mod:`hwgen.qat.ternary`, :mod:`hwgen.qat.ste`), the digits
MLP / CNN builders (:mod:`hwgen.qat.models`), training, QONNX export and the contract check
(:mod:`hwgen.qat.contract`): the fake-quant model's output codes equal the golden model's.

Importing this package needs torch, Brevitas and onnxoptimizer; without them it raises
:class:`~hwgen.qat._deps.QatDependencyError` with the install line (docs/qat.md).
"""

from ._deps import INSTALL, QatDependencyError, require

require()

from .contract import ContractResult, check_contract, golden_codes  # noqa: E402
from .export import export_qonnx, float_onnx  # noqa: E402
from .models import (QatNet, build_cnn, build_mlp, float_cnn, float_mlp,  # noqa: E402
                     load_float_weights)
from .presets import PRESETS, Preset, preset  # noqa: E402
from .ste import round_ste, sign_ste, ternarize_ste  # noqa: E402
from .ternary import TernaryConv2d, TernaryLinear  # noqa: E402
from .train import accuracy, train  # noqa: E402

__all__ = ["INSTALL", "QatDependencyError", "PRESETS", "Preset", "preset", "QatNet",
           "build_mlp", "build_cnn", "float_mlp", "float_cnn", "load_float_weights", "train",
           "accuracy", "export_qonnx", "float_onnx", "check_contract", "golden_codes",
           "ContractResult", "round_ste", "sign_ste", "ternarize_ste", "TernaryLinear",
           "TernaryConv2d"]
