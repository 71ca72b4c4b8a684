"""Synthesis and place-and-route of a compiled design with open tools from PyPI (YoWASP).

``synthesize(out, target)`` runs Yosys (and, on ECP5 / iCE40, nextpnr) over ``out``'s shipped
Verilog and writes ``out/synth/resources.json`` (per-block resources, totals, Fmax, critical
path) and ``out/synth/synth.log``. docs/synthesis.md describes the flow and the file.
"""

from .flow import synthesize
from .resources_file import RESOURCES_FILE, load_resources, staleness
from .targets import TARGETS
from .tools import Progress

__all__ = ["synthesize", "RESOURCES_FILE", "load_resources", "staleness", "TARGETS", "Progress"]
