"""Quantization-aware training for hwgen's hardware formats (optional extra ``[qat]``).

Brevitas (with torch, CPU build) trains the networks with fake quantization in the forward
pass, the straight-through estimator in the backward pass and float shadow weights; hwgen adds
presets that map its hardware formats to Brevitas quantizers (:mod:`hwgen.qat.presets`), TWN
and TTQ layers Brevitas lacks (:mod:`hwgen.qat.ternary`, :mod:`hwgen.qat.ste`), the digits
MLP / CNN builders (:mod:`hwgen.qat.models`), training, QONNX export and the contract check
(:mod:`hwgen.qat.contract`): the fake-quant model's output codes equal the golden model's.

It needs torch, Brevitas and onnxoptimizer: without them ``import hwgen.qat`` still works
(``missing()`` names what is absent) and any other name raises
:class:`~hwgen.qat._deps.QatDependencyError` with the install line (docs/qat.md).
"""

from ._deps import INSTALL, QatDependencyError, missing, require

__all__ = ["INSTALL", "QatDependencyError", "missing", "require", "PRESETS", "Preset", "preset",
           "QatNet", "build_mlp", "build_cnn", "float_mlp", "float_cnn", "load_float_weights",
           "train", "accuracy", "export_qonnx", "export_module_qonnx", "float_onnx",
           "check_contract", "golden_codes",
           "ContractResult", "round_ste", "sign_ste", "ternarize_ste", "TernaryLinear",
           "TernaryConv2d"]

if not missing():
    from .contract import ContractResult, check_contract, golden_codes
    from .export import export_module_qonnx, export_qonnx, float_onnx
    from .models import QatNet, build_cnn, build_mlp, float_cnn, float_mlp, load_float_weights
    from .presets import PRESETS, Preset, preset
    from .ste import round_ste, sign_ste, ternarize_ste
    from .ternary import TernaryConv2d, TernaryLinear
    from .train import accuracy, train
else:
    def __getattr__(name):
        """Without torch / Brevitas every name but the few above raises, with the fix."""
        if name in __all__:
            require()
        raise AttributeError(f"module 'hwgen.qat' has no attribute {name!r}")
