"""QONNX models (Brevitas, FINN): Quant / BipolarQuant / Trunc / MultiThreshold."""
