"""QDQ ONNX models (onnxruntime quantize_static) read with their own scales."""
