"""Ctrl-C (SIGINT) or SIGTERM during ``hwgen sim`` (finding 6): "interrupted", exit 130, and
no child survives: not Verilator, make or the C++ compiler of a build, not the simulation
binary or vvp of a run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import pytest

from hwgen.cli import main
from tests.fixtures.onnx_builders import gemm_mlp
from tests.fixtures.processes import default_sigint, descendants, survivors

pytestmark = [pytest.mark.cosim,
              pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                 reason="needs Linux /proc to find child processes")]


@pytest.fixture
def compiled(tmp_path):
    rng = np.random.default_rng(6)
    proto, _, _ = gemm_mlp(rng, [12, 16, 6])
    onnx.save(proto, tmp_path / "mlp.onnx")
    np.save(tmp_path / "calib.npy", rng.normal(0, 1, (100, 12)).astype(np.float32))
    np.save(tmp_path / "many.npy", rng.normal(0, 1, (20000, 12)).astype(np.float32))
    assert main(["compile", str(tmp_path / "mlp.onnx"), "--calib", str(tmp_path / "calib.npy"),
                 "-o", str(tmp_path / "out")]) == 0
    return tmp_path


def _interrupt_while(hwgen, busy, sig, timeout=240):
    """Wait until a descendant of ``hwgen`` runs ``busy``; signal hwgen; return what ran."""
    seen, deadline = {}, time.monotonic() + timeout
    while time.monotonic() < deadline and hwgen.poll() is None:
        seen.update(descendants(hwgen.pid))
        if any(busy in command for _, command in seen.values()):
            break
        time.sleep(0.1)
    assert hwgen.poll() is None, "hwgen finished before the interrupt"
    assert any(busy in command for _, command in seen.values()), \
        f"no {busy} process started: {seen}"
    time.sleep(1.0)                           # let it get going
    seen.update(descendants(hwgen.pid))
    hwgen.send_signal(sig)
    return seen


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("simulator, busy", [("verilator", "verilator"), ("icarus", "vvp")],
                         ids=["verilator-build", "icarus-run"])
def test_interrupt_ends_every_child(compiled, tmp_path, simulator, busy, sig):
    if simulator == "verilator":
        from hwgen.sim.toolchain import ensure_verilator
        ensure_verilator()
    else:
        from tests.conftest import require_simulator
        require_simulator("icarus")
    # a cache of its own: the Verilator model must be built, not found
    env = {**os.environ, "HWGEN_CACHE": str(tmp_path / "cache")}
    hwgen = subprocess.Popen([sys.executable, "-m", "hwgen.cli", "sim", str(compiled / "out"),
                              "--inputs", str(compiled / "many.npy"), "--simulator",
                              simulator], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env, preexec_fn=default_sigint)
    try:
        seen = _interrupt_while(hwgen, busy, sig)
        _, stderr = hwgen.communicate(timeout=60)
    finally:
        if hwgen.poll() is None:
            hwgen.kill()
    assert hwgen.returncode == 130, stderr
    assert stderr.rstrip().endswith("hwgen sim: interrupted") and "Traceback" not in stderr
    time.sleep(0.2)
    groups = {group for group, _ in seen.values()} - {os.getpgid(0)}
    left = survivors(seen, groups)
    assert not left, f"processes survived the interrupt: {[seen.get(p, p) for p in left]}"
