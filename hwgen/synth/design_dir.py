"""What synthesis reads from a compiled output directory: manifest, shipped Verilog, blocks.

The accelerator's Verilog (Amaranth export) has one module per elaborated instance, named by
its path: ``hwgen_top.layer_0`` for the block the manifest calls ``"instance": "layer_0"``,
``hwgen_top.in_fifo_1_0`` / ``dwc_1_0`` / ``fork_0`` for the glue the top inserts between
blocks (input FIFOs, width converters, forks). Synthesis keeps exactly these direct children
of the top as hierarchy, so each block's resources can be counted apart.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import SynthesisError

__all__ = ["DesignDir", "Block", "Glue", "read_design_dir", "file_sha256"]

MANIFEST_FILE = "manifest.json"
_MODULE = re.compile(r"^module\s+\\?(\S+?)\s*\(", re.MULTILINE)
_GLUE_TARGET = re.compile(r"_(\d+)_(\d+)$")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Block:
    """A layer block: its manifest name and kind, and its instance in the top."""

    name: str
    kind: str
    instance: str
    index: int


@dataclass(frozen=True)
class Glue:
    """A stream helper the top inserts (FIFO, width converter, fork) and the block it feeds."""

    instance: str
    feeds: str | None


@dataclass(frozen=True)
class DesignDir:
    """A compiled design as ``hwgen synth`` sees it."""

    out: Path
    manifest: dict
    top: str
    sources: tuple[str, ...]            # Verilog files, relative to ``out``
    inputs: dict                        # relative path -> sha256 of every file synthesis reads
    verilog_sha256: str                 # of the top's Verilog file, as hashed when read
    blocks: tuple[Block, ...]
    glue: tuple[Glue, ...]
    in_bits: int
    out_bits: int

    def module(self, instance: str) -> str:
        """Verilog module name of a direct child instance of the top."""
        return f"{self.top}.{instance}"

    @property
    def children(self) -> tuple[str, ...]:
        return tuple(b.instance for b in self.blocks) + tuple(g.instance for g in self.glue)


def _load_manifest(out: Path) -> dict:
    if not out.is_dir():
        raise SynthesisError(f"{out} is not a directory; run `hwgen compile MODEL -o {out}` "
                             "first")
    path = out / MANIFEST_FILE
    if not path.exists():
        raise SynthesisError(f"{path} does not exist; {out} is not a compiled design (run "
                             f"`hwgen compile MODEL -o {out}` first)")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise SynthesisError(f"{path} is not valid JSON ({error}); recompile the design") \
            from None


def _glue(children: list[str], blocks: tuple[Block, ...]) -> tuple[Glue, ...]:
    by_index = {b.index: b.name for b in blocks}
    layer_instances = {b.instance for b in blocks}
    glue = []
    for child in children:
        if child in layer_instances:
            continue
        match = _GLUE_TARGET.search(child)
        feeds = by_index.get(int(match.group(1))) if match else None
        glue.append(Glue(instance=child, feeds=feeds))
    return tuple(glue)


def read_design_dir(out) -> DesignDir:
    """Check and describe ``out``; raise :class:`SynthesisError` before any long work."""
    out = Path(out)
    manifest = _load_manifest(out)
    try:
        top = manifest["top"]
        verilog = manifest["files"]["verilog"]
        layers = manifest["layers"]
        ports = manifest["ports"]
        in_bits = ports["i_stream"]["payload_bits"]
        out_bits = ports["o_stream"]["payload_bits"]
    except (KeyError, TypeError) as error:
        raise SynthesisError(f"{out / MANIFEST_FILE} lacks {error}; it was written by another "
                             "hwgen version: recompile the design") from None
    top_file = out / verilog
    if not top_file.exists():
        raise SynthesisError(f"{top_file} does not exist: the shipped Verilog is missing from "
                             f"{out}; recompile the design")
    rtl = sorted({top_file, *(out / "rtl").glob("*.v")})
    sources = tuple(str(p.relative_to(out)) for p in rtl)
    inputs = {s: file_sha256(out / s) for s in sources}
    text = "\n".join((out / s).read_text() for s in sources)
    if "$readmem" in text:
        # the RTL loads memory images at elaboration: they are inputs too
        for path in sorted((out / "mem").glob("*")):
            inputs[str(path.relative_to(out))] = file_sha256(path)
    modules = _MODULE.findall(text)
    if top not in modules:
        raise SynthesisError(f"{top_file} has no module {top!r} (the manifest's top); "
                             "recompile the design")
    children = [m[len(top) + 1:] for m in modules
                if m.startswith(f"{top}.") and "." not in m[len(top) + 1:]]
    blocks = tuple(Block(name=layer["name"], kind=layer["kind"], instance=layer["instance"],
                         index=i) for i, layer in enumerate(layers))
    missing = [f"{b.name} ({b.instance})" for b in blocks if b.instance not in children]
    if missing:
        raise SynthesisError(f"{top_file} has no module {top}.<instance> for layer(s) "
                             f"{', '.join(missing)}; the Verilog does not match the manifest: "
                             "recompile the design")
    return DesignDir(out=out, manifest=manifest, top=top, sources=sources, inputs=inputs,
                     verilog_sha256=inputs[str(top_file.relative_to(out))],
                     blocks=blocks, glue=_glue(children, blocks), in_bits=in_bits,
                     out_bits=out_bits)
