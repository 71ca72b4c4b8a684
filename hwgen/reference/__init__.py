"""hwgen's golden model compared with reference executors (onnxruntime, qonnx)."""
