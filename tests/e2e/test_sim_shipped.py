"""``hwgen sim OUT`` simulates exactly what was shipped: digests checked, edits refused or
compared, runs side by side, limits from the cycle model."""

import hashlib
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

import hwgen
from hwgen.backend import LoweredDesign
from hwgen.errors import CycleLimitError, ModifiedFilesError, SimulationError
from hwgen.ir import IntType, TensorQuant
from tests.fixtures.cli_helpers import run_cli
from tests.fixtures.factories import random_mvau_params
from tests.fixtures.shipped_edits import (
    flip_output_bit,
    never_output,
    small_design,
    small_inputs,
    wrap_top,
    zero_images,
)

pytestmark = pytest.mark.cosim


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """A compiled output directory, simulated once (the Verilator build is then cached)."""
    base = tmp_path_factory.mktemp("shipped")
    design = hwgen.Design(small_design())
    design.save(base / "out")
    np.save(base / "x.npy", small_inputs())
    return base


@pytest.fixture
def out(shipped, tmp_path, verilator):
    copy = tmp_path / "out"
    shutil.copytree(shipped / "out", copy)
    return copy


@pytest.fixture
def x_file(shipped):
    return shipped / "x.npy"


def result_of(out):
    return json.loads((out / "sim/result.json").read_text())


def test_a_clean_run_records_the_design_digest_and_leaves_no_run_directory(out, x_file):
    done = run_cli("sim", out, "--inputs", x_file)
    assert done.returncode == 0, done.stderr
    result = result_of(out)
    assert result["bit_exact"] and result["cycles_exact"] is True
    digest = hashlib.sha256((out / "manifest.json").read_bytes()).hexdigest()
    assert result["design_sha256"] == digest and result["modified_files"] == []
    assert not list((out / "sim").glob("run-*"))
    assert np.load(out / "sim/outputs_int.npy").shape == (40, 5)


def test_an_edited_verilog_file_is_refused_by_name(out, x_file):
    flip_output_bit(out)
    done = run_cli("sim", out, "--inputs", x_file)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "rtl/hwgen_top.v" in done.stderr and "--allow-modified" in done.stderr
    assert not (out / "sim/result.json").exists()


def test_an_output_changing_edit_is_simulated_and_fails_with_the_flag(out, x_file):
    flip_output_bit(out)
    done = run_cli("sim", out, "--inputs", x_file, "--allow-modified")
    assert done.returncode == 1, done.stderr
    result = result_of(out)
    assert result["bit_exact"] is False and result["mismatches"] > 0
    assert result["modified_files"] == ["rtl/hwgen_top.v"]
    assert "rtl/hwgen_top.v" in done.stdout
    kept = out / "sim" / result["run_dir"]          # a failed run keeps its files
    assert (kept / "rtl/hwgen_top.v").read_text() == (out / "rtl/hwgen_top.v").read_text()


def test_an_edit_that_keeps_the_behaviour_passes_with_the_flag(out, x_file):
    wrap_top(out, "  assign o_stream__payload = o_stream__payload_inner;\n"
                  "  assign o_stream__valid = o_stream__valid_inner;")
    done = run_cli("sim", out, "--inputs", x_file, "--allow-modified")
    assert done.returncode == 0, done.stderr
    result = result_of(out)
    assert result["bit_exact"] and result["modified_files"] == ["rtl/hwgen_top.v"]


def test_zeroed_memory_images_are_refused_or_mismatch(out, x_file):
    images = zero_images(out)
    assert images
    done = run_cli("sim", out, "--inputs", x_file)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"mem/{images[0].name}" in done.stderr
    done = run_cli("sim", out, "--inputs", x_file, "--allow-modified")
    assert done.returncode == 1, done.stderr
    result = result_of(out)
    assert result["bit_exact"] is False and result["mismatches"] > 0
    assert sorted(result["modified_files"]) == sorted(f"mem/{p.name}" for p in images)


