"""ECP5 DSP register absorption: fabric flip-flops around a MULT18X18D become its registers.

Yosys's ``synth_ecp5`` maps every multiply to MULT18X18D cells with all ``REG_*`` parameters
``"NONE"`` (``share/lattice/dsp_map_18x18.v``), so each product pays fabric-to-DSP and
DSP-to-fabric routing (3-4 ns each) around the multiplier's 3.1 ns. This module rewrites the
design between ``synth_ecp5 -run :map_ram`` and ``-run map_ram:`` (Yosys JSON, still coarse:
flip-flops are ``$dff`` / ``$dffe`` / ``$sdff`` / ``$sdffe`` cells), the way ``xilinx_dsp`` does
for DSP48:

* **output**: when every used P bit drives exactly one thing, the D of one flip-flop bit,
  and those flip-flops share one control set, the P pins take over the flip-flops' Q nets,
  the bits leave their flip-flop cells, and the cell gets ``REG_OUTPUT_CLK = "CLK0"``;
* **input A and B**: when every non-constant pin of both ports is the Q of a flip-flop bit of
  one control set, the pins are connected to those bits' D instead and both ports get
  ``REG_INPUTx_CLK = "CLK0"``; the flip-flops stay for their other loads (``opt_clean`` drops
  them when there are none). One port alone is not absorbed: nextpnr-ecp5 times a cell with
  mixed input register modes as if neither input were registered, so the flip-flop's input
  logic would land in front of the multiply in its timing model. Not when a D bit comes from
  a memory read port: a block RAM's 4.3 ns clock-to-output would then be followed by the
  fabric-to-DSP route in one cycle, so the register after a memory stays in the fabric (an
  extra operand register after it is absorbed).

The semantics relied on (Lattice's MULT18X18D simulation model, FPGA-TN-02205 "ECP5 and
ECP5-5G sysDSP Usage Guide"): with ``RESETMODE = "SYNC"`` each register updates on the rising
edge of its clock, is cleared to 0 when its RST is high (whatever its CE), else loads when its
CE is high; GSR clears it at configuration. So a flip-flop maps only if it is clocked on the
rising edge, its enable and reset are active high, its reset value and its initial value are 0
(or undefined), and a reset is synchronous and wins over the enable (``$sdffe``, not
``$sdffce``). A constant pin stays constant only if it is 0 (a registered constant 1 would
read 0 after reset). All the registers absorbed into one cell share CLK0 / CE0 / RST0: a second
control set on the same cell is refused. Nothing else about the cell changes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

__all__ = ["absorb_dsp_registers", "DSP_CELL"]

DSP_CELL = "MULT18X18D"
_PORTS = {"A": 18, "B": 18}
_P_BITS = 36
# Flip-flop cells whose semantics the DSP registers can take: type -> (enable, reset).
_FF_KINDS = {"$dff": (False, False), "$dffe": (True, False), "$sdff": (False, True),
             "$sdffe": (True, True)}
_FF_INPUTS = {"CLK", "D", "EN", "SRST"}
_DSP_INPUT_PREFIXES = ("A", "B", "C", "SIGNED", "SOURCE", "CLK", "CE", "RST", "SRI")
_MEMORY_CELLS = ("$mem", "$mem_v2", "$memrd", "$memrd_v2")


def _is_bits(value) -> bool:
    return isinstance(value, str) and value != "" and set(value) <= set("01xz")


def _param_int(value) -> int:
    return int(value, 2) if _is_bits(value) else int(value)


def _param_bits(value: str, width: int) -> str:
    """A bit-vector parameter as a string of ``width`` characters, LSB first."""
    if isinstance(value, int):
        value = format(value, f"0{width}b")
    return value[::-1].ljust(width, "0")[:width]


@dataclass(frozen=True)
class _Control:
    """A flip-flop's control set as the DSP sees it: clock, enable (or None), reset (or None)."""

    clk: object
    en: object
    rst: object


@dataclass(frozen=True)
class _FfBit:
    cell: str
    index: int


