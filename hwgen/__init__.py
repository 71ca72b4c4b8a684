"""hwgen: quantized neural networks to verified streaming FPGA hardware.

The Python face of the ``hwgen`` command:

- :func:`compile` turns an ONNX model (float with calibration data, QDQ or QONNX) or an IR
  graph into a :class:`Design`; :meth:`Design.save` writes what ``hwgen compile -o OUT``
  writes, and :func:`load` reads it back;
- :meth:`Design.golden` / :meth:`Design.golden_int` run the bit-accurate golden model;
- :meth:`Design.simulate` runs the Verilog on Verilator or Icarus and checks it against the
  golden model and the cycle model, as ``hwgen sim`` does (:class:`SimulationResult`).

``import hwgen`` does not import Amaranth; generating Verilog does.
"""

from .version import __version__

__all__ = ["compile", "load", "Design", "SimulationResult", "__version__"]

_PUBLIC = {"compile", "load", "Design", "SimulationResult"}


def __getattr__(name: str):
    # The public face is imported on first use, so that importing one stage
    # (``hwgen.golden``, ``hwgen.catalog``, ...) does not import every other one.
    if name in _PUBLIC:
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module 'hwgen' has no attribute {name!r}")
