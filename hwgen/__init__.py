"""hwgen: quantized neural networks to verified streaming FPGA hardware."""

from .version import __version__

__all__ = ["__version__"]
