"""Frontend: float ONNX models and numpy arrays -> quantized IR graphs.

- :func:`load_onnx` / :func:`quantize_mlp`: the two entry points, both returning a
  :class:`hwgen.ir.Graph`; :func:`check_onnx` lists a model's problems without raising.
- :func:`read_onnx` and :func:`float_forward`: the float layers of a model (dense, and for CNNs
  convolution and pooling, NHWC; :class:`FloatAdd` joins two branches) and their float64
  reference forward pass; :func:`quantize_network` quantizes a CNN's float layers.
- :func:`read_qdq`: a QDQ model (onnxruntime ``quantize_static``) with its own scales.
- :func:`read_qonnx`: a QONNX model (Brevitas, FINN) of binary and ternary layers.
- :func:`load_config`: the compile configuration (CONFIG.toml, docs/config.md).
"""

from .api import check_onnx, load_onnx, quantize_mlp
from .config import FORMATS, WEIGHT_FORMATS, CompileConfig, LayerOptions, load_config
from .float.add import FloatAdd
from .float.conv_ptq import quantize_network
from .float.depthwise import FloatDepthwiseConv
from .float.layers import FloatConv, FloatPool
from .float.model import FloatDense
from .float.network import float_forward
from .float.ptq import quantize_layers
from .onnx.reader import SUPPORTED_OPS, read_onnx
from .problems import Problem
from .qdq.reader import read_qdq
from .qonnx.reader import read_qonnx

__all__ = [
    "check_onnx", "load_onnx", "quantize_mlp", "CompileConfig", "LayerOptions", "load_config",
    "FORMATS", "WEIGHT_FORMATS", "FloatDense", "float_forward", "SUPPORTED_OPS", "read_onnx",
    "Problem", "quantize_layers", "quantize_network", "FloatConv", "FloatPool", "read_qdq",
    "read_qonnx", "FloatAdd", "FloatDepthwiseConv",
]
