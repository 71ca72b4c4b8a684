"""Build directories are keyed by their sources and by the environment that builds them."""

import sys

from hwgen.sim import build_cache
from hwgen.sim.build_cache import build_key, build_slot


def test_key_depends_on_every_part_and_its_boundaries():
    assert build_key("a", "b") == build_key("a", "b")
    assert build_key("a", "b") != build_key("b", "a")
    assert build_key("ab", "") != build_key("a", "b")


def test_key_depends_on_the_interpreter(monkeypatch):
    """Builds hold absolute paths into the virtualenv: another venv must not reuse them."""
    before = build_key("verilog")
    monkeypatch.setattr(build_cache.sys, "executable", sys.executable + "-other")
    assert build_key("verilog") != before


def test_failed_build_is_wiped(tmp_path):
    try:
        with build_slot("kind", "k", root=tmp_path) as slot:
            (slot.path / "half-built").write_text("x")
            raise RuntimeError("compiler crashed")
    except RuntimeError:
        pass
    assert not (tmp_path / "kind-k").exists()
    with build_slot("kind", "k", root=tmp_path) as slot:
        slot.mark_ready()
    with build_slot("kind", "k", root=tmp_path) as slot:
        assert slot.ready


def test_a_relative_cache_is_made_absolute(tmp_path, monkeypatch):
    """Simulators run in their own directories and find their executables through it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HWGEN_CACHE", "relative/cache")
    assert build_cache.cache_root() == tmp_path / "relative" / "cache"
