"""The ECP5 DSP register rewrite on small hand-made Yosys JSON netlists (pure Python).

Each netlist is one module: a MULT18X18D and the flip-flops around it, with the bits numbered
by hand (2 = clock, 3 = reset, 4 = enable, 5 = a second clock). The rewrite either absorbs a
register (the cell's REG_* parameter, its CLK0 / CE0 / RST0, the rewired pins, the flip-flop
bits removed or kept) or refuses and leaves the module exactly as it was.
"""

from __future__ import annotations

import copy

import pytest

from hwgen.synth.ecp5_dsp_registers import absorb_dsp_registers, absorb_module

CLK, RST, EN, CLK2 = 2, 3, 4, 5


def _w(n: int) -> str:
    return format(n, "032b")


def _ff(kind: str, d, q, *, clk=CLK, rst=RST, en=EN, srst_value=None, polarity="1"):
    width = len(d)
    params = {"CLK_POLARITY": polarity, "WIDTH": _w(width)}
    conns = {"CLK": [clk], "D": list(d), "Q": list(q)}
    if "e" in kind[2:]:
        params["EN_POLARITY"] = "1"
        conns["EN"] = [en]
    if kind.startswith("$sdff"):
        params["SRST_POLARITY"] = "1"
        params["SRST_VALUE"] = srst_value or "0" * width
        conns["SRST"] = [rst]
    return {"type": kind, "parameters": params, "attributes": {}, "connections": conns}


def _dsp(a, b, p):
    conns = {f"A{i}": [a[i]] for i in range(18)} | {f"B{i}": [b[i]] for i in range(18)}
    conns |= {f"P{i}": [p[i]] for i in range(36)}
    conns |= {f"C{i}": ["0"] for i in range(18)}
    conns |= {"SIGNEDA": ["1"], "SIGNEDB": ["1"], "SOURCEA": ["0"], "SOURCEB": ["0"]}
    return {"type": "MULT18X18D", "parameters": {}, "attributes": {}, "connections": conns}


class Bits:
    """Fresh bit numbers from 10 up."""

    def __init__(self):
        self.next = 10

    def __call__(self, n: int) -> list[int]:
        self.next += n
        return list(range(self.next - n, self.next))


def _module(cells: dict, outputs: dict, inputs: dict | None = None, netnames=None) -> dict:
    ports = {"clk": {"direction": "input", "bits": [CLK]},
             "rst": {"direction": "input", "bits": [RST]},
             "en": {"direction": "input", "bits": [EN]},
             "clk2": {"direction": "input", "bits": [CLK2]}}
    ports |= {name: {"direction": "input", "bits": bits} for name, bits in (inputs or {}).items()}
    ports |= {name: {"direction": "output", "bits": bits} for name, bits in outputs.items()}
    return {"attributes": {}, "ports": ports, "cells": cells, "netnames": netnames or {}}


def _product_design(bits: Bits, kind="$sdff", **ff):
    """A x B from input ports (no operand registers), P[15:0] into one flip-flop cell."""
    a, b, p, q = bits(18), bits(18), bits(36), bits(16)
    cells = {"mul": _dsp(a, b, p), "ff": _ff(kind, p[:16], q, **ff)}
    return _module(cells, {"y": q}, {"a": a, "b": b}), a, b, p, q


def _unchanged(module) -> None:
    before = copy.deepcopy(module)
    counts = absorb_module(module)
    assert counts == {"cells": 1, "input_a": 0, "input_b": 0, "output": 0}
    assert module == before


def test_output_register_is_absorbed():
    module, _, _, p, q = _product_design(Bits())
    assert absorb_module(module) == {"cells": 1, "input_a": 0, "input_b": 0, "output": 1}
    dsp = module["cells"]["mul"]
    assert dsp["parameters"]["REG_OUTPUT_CLK"] == "CLK0"
    assert dsp["parameters"]["REG_OUTPUT_CE"] == "CE0"
    assert dsp["parameters"]["REG_OUTPUT_RST"] == "RST0"
    assert dsp["parameters"]["RESETMODE"] == "SYNC"
    assert (dsp["connections"]["CLK0"], dsp["connections"]["CE0"],
            dsp["connections"]["RST0"]) == ([CLK], ["1"], [RST])
    # the P pins drive the flip-flops' Q nets; the unused P bits stay as they were
    assert [dsp["connections"][f"P{i}"][0] for i in range(16)] == q
    assert [dsp["connections"][f"P{i}"][0] for i in range(16, 36)] == p[16:]
    assert "ff" not in module["cells"]
    assert "REG_INPUTA_CLK" not in dsp["parameters"]


