"""The two forms of a design's tables run alike: ``$readmemh`` images (shipped) and initial
values in the Verilog (what Amaranth's simulator runs): same outputs, same transfer cycles."""

import numpy as np
import pytest

from hwgen.backend import LoweredDesign
from hwgen.ir import IntType, RequantRounding, TensorQuant
from hwgen.sim.model_run import simulate_design
from tests.fixtures.factories import random_mvau_params

pytestmark = pytest.mark.cosim


def design() -> LoweredDesign:
    # Both requantization rules, so every kind of table is read: weights (registered read),
    # bias, multiplier, shifts and rounding halves (combinational reads).
    rng = np.random.default_rng(21)
    layers = (
        random_mvau_params(rng, mh=12, mw=9, pe=3, simd=3, name="fc1", relu=True),
        random_mvau_params(rng, mh=8, mw=12, pe=2, simd=4, in_bits=8, in_signed=True,
                           rounding=RequantRounding.SINGLE, name="fc2"),
        random_mvau_params(rng, mh=6, mw=8, pe=3, simd=2, in_bits=8, in_signed=True,
                           rounding=RequantRounding.SINGLE_EVEN, name="fc3"),
    )
    return LoweredDesign(name="forms", blocks=layers,
                         input_quant=TensorQuant(IntType(8, False), 1 / 255, 0),
                         output_quant=TensorQuant(IntType(8, True), 0.05, 0))


def test_image_files_and_inline_tables_give_the_same_run(simulator, tmp_path):
    d = design()
    x = np.random.default_rng(4).integers(0, 256, (30, 9))
    runs = {memories: simulate_design(d, x, work_dir=tmp_path / memories, memories=memories,
                                      simulator=simulator, log=lambda message: None)
            for memories in ("files", "inline")}
    files, inline = runs["files"], runs["inline"]
    assert sorted(p.name for p in (tmp_path / "files/mem").iterdir())        # images read
    assert not list((tmp_path / "inline/mem").iterdir())                    # none needed
    np.testing.assert_array_equal(files.outputs_int, inline.outputs_int)
    np.testing.assert_array_equal(files.outputs_int, files.golden)
    assert files.result["cycles"] == inline.result["cycles"]
    assert files.result["layers"] == inline.result["layers"]
    assert files.result["cycles_exact"] is True and inline.result["cycles_exact"] is True
