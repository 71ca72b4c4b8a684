"""Ctrl-C (or SIGTERM) during ``hwgen synth`` ends Yosys too: no tool process survives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures.processes import default_sigint

from .conftest import require_yowasp

pytestmark = [pytest.mark.synth,
              pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                 reason="needs Linux /proc to find child processes")]


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, process group) of ``pid``, or None once it is gone (or a zombie)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2:].split()
    return None if fields[0] == "Z" else (int(fields[1]), int(fields[2]))


def _processes():
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            yield int(entry.name), stat


def _children(pid: int) -> list[int]:
    return [p for p, (ppid, _) in _processes() if ppid == pid]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_terminates_yosys_and_exits_130(tiny_design, sig):
    require_yowasp()
    hwgen = subprocess.Popen([sys.executable, "-m", "hwgen.cli", "synth", str(tiny_design)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=default_sigint)
    try:
        deadline = time.monotonic() + 60
        children = []
        while not children and time.monotonic() < deadline and hwgen.poll() is None:
            time.sleep(0.2)
            children = _children(hwgen.pid)
        assert children, "hwgen synth started no tool process"
        time.sleep(1.0)                       # let the tool get going
        assert hwgen.poll() is None, "synthesis ended before the interrupt"
        groups = {_stat(c)[1] for c in children if _stat(c)}
        hwgen.send_signal(sig)
        _, stderr = hwgen.communicate(timeout=60)
    finally:
        if hwgen.poll() is None:
            hwgen.kill()
    assert hwgen.returncode == 130, stderr
    assert stderr.rstrip().endswith("interrupted") and "Traceback" not in stderr
    time.sleep(0.2)
    for child in children:
        assert _stat(child) is None, f"tool process {child} survived the interrupt"
    survivors = [p for p, (_, group) in _processes() if group in groups]
    assert not survivors, f"processes of the tool's group survived: {survivors}"
    assert os.path.isdir(tiny_design)