class _Module:
    """A Yosys JSON module with its drivers and loads per bit."""

    def __init__(self, module: dict):
        self.module = module
        self.cells = module.setdefault("cells", {})
        self.driver = {}                  # bit -> (cell, port, index); ports: ("<port>", name)
        self.loads = defaultdict(list)
        for name, port in module.get("ports", {}).items():
            for i, bit in enumerate(port["bits"]):
                if port["direction"] in ("input", "inout"):
                    self.driver[bit] = ("<port>", name, i)
                if port["direction"] in ("output", "inout"):
                    self.loads[bit].append(("<port>", name, i))
        for cell_name, cell in self.cells.items():
            directions = cell.get("port_directions", {})
            for port, bits in cell["connections"].items():
                direction = self._direction(cell, port, directions)
                for i, bit in enumerate(bits):
                    if isinstance(bit, str):
                        continue
                    if direction in ("output", "inout"):
                        self.driver[bit] = (cell_name, port, i)
                    if direction != "output":     # unknown directions count as loads
                        self.loads[bit].append((cell_name, port, i))
        self.init = {}
        self.init_nets = defaultdict(list)      # bit -> [(netname, index)] with an init
        for net_name, net in module.get("netnames", {}).items():
            init = net.get("attributes", {}).get("init")
            if init is not None:
                for bit, value in zip(net["bits"], _param_bits(init, len(net["bits"])),
                                      strict=True):
                    if not isinstance(bit, str):
                        self.init[bit] = value
                        self.init_nets[bit].append(net_name)

    def clear_init(self, bit) -> None:
        """Drop ``bit``'s init value (it is now driven by a DSP register: GSR clears it)."""
        for net_name in dict.fromkeys(self.init_nets.pop(bit, [])):
            net = self.module["netnames"][net_name]
            if "init" not in net["attributes"]:    # cleared through another of its bits
                continue
            width = len(net["bits"])
            value = list(_param_bits(net["attributes"]["init"], width))
            for i, b in enumerate(net["bits"]):
                if b == bit:
                    value[i] = "x"
            if set(value) == {"x"}:
                del net["attributes"]["init"]
            else:
                net["attributes"]["init"] = "".join(value)[::-1]

    @staticmethod
    def _direction(cell, port, directions):
        if cell["type"] == DSP_CELL:
            return "input" if port.startswith(_DSP_INPUT_PREFIXES) else "output"
        if cell["type"] in _FF_KINDS:
            return "input" if port in _FF_INPUTS else "output"
        return directions.get(port)

    def ff_bit(self, bit) -> _FfBit | None:
        """The flip-flop bit whose Q is ``bit``, or None."""
        source = self.driver.get(bit)
        if source is None or source[0] == "<port>" or source[1] != "Q":
            return None
        return _FfBit(source[0], source[2]) if self.cells[source[0]]["type"] in _FF_KINDS \
            else None

    def control(self, ff: _FfBit) -> _Control | None:
        """The control set of ``ff`` if a DSP register can take it (see the module docstring)."""
        cell = self.cells[ff.cell]
        enable, reset = _FF_KINDS[cell["type"]]
        params, conns = cell["parameters"], cell["connections"]
        if _param_int(params["CLK_POLARITY"]) != 1:
            return None
        if enable and _param_int(params["EN_POLARITY"]) != 1:
            return None
        if reset:
            if _param_int(params["SRST_POLARITY"]) != 1:
                return None
            width = _param_int(params["WIDTH"])
            if _param_bits(params["SRST_VALUE"], width)[ff.index] not in "0x":
                return None
        q = conns["Q"][ff.index]
        if self.init.get(q, "x") not in "0x":
            return None
        return _Control(clk=conns["CLK"][0], en=conns["EN"][0] if enable else None,
                        rst=conns["SRST"][0] if reset else None)

    def from_memory(self, bit) -> bool:
        source = self.driver.get(bit)
        return source is not None and source[0] != "<port>" and \
            self.cells[source[0]]["type"] in _MEMORY_CELLS


def _input_port(mod: _Module, dsp: dict, port: str, after_memory: bool):
    """``(control, [D bit per pin])`` if port ``port``'s register can be absorbed, else None."""
    pins = [dsp["connections"][f"{port}{i}"][0] for i in range(_PORTS[port])]
    control, new_pins = None, []
    for bit in pins:
        if isinstance(bit, str):
            if bit != "0":
                return None
            new_pins.append(bit)
            continue
        ff = mod.ff_bit(bit)
        if ff is None:
            return None
        this = mod.control(ff)
        if this is None or (control is not None and this != control):
            return None
        control = this
        d = mod.cells[ff.cell]["connections"]["D"][ff.index]
        if mod.from_memory(d) and not after_memory:
            return None
        new_pins.append(d)
    return (control, new_pins) if control is not None else None


def _output_port(mod: _Module, dsp: dict):
    """``(control, {P pin: flip-flop bit})`` if the P register can be absorbed, else None."""
    control, taken = None, {}
    for i in range(_P_BITS):
        bit = dsp["connections"][f"P{i}"][0]
        loads = mod.loads.get(bit, [])
        if not loads:
            continue
        if len(loads) != 1:
            return None
        cell, port, index = loads[0]
        if cell == "<port>" or port != "D" or mod.cells[cell]["type"] not in _FF_KINDS:
            return None
        ff = _FfBit(cell, index)
        this = mod.control(ff)
        if this is None or (control is not None and this != control):
            return None
        control = this
        taken[i] = ff
    return (control, taken) if control is not None else None


def _set_control(dsp: dict, control: _Control) -> bool:
    """Wire CLK0 / CE0 / RST0 for ``control``; False if the cell already uses another set."""
    conns = dsp["connections"]
    wanted = {"CLK0": control.clk, "CE0": "1" if control.en is None else control.en,
              "RST0": "0" if control.rst is None else control.rst}
    used = any(dsp["parameters"].get(f"REG_{r}_CLK", "NONE") != "NONE"
               for r in ("INPUTA", "INPUTB", "OUTPUT"))
    if used:
        return all(conns.get(pin, ["x"])[0] == value for pin, value in wanted.items())
    for pin, value in wanted.items():
        conns[pin] = [value]
    dsp["parameters"]["RESETMODE"] = "SYNC"
    return True


