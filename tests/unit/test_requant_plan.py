"""Which requantizer an integer MVAU gets (hwgen.ir.blocks.int_mvau.requant_plan).

Worked out by hand: a fold's PE accumulators arrive once every SF cycles; a lane of two
multipliers takes one a cycle, a serial lane (both pieces on one multiplier) one every two
cycles. The plan with fewer multipliers wins, parallel on a tie.
"""

from __future__ import annotations

import pytest

from hwgen.ir.blocks.int_mvau import requant_plan


@pytest.mark.parametrize("pe, sf, plan, multipliers", [
    (2, 1, (2, 1, False), 4),     # SF = 1: a lane per PE, every cycle (CNN conv1)
    (2, 2, (1, 2, False), 2),     # serial needs 2 lanes for 2 in 2 cycles: a tie (MLP fc1)
    (2, 4, (1, 2, True), 1),      # 2 accumulators x 2 pieces in 4 cycles (MLP fc2)
    (5, 32, (1, 5, True), 1),     # 10 cycles of 32 (MLP fc3)
    (8, 9, (1, 8, False), 2),     # 16 pieces in 9 cycles: two serial lanes, a tie (CNN conv2)
    (10, 256, (1, 10, True), 1),  # CNN fc
    (8, 6, (3, 3, True), 3),      # parallel: 2 lanes (4 multipliers); serial: 3 lanes of 3
    (1, 3, (1, 1, True), 1),      # one PE, SF 3: its lane's two pieces on one multiplier
    (3, 5, (1, 3, False), 2),     # serial: ceil(3 / 2) = 2 lanes, a tie
    (3, 6, (1, 3, True), 1),      # 3 rounds of 2 cycles in 6
])
def test_fewer_multipliers_wins(pe, sf, plan, multipliers):
    units, rounds, serial = requant_plan(pe, sf, 20)
    assert (units, rounds, serial) == plan
    assert units * (1 if serial else 2) == multipliers
    assert rounds * (2 if serial else 1) <= sf or (sf == 1 and rounds == 1)


def test_serial_needs_the_split_multiply():
    # A 28-bit accumulator is multiplied whole (no pieces to take in turn).
    assert requant_plan(5, 32, 27) == (1, 5, True)
    assert requant_plan(5, 32, 28) == (1, 5, False)