def test_the_design_file_is_never_simulated_modified(out, x_file):
    data = bytearray((out / "design.npz").read_bytes())
    data[-10] ^= 0xFF
    (out / "design.npz").write_bytes(bytes(data))
    for flags in ((), ("--allow-modified",)):
        done = run_cli("sim", out, "--inputs", x_file, *flags)
        assert done.returncode == 2 and "design.npz" in done.stderr, done.stderr


def test_a_missing_image_is_refused(out, x_file):
    (out / "mem/layer0_weights.memh").unlink()
    with pytest.raises(ModifiedFilesError, match="mem/layer0_weights.memh"):
        hwgen.load(out).simulate(small_inputs(), allow_modified=True, log=lambda m: None)


def test_two_runs_on_one_output_directory_both_end_correctly(out, shipped):
    small, large = shipped / "x3.npy", shipped / "x20000.npy"
    np.save(small, small_inputs(3, seed=5))
    np.save(large, small_inputs(20_000, seed=6))
    command = [sys.executable, "-m", "hwgen.cli", "sim", str(out), "--inputs"]
    runs = [subprocess.Popen(command + [str(path)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
            for path in (large, small, large)]
    for run in runs:
        stdout, stderr = run.communicate(timeout=600)
        assert run.returncode == 0, stderr
        assert "bit exact True" in stdout
    result = result_of(out)                 # the last run to finish; its outputs beside it
    assert result["bit_exact"] and result["num_inferences"] in (3, 20_000)
    assert len(np.load(out / "sim/outputs_int.npy")) == result["num_inferences"]
    assert not list((out / "sim").glob("run-*"))


def test_a_run_past_max_cycles_stops_with_both_cycle_counts(out, x_file):
    done = run_cli("sim", out, "--inputs", x_file, "--max-cycles", "100")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "stopped at cycle 100 " in done.stderr and "limit of 100 cycles" in done.stderr
    expected = hwgen.load(out).timing(40).out_beats[-1] + 1
    assert f"expects {expected:,}" in done.stderr


def test_a_stuck_design_stops_at_the_derived_watchdog(out):
    never_output(out)
    design = hwgen.load(out)
    with pytest.raises(CycleLimitError, match="no output beat for") as caught:
        design.simulate(small_inputs(4), allow_modified=True, log=lambda m: None)
    gap = design.timing(4).out_beats[0] + 1
    assert f"longest wait for one is {gap:,} cycles" in str(caught.value)
    assert f"no output beat for {2 * gap + 10_000:,} cycles" in str(caught.value)


def test_a_first_output_after_more_than_100k_cycles_is_not_a_timeout(tmp_path, verilator):
    # 120,000 cycles before the second layer has its whole input vector: a fixed 100,000-cycle
    # watchdog stopped runs like CNV's; the limits come from the cycle model.
    rng = np.random.default_rng(3)
    layers = (random_mvau_params(rng, mh=400, mw=300, pe=1, simd=1, name="slow", relu=True),
              random_mvau_params(rng, mh=4, mw=400, pe=4, simd=400, in_bits=8,
                                 in_signed=True, name="wide"))
    lowered = LoweredDesign(name="slow", blocks=layers,
                            input_quant=TensorQuant(IntType(8, False), 1 / 255, 0),
                            output_quant=TensorQuant(IntType(8, True), 0.05, 0))
    design = hwgen.Design(lowered)
    assert design.timing(1).out_beats[0] > 100_000
    design.save(tmp_path / "out")
    sim = design.simulate(np.random.default_rng(0).integers(0, 256, (1, 300)),
                          log=lambda m: None)
    assert sim.ok and sim.result["simulated_cycles"] > 100_000


def test_a_top_named_like_the_harness_is_refused_before_building(tmp_path, monkeypatch):
    monkeypatch.setenv("HWGEN_CACHE", str(tmp_path / "cache"))
    design = hwgen.Design(small_design(top="hwgen_harness"))
    design.save(tmp_path / "out")
    with pytest.raises(SimulationError, match="'hwgen_harness'.*--top"):
        design.simulate(small_inputs(2), log=lambda m: None)
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())