def test_output_register_with_enable_maps_ce():
    module, *_ = _product_design(Bits(), "$sdffe")
    assert absorb_module(module)["output"] == 1
    assert module["cells"]["mul"]["connections"]["CE0"] == [EN]


def test_output_register_without_reset_ties_rst_low():
    module, *_ = _product_design(Bits(), "$dff")
    assert absorb_module(module)["output"] == 1
    assert module["cells"]["mul"]["connections"]["RST0"] == ["0"]


@pytest.mark.parametrize("case", ["reset_value", "falling_clock", "sdffce", "adff"])
def test_output_register_with_other_semantics_is_refused(case):
    bits = Bits()
    if case == "reset_value":
        module, *_ = _product_design(bits, srst_value="0" * 15 + "1")
    elif case == "falling_clock":
        module, *_ = _product_design(bits, polarity="0")
    elif case == "sdffce":      # the reset waits for the enable: the DSP's reset does not
        module, *_ = _product_design(bits, "$sdffce")
    else:                       # asynchronous reset
        module, _, _, p, q = _product_design(bits)
        cell = module["cells"]["ff"]
        cell["type"] = "$adff"
        cell["connections"]["ARST"] = cell["connections"].pop("SRST")
    _unchanged(module)


def test_nonzero_init_is_refused():
    module, _, _, _, q = _product_design(Bits())
    module["netnames"]["y"] = {"bits": q, "attributes": {"init": "0" * 15 + "1"}}
    _unchanged(module)


def test_zero_init_is_absorbed_and_cleared():
    module, _, _, _, q = _product_design(Bits())
    module["netnames"]["y"] = {"bits": q, "attributes": {"init": "0" * 16}}
    assert absorb_module(module)["output"] == 1
    assert "init" not in module["netnames"]["y"]["attributes"]


def test_p_bit_with_another_load_is_refused():
    bits = Bits()
    module, _, _, p, _ = _product_design(bits)
    module["ports"]["tap"] = {"direction": "output", "bits": [p[3]]}
    _unchanged(module)


def test_p_bits_into_two_clocks_are_refused():
    bits = Bits()
    a, b, p, q1, q2 = bits(18), bits(18), bits(36), bits(8), bits(8)
    cells = {"mul": _dsp(a, b, p), "ff1": _ff("$sdff", p[:8], q1),
             "ff2": _ff("$sdff", p[8:16], q2, clk=CLK2)}
    _unchanged(_module(cells, {"y1": q1, "y2": q2}, {"a": a, "b": b}))


def test_a_flip_flop_shared_with_other_bits_keeps_them():
    bits = Bits()
    a, b, p, q, other_d, other_q = bits(18), bits(18), bits(36), bits(16), bits(2), bits(2)
    # one 18-bit cell: P[15:0] and two unrelated bits with reset value 1 (MSB first: "11")
    cells = {"mul": _dsp(a, b, p),
             "ff": _ff("$sdff", p[:16] + other_d, q + other_q, srst_value="11" + "0" * 16)}
    module = _module(cells, {"y": q, "z": other_q}, {"a": a, "b": b, "d": other_d})
    assert absorb_module(module)["output"] == 1
    ff = module["cells"]["ff"]
    assert ff["connections"]["D"] == other_d and ff["connections"]["Q"] == other_q
    assert ff["parameters"]["WIDTH"] == _w(2) and ff["parameters"]["SRST_VALUE"] == "11"


