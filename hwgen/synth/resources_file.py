"""OUT/synth/resources.json: writing it, reading it, and whether it still describes OUT.

The schema is documented in docs/synthesis.md. A result is current when the Verilog hash
it recorded equals the one in manifest.json and every file it read is unchanged; otherwise
(the design was recompiled, or the shipped RTL edited) it is stale and ``hwgen report`` does
not show it as the design's figures.
"""

from __future__ import annotations

import json
from pathlib import Path

from .design_dir import MANIFEST_FILE, file_sha256

__all__ = ["SCHEMA", "RESOURCES_FILE", "LOG_FILE", "write_resources", "load_resources",
           "staleness"]

SCHEMA = "hwgen-synth-resources/1"
RESOURCES_FILE = "synth/resources.json"
LOG_FILE = "synth/synth.log"


def write_resources(out: Path, data: dict) -> Path:
    path = Path(out) / RESOURCES_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def load_resources(out) -> dict | None:
    """The synthesis result of ``out``, or None when there is none (or not of this schema)."""
    path = Path(out) / RESOURCES_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError:
        return None
    return data if data.get("schema") == SCHEMA else None


def staleness(out, data: dict, manifest: dict | None = None) -> str | None:
    """Why ``data`` no longer describes ``out`` (None: it is current)."""
    out = Path(out)
    if manifest is None:
        manifest = json.loads((out / MANIFEST_FILE).read_text())
    expected = manifest.get("files", {}).get("verilog_sha256")
    if data.get("verilog_sha256") != expected:
        return ("the design was recompiled after synthesis (the Verilog sha256 in "
                f"{RESOURCES_FILE} differs from {MANIFEST_FILE}'s)")
    for name, digest in data.get("inputs", {}).items():
        path = out / name
        if not path.exists() or file_sha256(path) != digest:
            return f"{name} changed after synthesis"
    return None
