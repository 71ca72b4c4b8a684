"""hwgen: quantized neural networks to verified streaming FPGA hardware."""

__version__ = "0.1.0"
