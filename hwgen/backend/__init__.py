"""Verilog export, memory images, design file and manifest."""

from .design import DEFAULT_TOP, LoweredDesign
from .design_file import DESIGN_FILE, load_design, save_design
from .manifest import build_manifest
from .memory_images import memory_images
from .templates import render
from .writer import MANIFEST_FILE, write_design

__all__ = ["LoweredDesign", "DEFAULT_TOP", "load_design", "save_design", "DESIGN_FILE",
           "build_manifest", "memory_images", "render", "write_design", "MANIFEST_FILE"]
