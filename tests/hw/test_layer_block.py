# amaranth: UnusedElaboratable=no
"""The construction the table-driven layer blocks share (``LayerBlock``): the parameter record
is checked by type, and each stream carries the lanes its record names."""

import numpy as np
import pytest

from hwgen.hw.arith.depthwise_unit import DepthwiseUnit
from hwgen.hw.arith.int_mvau import IntMvau
from hwgen.hw.binary.bwn_mvau import BinaryWeightMvau
from hwgen.hw.binary.ternary_mvau import TernaryMvau
from hwgen.hw.binary.xnor_mvau import XnorMvau
from hwgen.hw.layer_block import LayerBlock
from hwgen.hw.mx.mvau import MxMvau
from hwgen.ir import IntType
from hwgen.ir.blocks.depthwise import DepthwiseParams
from tests.fixtures.depthwise_factory import depthwise_layer
from tests.fixtures.factories import random_mvau_params

BLOCKS = [IntMvau, MxMvau, BinaryWeightMvau, TernaryMvau, XnorMvau, DepthwiseUnit]


def _lane_count(member) -> int:
    return member.signature.members["payload"].shape.length


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.__name__)
def test_a_block_names_its_record_when_given_another(block):
    assert issubclass(block, LayerBlock)
    with pytest.raises(TypeError, match=f"params must be an instance of "
                                        f"{block.PARAMS.__name__}, not {{'pe': 1}}"):
        block(params={"pe": 1})


def test_an_mvau_takes_simd_lanes_in_and_pe_lanes_out():
    p = random_mvau_params(np.random.default_rng(0), mh=6, mw=12, pe=3, simd=4)
    block = IntMvau(params=p, roms=None)
    assert block.params is p and block.roms is None
    assert (_lane_count(block.i_stream), _lane_count(block.o_stream)) == (4, 3)
    assert block.i_stream.payload.shape().size == 4 * p.input_type.bits


def test_a_depthwise_unit_takes_pe_lanes_in_and_out():
    layer = depthwise_layer(0, image=(4, 3, 4), kernel=3, pe=2, input_type=IntType(4, True))
    p = DepthwiseParams.from_layer(layer)
    block = DepthwiseUnit(params=p)
    assert (_lane_count(block.i_stream), _lane_count(block.o_stream)) == (2, 2)
    assert block.i_stream.payload.shape().size == 2 * 4