def _operand_design(bits: Bits, *, a_source=None, b_const="0", b_reset=RST):
    """A from an 8-bit operand register (sign-extended from its top bit), B from a 6-bit one
    (zero-padded with ``b_const``), P unregistered into the output port."""
    d, q, db, qb, p = bits(8), bits(8), bits(6), bits(6), bits(36)
    a = q + [q[7]] * 10
    cells = {"mul": _dsp(a, qb + [b_const] * 12, p), "opa": _ff("$sdff", d, q),
             "opb": _ff("$sdff", db, qb, rst=b_reset)}
    inputs = {"db": db}
    if a_source is None:
        inputs["d"] = d
    else:
        cells["src"] = a_source(d)
    return _module(cells, {"p": p}, inputs), d, q, db


def test_operand_registers_are_absorbed_and_the_flip_flops_kept():
    module, d, q, db = _operand_design(Bits())
    assert absorb_module(module) == {"cells": 1, "input_a": 1, "input_b": 1, "output": 0}
    dsp = module["cells"]["mul"]
    assert [dsp["connections"][f"A{i}"][0] for i in range(18)] == d + [d[7]] * 10
    assert [dsp["connections"][f"B{i}"][0] for i in range(18)] == db + ["0"] * 12
    assert dsp["parameters"]["REG_INPUTA_CLK"] == dsp["parameters"]["REG_INPUTB_CLK"] == "CLK0"
    assert dsp["connections"]["RST0"] == [RST]
    # the flip-flop stays for any other load (Yosys's opt_clean drops it when it has none)
    assert module["cells"]["opa"]["connections"]["Q"] == q


def test_one_operand_register_alone_is_not_absorbed():
    module, *_ = _operand_design(Bits())
    # B from an input port instead of its register: nextpnr would time A as unregistered
    module["cells"]["mul"]["connections"]["B0"] = [CLK2]
    _unchanged(module)


def test_operand_register_after_a_memory_stays_in_the_fabric():
    def memory(d):
        return {"type": "$mem_v2", "parameters": {}, "attributes": {},
                "port_directions": {"RD_DATA": "output", "RD_ADDR": "input"},
                "connections": {"RD_DATA": d, "RD_ADDR": [CLK2]}}
    module, *_ = _operand_design(Bits(), a_source=memory)
    _unchanged(module)


def test_constant_one_pin_refuses_the_port():
    module, *_ = _operand_design(Bits(), b_const="1")
    _unchanged(module)


def test_operands_of_different_resets_are_refused():
    module, *_ = _operand_design(Bits(), b_reset=EN)
    _unchanged(module)


def test_operand_and_product_registers_of_different_resets_keep_one():
    bits = Bits()
    module, *_ = _operand_design(bits, b_reset=RST)
    p = [module["cells"]["mul"]["connections"][f"P{i}"][0] for i in range(36)]
    qp = bits(16)
    module["cells"]["ff"] = _ff("$sdff", p[:16], qp, rst=EN)
    del module["ports"]["p"]
    module["ports"]["y"] = {"direction": "output", "bits": qp}
    assert absorb_module(module) == {"cells": 1, "input_a": 0, "input_b": 0, "output": 1}


def test_product_register_feeding_another_multiplier_is_taken_once():
    bits = Bits()
    a, b, p1, q, b2, p2 = bits(18), bits(18), bits(36), bits(18), bits(18), bits(36)
    cells = {"m1": _dsp(a, b, p1), "ff": _ff("$sdff", p1[:18], q), "m2": _dsp(q, b2, p2)}
    module = _module(cells, {"y": p2}, {"a": a, "b": b, "b2": b2})
    counts = absorb_dsp_registers({"modules": {"top": module}})
    assert counts == {"top": {"cells": 2, "input_a": 0, "input_b": 0, "output": 1}}
    # m1's P now drives q, which m2 still reads unregistered
    assert [module["cells"]["m1"]["connections"][f"P{i}"][0] for i in range(18)] == q
    assert [module["cells"]["m2"]["connections"][f"A{i}"][0] for i in range(18)] == q
    assert "REG_INPUTA_CLK" not in module["cells"]["m2"]["parameters"]
