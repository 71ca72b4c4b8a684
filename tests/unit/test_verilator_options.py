"""The harness's Verilator build options: -march and what it adds to the build key."""

from __future__ import annotations

import pytest

from hwgen.sim import harness
from hwgen.sim.harness import VerilatorOptions, verilator_flags


def _march(flags: list) -> list:
    return [flags[i + 1] for i, flag in enumerate(flags) if flag == "-CFLAGS"]


def test_native_is_the_default_and_the_cpu_enters_the_key(monkeypatch):
    monkeypatch.setattr(harness, "native_cpu", lambda: "cc1plus -march=rocketlake -mavx512f")
    options = VerilatorOptions()
    assert _march(verilator_flags(False, options)) == ["-march=native"]
    assert options.cpu() == "cc1plus -march=rocketlake -mavx512f"
    monkeypatch.setattr(harness, "native_cpu", lambda: "cc1plus -march=znver3")
    assert options.cpu() == "cc1plus -march=znver3"


def test_native_is_dropped_when_the_compiler_refuses_it(monkeypatch):
    monkeypatch.setattr(harness, "native_cpu", lambda: "")
    options = VerilatorOptions()
    assert _march(options.flags()) == []
    assert options.cpu() == ""


@pytest.mark.parametrize("march, expected", [("x86-64-v3", ["-march=x86-64-v3"]), ("", [])])
def test_a_named_or_no_target_does_not_ask_the_compiler(monkeypatch, march, expected):
    def refuse():
        raise AssertionError("native_cpu must not be called without march='native'")

    monkeypatch.setattr(harness, "native_cpu", refuse)
    options = VerilatorOptions(march=march)
    assert _march(options.flags()) == expected
    assert options.cpu() == ""