def _remove_ff_bits(mod: _Module, bits) -> None:
    """Take flip-flop bits out of their cells (a cell left with no bit is deleted)."""
    by_cell = defaultdict(set)
    for ff in bits:
        by_cell[ff.cell].add(ff.index)
    for name, indices in by_cell.items():
        cell = mod.cells[name]
        width = _param_int(cell["parameters"]["WIDTH"])
        keep = [i for i in range(width) if i not in indices]
        if not keep:
            del mod.cells[name]
            continue
        for port in ("D", "Q"):
            cell["connections"][port] = [cell["connections"][port][i] for i in keep]
        if "SRST_VALUE" in cell["parameters"]:
            value = _param_bits(cell["parameters"]["SRST_VALUE"], width)
            cell["parameters"]["SRST_VALUE"] = "".join(value[i] for i in keep)[::-1]
        cell["parameters"]["WIDTH"] = format(len(keep), "032b")


def absorb_module(module: dict, *, inputs: bool = True, outputs: bool = True,
                  after_memory: bool = False) -> dict:
    """Absorb registers into the MULT18X18D cells of one Yosys JSON module (in place).

    ``after_memory`` also absorbs operand registers whose D comes from a memory read port (a
    timing choice, not a correctness one: the equivalence test uses it to exercise the input
    registers on designs without an extra operand register).

    Returns ``{"cells": MULT18X18D cells, "input_a": ..., "input_b": ..., "output": ...}``,
    the number of cells whose A, B or P register was absorbed (before or by this call).
    """
    mod = _Module(module)
    dsps = [name for name, cell in mod.cells.items() if cell["type"] == DSP_CELL]
    removed = []
    # Outputs first, for every cell: a P register's Q is then driven by its DSP, so no input
    # below can take the same flip-flop (a P -> flip-flop -> A chain keeps one of them).
    for name in dsps if outputs else ():
        dsp = mod.cells[name]
        params = dsp.setdefault("parameters", {})
        if params.get("REG_OUTPUT_CLK", "NONE") != "NONE" \
                or params.get("REG_PIPELINE_CLK", "NONE") != "NONE":
            continue
        found = _output_port(mod, dsp)
        if found and _set_control(dsp, found[0]):
            for pin, ff in found[1].items():
                q = mod.cells[ff.cell]["connections"]["Q"][ff.index]
                dsp["connections"][f"P{pin}"] = [q]
                mod.driver[q] = (name, f"P{pin}", 0)
                mod.clear_init(q)
            removed += found[1].values()
            params["REG_OUTPUT_CLK"], params["REG_OUTPUT_CE"] = "CLK0", "CE0"
            params["REG_OUTPUT_RST"] = "RST0"
    for name in dsps if inputs else ():
        dsp = mod.cells[name]
        params = dsp.setdefault("parameters", {})
        if any(params.get(f"REG_INPUT{port}_CLK", "NONE") != "NONE" for port in _PORTS):
            continue
        # Both operands or neither: nextpnr times a cell with one registered input as if
        # neither were ("unsupported mixed input register modes"), which would put the
        # absorbed flip-flop's input logic in front of the multiply in its timing model.
        found = {port: _input_port(mod, dsp, port, after_memory) for port in _PORTS}
        if not all(found.values()) or found["A"][0] != found["B"][0]:
            continue
        if not _set_control(dsp, found["A"][0]):
            continue
        for port, (_, pins) in found.items():
            for i, bit in enumerate(pins):
                dsp["connections"][f"{port}{i}"] = [bit]
            params[f"REG_INPUT{port}_CLK"] = "CLK0"
            params[f"REG_INPUT{port}_CE"], params[f"REG_INPUT{port}_RST"] = "CE0", "RST0"
    _remove_ff_bits(mod, removed)
    counts = {"cells": len(dsps), "input_a": 0, "input_b": 0, "output": 0}
    for name in dsps:
        params = mod.cells[name]["parameters"]
        for key, param in (("input_a", "REG_INPUTA_CLK"), ("input_b", "REG_INPUTB_CLK"),
                           ("output", "REG_OUTPUT_CLK")):
            counts[key] += params.get(param, "NONE") != "NONE"
    return counts


def absorb_dsp_registers(netlist: dict, *, inputs: bool = True, outputs: bool = True,
                         after_memory: bool = False) -> dict:
    """Absorb registers into every module of a Yosys JSON netlist (in place).

    Returns ``{module name: counts}`` (see :func:`absorb_module`) for the modules that hold
    MULT18X18D cells.
    """
    result = {}
    for name, module in netlist.get("modules", {}).items():
        counts = absorb_module(module, inputs=inputs, outputs=outputs,
                               after_memory=after_memory)
        if counts["cells"]:
            result[name] = counts
    return result
