"""Design.simulate returns, and for a saved design writes, what ``hwgen sim`` does; the golden
model's outputs equal the simulated ones."""

import json

import numpy as np
import onnx
import pytest

import hwgen
from hwgen.cli import main
from tests.fixtures.onnx_builders import gemm_mlp

pytestmark = pytest.mark.cosim

#: result.json entries that measure the host, not the design.
WALL_CLOCK = ("wall_seconds", "cycles_per_second", "cycles_per_second_wall",
              "cycles_per_cpu_second")


def without_wall_clock(result: dict) -> dict:
    return {k: v for k, v in result.items() if k not in WALL_CLOCK}


def test_simulate_is_hwgen_sim(tmp_path, icarus, capsys):
    rng = np.random.default_rng(5)
    proto, _, _ = gemm_mlp(rng, [8, 6, 4])
    onnx.save(proto, tmp_path / "mlp.onnx")
    calib = rng.normal(0, 1, (100, 8)).astype(np.float32)
    x = calib[:7]
    np.save(tmp_path / "calib.npy", calib)
    np.save(tmp_path / "x.npy", x)

    assert main(["compile", str(tmp_path / "mlp.onnx"), "--calib", str(tmp_path / "calib.npy"),
                 "-o", str(tmp_path / "cli")]) == 0
    assert main(["sim", str(tmp_path / "cli"), "--inputs", str(tmp_path / "x.npy"),
                 "--simulator", "icarus"]) == 0
    capsys.readouterr()

    design = hwgen.compile(tmp_path / "mlp.onnx", calib)
    design.save(tmp_path / "api")
    sim = design.simulate(x, simulator="icarus")
    assert sim.ok and sim.result["bit_exact"] and sim.result["cycles_exact"]
    assert sim.path == tmp_path / "api" / "sim" / "result.json"
    written = json.loads(sim.path.read_text())
    assert written == json.loads(json.dumps(sim.result))
    cli = json.loads((tmp_path / "cli/sim/result.json").read_text())
    assert without_wall_clock(written) == without_wall_clock(cli)
    for name in ("outputs.npy", "outputs_int.npy"):
        np.testing.assert_array_equal(np.load(tmp_path / "api/sim" / name),
                                      np.load(tmp_path / "cli/sim" / name))
    np.testing.assert_array_equal(sim.outputs_int, np.load(tmp_path / "cli/sim/outputs_int.npy"))
    np.testing.assert_array_equal(sim.outputs, design.golden(x))
    np.testing.assert_array_equal(sim.outputs_int, design.golden_int(x))
    np.testing.assert_array_equal(sim.golden_int, sim.outputs_int)
    c = sim.result["cycles"]
    assert c["latency_rtl"] == design.latency and c["ii_rtl"] == design.ii
    assert c["total_rtl"] == design.timing(len(x)).total_cycles

    # hwgen report reads what the API wrote
    assert main(["report", str(tmp_path / "api"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["simulation"]["bit_exact"] is True
    assert report["simulation"]["num_inferences"] == len(x)

    # a loaded design simulates into its directory; an unsaved one leaves no files
    loaded = hwgen.load(tmp_path / "cli")
    again = loaded.simulate(x[:3], simulator="icarus")
    assert again.path == tmp_path / "cli/sim/result.json" and again.result["num_inferences"] == 3
    assert json.loads(again.path.read_text())["num_inferences"] == 3
    unsaved = hwgen.compile(tmp_path / "mlp.onnx", calib).simulate(x[:2], simulator="icarus")
    assert unsaved.path is None and unsaved.ok and unsaved.outputs.shape == (2, 4)
