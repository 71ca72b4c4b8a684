"""hwgen explore on a local 2-worker Ray instance gives the serial search's result.

Skips loudly without Ray (the [ray] extra); fails instead under HWGEN_REQUIRE_RAY=1.
"""

from __future__ import annotations

import json

from hwgen.explore import explore
from tests.fixtures.explore_models import digits_mlp
from tests.fixtures.ray_required import require_ray

SMALL = {"formats": ("int8", "int4", "binary"), "population": 4, "generations": 1,
         "ladder_steps": 2, "finalists": 1, "simulate": False, "synth": False, "seed": 5}


def test_ray_search_equals_serial_search(tmp_path):
    require_ray()
    model = tmp_path / "mlp.onnx"
    calib, x, y = digits_mlp(model, validation=60)
    serial = explore(str(model), calib, x, y, tmp_path / "serial", log=lambda m: None, **SMALL)
    on_ray = explore(str(model), calib, x, y, tmp_path / "ray", workers=2, log=lambda m: None,
                     **SMALL)
    assert (serial["backend"], on_ray["backend"]) == ("serial", "ray")
    a = json.loads((tmp_path / "serial" / "pareto.json").read_text())
    b = json.loads((tmp_path / "ray" / "pareto.json").read_text())
    assert a["rows"] == b["rows"] and a["front"] == b["front"]
    assert len(a["rows"]) > 4
    assert serial["smaller_by"] == on_ray["smaller_by"]
