"""Helpers of the CLI tests: run ``hwgen`` in a subprocess, check a simulation's result.json."""

import json
import subprocess
import sys


def run_cli(*args):
    """``python -m hwgen.cli ARGS`` in a subprocess (exit code, stdout and stderr as text)."""
    return subprocess.run([sys.executable, "-m", "hwgen.cli", *map(str, args)],
                          capture_output=True, text=True)


def check_result(out, n):
    """``out/sim/result.json`` of ``n`` inferences: bit exact and every cycle as modelled."""
    result = json.loads((out / "sim/result.json").read_text())
    assert result["bit_exact"] is True and result["mismatches"] == 0
    assert result["cycles_exact"] is True and result["num_inferences"] == n
    c = result["cycles"]
    assert c["latency_rtl"] == c["latency_model"] and c["ii_rtl"] == c["ii_model"]
    return result
