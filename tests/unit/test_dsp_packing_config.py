"""The ``dsp_packing`` key reaches the integer MVAUs, and bad values are refused."""

import pytest

from hwgen.compiler import compile_graph
from hwgen.errors import ConfigError
from hwgen.hw.arith.int_mvau import IntMvau
from hwgen.ir import IntMvauParams
from tests.fixtures.cnn_factory import small_cnn_graph


def mvaus(design):
    return {b.name: b for b in design.blocks if isinstance(b, IntMvauParams)}


def test_default_auto_and_per_layer_off():
    graph = small_cnn_graph(0)
    default = mvaus(compile_graph(graph, max_macs=16))
    assert default and all(b.dsp_packing == "auto" for b in default.values())
    first = sorted(default)[0]
    design = compile_graph(graph, {"layer": {first: {"dsp_packing": "off"}}}, max_macs=16)
    blocks = mvaus(design)
    assert blocks[first].dsp_packing == "off"
    assert IntMvau(params=blocks[first]).packed_pairs == 0
    assert all(b.dsp_packing == "auto" for name, b in blocks.items() if name != first)


def test_bad_value_is_one_clear_error():
    with pytest.raises(ConfigError, match="dsp_packing = 'yes' is not valid; valid: auto, off"):
        compile_graph(small_cnn_graph(0), {"default": {"dsp_packing": "yes"}}, max_macs=16)
