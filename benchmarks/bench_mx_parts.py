"""The MX MVAU's per-lane structures per element format: the block with one removed, and alone.

    python benchmarks/bench_mx_parts.py [--targets xcup,ecp5] [--points m01,m03,m04,m05,m08]
                                        [--variants no_sign,no_exp,no_nan,no_align,kept_tree,
                                                    no_rom,no_in_mux,no_xexp,sign_wire]
                                        [--parts | --trees] [--out out/bench_mx_parts]

Block variants: each sweep point's MX MVAU (benchmarks/cost_sweep.py; int inputs, so every
element decoder is a weight's, but m06's and m12's; ``mx:fc1`` names the MXFP4 MLP
example's block fc1, ``mxa:fc3`` the MX6-on-MXFP8 MLP's block fc3, examples/digits_mx.py's
last row) is
synthesised alone as it is (``whole``) and with one structure removed, every variant of a
target in one Yosys run (the script ``hwgen synth`` runs, benchmarks/yosys_batch.py):

- ``no_sign``: the weight decoders' sign tied to 0, so the sign application ``Mux(sign,
  -mant, mant)`` in front of the mantissa product is a wire;
- ``sign_wire``: the sign application ``Mux(sign, -mant, mant)`` of every decoder (weights'
  and an MX input's) replaced by the wire ``Cat(mant, sign)`` read as signed: the negation
  and its select go, but the signed mantissa keeps its width and a live sign bit, so the
  product, the terms and the trees stay signed and as wide (``no_sign`` makes every term of
  a block on unsigned or MX inputs non-negative, and Yosys then drops the trees' sign
  extension too); ``wsign_wire`` / ``xsign_wire``: the weights' or the MX input's only;
- ``no_exp``: their exponent offset tied to 0 (an MX input's decoders' too), so the term
  shift ``prod << exp`` is a wire;
- ``no_xexp``: an MX input's decoders' exponent offset alone tied to 0 (points whose input
  element format differs from the weights'), so the terms shift by the weights' exponent
  only (the input's group alignment stays);
- ``no_nan``: their NaN / Inf flags tied to 0 (formats that have them; an MX input's
  decoders' too), so the term's NaN zeroing goes;
- ``no_align``: the weight span taken as 0, so the block alignment by the shared exponents
  is a wire (points whose span is not 0);
- ``no_xalign``: an MX input's group shift (by its shared exponent) taken as 0 (its NaN and
  flush flags stay); ``no_align+no_xalign`` takes the whole alignment away;
- ``kept_tree``: every block adder tree (the sum of a block's terms, ``block = terms[0] +
  ...``) built in a module of its own, kept (``keep_hierarchy``), reading the block's term
  signals: the block's own cells are then everything but its trees, so ``whole`` less the
  block's own LUTs is what its trees cost in it (their term muxes and shifts stay outside), and
  the kept tree modules' LUTs are the trees with nothing merged across their boundary;
- ``no_rom``: the weight word read from a register loaded from a port of the block's own
  (``w_ext``), not from the weight ROM: the ROM's read register stays, its contents go, and
  the decoders still see a word Yosys cannot fold;
- ``no_in_mux``: the step's input beat read from a register loaded from the input stream
  every cycle, not from the select between the latched beat and the input buffer: the select
  and the buffer go.

The table gives each variant's LUTs and carry cells, what removing the structure saves, and
what the cost model's feature for it counts with the current coefficients (``sign``:
``mx_sign`` and its carry cells; ``exp``: ``mx_term_log`` / ``mx_term_reg``; ``align``:
``mx_align``; ``nan``: nothing of its own; ``kept_tree``: ``mx_csa``, ``mx_in_tree`` and the
trees' final adders, beside the kept tree modules' own LUTs and carry cells and the
``mx_csa`` row bits; ``no_rom``: ``rom``; ``no_in_mux``: ``mx_in_mux``; ``no_xexp``:
``mx_term_log``, all of it).

``--trees``: a block's adder tree alone, as ``MxMvau`` builds it (``mvau._adder_tree``):
``terms`` signed registered terms of ``bits`` bits summed into a register, against the cost
model's ``mx_csa`` rows (``arith.signed_tree_full_adders``) and the two-row adder.

``--parts``: per element format, 16 lanes of the weight decoder and its sign application
alone (the code and micro-exponent registered in, the signed mantissa registered out), and
the same with the decoder's exponent and NaN flags registered too.

CPU seconds (Yosys counted as a child) beside the wall seconds. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from amaranth.back import verilog  # noqa: E402
from amaranth.hdl import Cat, Elaboratable, Module, Mux, Signal, signed  # noqa: E402
from amaranth.lib import wiring  # noqa: E402
from amaranth.lib.wiring import In, Out  # noqa: E402
from cost_sweep import build_point  # noqa: E402
from cpu_time import cpu_seconds  # noqa: E402
from yosys_batch import BlockTop, synthesize_batch  # noqa: E402

import hwgen.hw.mx.mvau as mvau_module  # noqa: E402
from hwgen.hw.arith.mvau_core import MvauCore  # noqa: E402
from hwgen.hw.mx.element_decoder import MxElementDecoder  # noqa: E402
from hwgen.hw.mx.mvau import MxMvau  # noqa: E402
from hwgen.ir.mx.packing import is_micro, mx_code_bits  # noqa: E402
from hwgen.ir.mx.types import is_mx_format  # noqa: E402
from hwgen.perf.cost.arith import adder_tree, signed_tree_full_adders  # noqa: E402
from hwgen.perf.cost.coefficients import COEFFICIENTS  # noqa: E402
from hwgen.perf.cost.model import tally_of  # noqa: E402
from hwgen.perf.cost.mx_mvau import mx_mvau_features  # noqa: E402
from hwgen.quant.mx import mx_format  # noqa: E402

VARIANTS = ("whole", "no_sign", "no_exp", "no_nan", "no_align", "kept_tree", "no_rom",
            "no_in_mux", "no_xexp", "sign_wire")
#: the cost model's LUT features for each removed structure
FEATURES = {"no_sign": ("mx_sign",), "sign_wire": ("mx_sign",), "wsign_wire": ("mx_sign",),
            "xsign_wire": ("mx_sign",), "no_exp": ("mx_term_log", "mx_term_reg"),
            "no_xexp": ("mx_term_log",),
            "no_nan": (), "no_align": ("mx_align",), "no_xalign": ("mx_align",),
            "kept_tree": ("mx_csa", "add"),
            "no_rom": ("rom",), "no_in_mux": ("mx_in_mux",)}
#: the module name each kept block tree gets (``layer_0.<name><n>``)
TREE_MODULE = "btree"
FORMATS = ("mxfp4", "mxfp6_e2m3", "mxfp6_e3m2", "mxfp8_e4m3", "mxfp8_e5m2", "mxint8", "mx4",
           "mx6", "mx9")
LANES = 16
#: (terms, bits) of the block trees alone: m10's 4 terms, m01 / m05's 8, m08's 16 (19-bit
#: MX9 terms; 15-bit MXFP4 ones)
TREES = ((4, 19), (8, 19), (16, 19), (8, 15), (16, 15))


def _decoder_tying(only=None, **ties):
    """A weight decoder class with the given outputs tied to 0 (the last comb assignment to
    a signal wins, so the decoder's own logic is left to Yosys to remove); with ``only`` (an
    element format's name), only the decoders of that format are tied."""

    class Tied(MxElementDecoder):
        def elaborate(self, platform):
            m = super().elaborate(platform)
            if only is None or (self._fmt is not None and self._fmt.name == only):
                m.d.comb += [getattr(self, name).eq(0) for name in ties]
            return m

    return Tied


def _no_span(params):
    """``params`` with its weight span read as 0: every block alignment shift is 0. The
    accumulator's range is read first, so the copy keeps the real one (only the shift goes)."""
    assert params.acc_range                               # cached: the copy shares it
    cls = type("NoSpan", (type(params),), {"weight_span": property(lambda self: 0)})
    out = copy.copy(params)
    object.__setattr__(out, "__class__", cls)          # a frozen dataclass: bypass it
    return out


class _KeptTree(Elaboratable):
    """One block's adder tree, ``_adder_tree(terms)``, in a module of its own: it reads the
    parent's term signals (Amaranth makes them its ports) and drives ``out``."""

    def __init__(self, terms, tree):
        self._terms, self._tree = terms, tree
        self.out = Signal(signed(len(terms[0]) + (len(terms) - 1).bit_length()), name="sum")

    def elaborate(self, platform):
        m = Module()
        m.d.comb += self.out.eq(self._tree(self._terms))
        return m


class _KeptTreeMvau(MxMvau):
    """``MxMvau`` with every block tree (the sum of signals named ``term*``) a submodule
    ``btree<n>``; the beat's sum over the aligned blocks stays in the block."""

    def elaborate(self, platform):
        tree, trees = mvau_module._adder_tree, []

        def kept(terms):
            if len(terms) < 2 or not all(t.name.startswith("term") for t in terms):
                return tree(terms)
            trees.append(_KeptTree(terms, tree))
            return trees[-1].out

        with mock.patch.object(mvau_module, "_adder_tree", kept):
            m = super().elaborate(platform)
        for n, kept_tree in enumerate(trees):
            m.submodules[f"{TREE_MODULE}{n}"] = kept_tree
        return m


def _core_replacing(*, weights=None, inputs: bool = False):
    """An ``MvauCore`` class whose ``weights`` come from a register loaded from ``weights`` (a
    signal of the parent's) instead of its ROM, and / or (``inputs``) whose ``inputs`` come
    from a register loaded from the input stream every cycle instead of the select between
    the latched beat and the buffer. The last comb assignment wins: the ROM, or the buffer and
    the select, are left unread for Yosys to remove."""

    class Replaced(MvauCore):
        def elaborate(self, platform):
            m = super().elaborate(platform)
            if weights is not None:
                word = Signal(len(weights), name="w_ext_reg")
                m.d.sync += word.eq(weights)
                m.d.comb += self.weights.as_value().eq(word)
            if inputs:
                beat = Signal(self.i_stream.payload.shape(), name="x_reg")
                m.d.sync += beat.eq(self.i_stream.payload)
                m.d.comb += self.inputs.eq(beat)
            return m

    return Replaced


class _ReplacedMvau(MxMvau):
    """``MxMvau`` with its core's weight ROM (``no_rom``: the word from a port ``w_ext`` of its
    own, registered) or its input select (``no_in_mux``) replaced (:func:`_core_replacing`)."""

    def __init__(self, *, params, variant: str):
        p, self._variant = params, variant
        if variant != "no_rom":
            super().__init__(params=params)
            return
        self._p, self._roms = params, None
        word_bits = p.pe * p.simd * mx_code_bits(p) + (p.pe * p.simd // 2 if is_micro(p) else 0)
        # the block's own ports and a port the top passes in from outside: the word is no
        # constant
        plain = MxMvau(params=params)
        plain._MustUse__silence = True                   # built for its signature only
        members = dict(plain.signature.members.items())
        wiring.Component.__init__(self, {**members, "w_ext": In(word_bits)})

    def elaborate(self, platform):
        core = mvau_module.MvauCore
        mvau_module.MvauCore = _core_replacing(
            weights=self.w_ext if self._variant == "no_rom" else None,
            inputs=self._variant == "no_in_mux")
        try:
            return super().elaborate(platform)
        finally:
            mvau_module.MvauCore = core


def _keep_trees(text: str, top: str) -> str:
    """``text`` with ``keep_hierarchy`` on the module of each kept block tree."""
    return re.sub(rf"^(module\s+\\?{re.escape(top)}\.layer_0\.{TREE_MODULE}\d+\s*\()",
                  r"(* keep_hierarchy = 1 *)\n\1", text, flags=re.MULTILINE)



def _variant_verilog(params, variant: str, top: str) -> str:
    """The Verilog of ``params``' MX MVAU with ``variant``'s structure removed (``a+b``: a
    decoder tying with the trees kept, e.g. ``kept_tree+no_exp``)."""
    parts = variant.split("+")
    ties = {"no_sign": ("o_sign",), "no_exp": ("o_exp",), "no_nan": ("o_nan", "o_inf"),
            "no_xexp": ("o_exp",)}
    tied = [name for part in parts for name in ties.get(part, ())]
    # ``no_xexp``: only the MX input's decoders (its element format is not the weights')
    only = params.input_type.mx.element.name if "no_xexp" in parts else None
    decoder = _decoder_tying(only, **dict.fromkeys(tied, 0)) if tied else MxElementDecoder
    p = _no_span(params) if "no_align" in parts else params
    if variant in ("no_rom", "no_in_mux"):
        block = _ReplacedMvau(params=p, variant=variant)
    else:
        block = (_KeptTreeMvau if "kept_tree" in parts else MxMvau)(params=p)
    saved = mvau_module.MxElementDecoder
    mvau_module.MxElementDecoder = decoder
    decode_inputs = MxMvau._decode_inputs

    def no_input_shift(self, m, x_now):
        terms = decode_inputs(self, m, x_now)
        terms.groups = [(0, nan, zero) for _, nan, zero in terms.groups]
        return terms

    wire = "".join(part[0] for part in parts if part in ("wsign_wire", "xsign_wire"))
    wire = "wx" if "sign_wire" in parts else wire
    try:
        with mock.patch.object(MxMvau, "_decode_inputs",
                               no_input_shift if "no_xalign" in parts else decode_inputs), \
                mock.patch.object(mvau_module, "Mux", _sign_wire_mux(wire) if wire else Mux):
            text = verilog.convert(BlockTop(block), name=top, emit_src=False)
        return _keep_trees(text, top) if "kept_tree" in parts else text
    finally:
        mvau_module.MxElementDecoder = saved


def _sign_wire_mux(which: str):
    """``Mux`` for ``hwgen.hw.mx.mvau`` that turns a decoder's sign application ``Mux(o_sign,
    -o_mant, o_mant)`` into ``Cat(o_mant, o_sign).as_signed()`` (``which``: ``"w"`` the
    weights' in ``elaborate``, ``"x"`` the MX input's in ``_decode_inputs``, ``"wx"`` both);
    every other ``Mux`` is left as it is."""

    def mux(sel, a, b):
        if getattr(sel, "name", None) == "o_sign":
            site = "x" if sys._getframe(1).f_code.co_name == "_decode_inputs" else "w"
            if site in which:
                return Cat(b, sel).as_signed()
        return Mux(sel, a, b)

    return mux


def _applies(params, variant: str) -> bool:
    if "+" in variant:
        return all(_applies(params, part) for part in variant.split("+"))
    elem = mx_format(params.weight_format).element if params.weight_int_type is None else None
    if variant == "no_nan":
        # a float weight's or MX input's element (the decoders of both are tied)
        x_elem = params.input_type.mx.element if is_mx_format(params.input_dtype) else None
        return any(e is not None and e.kind == "float" for e in (elem, x_elem))
    if variant == "no_exp":
        # the decoders of weights and MX inputs alike are tied (``_decoder_tying``)
        x_elem = params.input_type.mx.element if is_mx_format(params.input_dtype) else None
        return any(e is not None and getattr(e, "max_exp", 0) > 0 for e in (elem, x_elem))
    if variant == "no_xexp":
        # an MX input's exponent alone: its element format must differ from the weights'
        return (is_mx_format(params.input_dtype) and elem is not params.input_type.mx.element
                and params.input_type.mx.element.max_exp > 0
                and (elem is None or elem.name != params.input_type.mx.element.name))
    if variant.endswith("sign_wire"):
        w_sm = elem is not None and elem.kind in ("float", "micro")
        x_in = is_mx_format(params.input_dtype)
        x_sm = x_in and params.input_type.mx.element.kind in ("float", "micro")
        return {"sign_wire": w_sm or x_sm, "wsign_wire": w_sm, "xsign_wire": x_sm}[variant]
    if variant == "no_align":
        return params.weight_span > 0
    if variant == "no_xalign":
        return is_mx_format(params.input_dtype) and params.input_span > 0
    if variant == "kept_tree":
        return params.group_lanes > 1
    return True


class DecodeLanes(wiring.Component):
    """``lanes`` weight decoders of ``fmt`` with their sign applied, between registers (with
    ``fields``, the exponent offset and the NaN / Inf flags registered too)."""

    def __init__(self, *, fmt: str, lanes: int, fields: bool):
        self._elem = mx_format(fmt).element
        self._lanes, self._fields = lanes, fields
        e = self._elem
        out = lanes * (e.mant_bits + 1 + (e.exp_bits + 2 if fields else 0))
        super().__init__({"code": In(lanes * e.bits), "micro": In(lanes), "y": Out(out)})

    def elaborate(self, platform):
        m = Module()
        e, bits = self._elem, self._elem.bits
        code, micro = Signal(len(self.code)), Signal(self._lanes)
        m.d.sync += [code.eq(self.code), micro.eq(self.micro)]
        outs = []
        for lane in range(self._lanes):
            dec = MxElementDecoder(fmt=e.name)
            m.submodules[f"dec{lane}"] = dec
            m.d.comb += [dec.i_code.eq(code[lane * bits:(lane + 1) * bits]),
                         dec.i_micro.eq(micro[lane])]
            sm = Signal(signed(e.mant_bits + 1), name=f"sm{lane}")
            m.d.sync += sm.eq(Mux(dec.o_sign, -dec.o_mant, dec.o_mant))
            outs.append(sm)
            if self._fields:
                f = Signal(e.exp_bits + 2, name=f"f{lane}")
                m.d.sync += f.eq(dec.o_exp | (dec.o_nan << e.exp_bits)
                                 | (dec.o_inf << (e.exp_bits + 1)))
                outs.append(f)
        y = Signal(len(self.y))
        offset = 0
        for s in outs:
            m.d.comb += y[offset:offset + len(s)].eq(s)
            offset += len(s)
        m.d.comb += self.y.eq(y)
        return m


class SignedTree(wiring.Component):
    """``terms`` signed ``bits``-bit terms, registered, summed as the MX MVAU sums a block
    (``hwgen.hw.mx.mvau._adder_tree``) into a register."""

    def __init__(self, *, terms: int, bits: int):
        self._terms, self._bits = terms, bits
        super().__init__({"x": In(terms * bits), "y": Out(bits + (terms - 1).bit_length())})

    def elaborate(self, platform):
        m = Module()
        b = self._bits
        terms = []
        for i in range(self._terms):
            term = Signal(signed(b), name=f"t{i}")
            m.d.sync += term.eq(self.x[i * b:(i + 1) * b])
            terms.append(term)
        y = Signal(signed(len(self.y)))
        m.d.sync += y.eq(mvau_module._adder_tree(terms))
        m.d.comb += self.y.eq(y)
        return m


def _trees(targets, out: Path) -> None:
    designs = {}
    for terms, bits in TREES:
        top = f"tree_{terms}x{bits}"
        designs[top] = verilog.convert(BlockTop(SignedTree(terms=terms, bits=bits)), name=top,
                                       emit_src=False)
    for target in targets:
        found = synthesize_batch(designs, target, out / f"trees_{target}")["designs"]
        print(f"\n### {target}: a block's adder tree alone\n")
        print("| terms | bits | LUT | carry | ``mx_csa`` row bits | LUT a row bit "
              "| model's LUT (``mx_csa`` + ``add``) |")
        print("|---|---|---|---|---|---|---|")
        lut = COEFFICIENTS[target]["lut"]
        for terms, bits in TREES:
            r = found[f"tree_{terms}x{bits}"]["layer_0"]["resources"]
            tree = adder_tree([(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)] * terms)
            rows = signed_tree_full_adders(tree)
            model = lut.get("mx_csa", 0) * rows + lut.get("add", 0) * tree.width
            print(f"| {terms} | {bits} | {r['lut']} | {r['carry']} | {rows} "
                  f"| {r['lut'] / max(rows, 1):.2f} | {model:.0f} |")


def _model_luts(params, target: str, features) -> float:
    tally = tally_of(mx_mvau_features, params, target)
    lut = COEFFICIENTS[target]["lut"]
    return sum(lut.get(f, 0.0) * tally.features.get(f, 0) for f in features)


def _model_tree_luts(params, target: str) -> float:
    """The cost model's LUTs for a block's adder trees: ``mx_csa`` (and ``mx_in_tree``) and
    the final adders."""
    tally = tally_of(mx_mvau_features, params, target)
    lut = COEFFICIENTS[target]["lut"]
    term_bits = _term_bits(params)
    tree = adder_tree([(-(1 << (term_bits - 1)), (1 << (term_bits - 1)) - 1)]
                      * params.group_lanes)
    return (lut.get("mx_csa", 0.0) * tally.features.get("mx_csa", 0)
            + lut.get("mx_in_tree", 0.0) * tally.features.get("mx_in_tree", 0)
            + lut.get("add", 0.0) * tree.width * params.pe * params.groups)


def _term_bits(params) -> int:
    """The width of a block's terms (``term_bits`` in ``MxMvau`` and in the cost model)."""
    w_fmt = params.weight_int_type or mx_format(params.weight_format).element
    mx_in = is_mx_format(params.input_dtype)
    x_elem = params.input_type.mx.element if mx_in else None
    x_mant = x_elem.mant_bits + 1 if mx_in else params.input_type.bits + 1
    w_mant = (params.weight_int_type.bits if params.weight_int_type else w_fmt.mant_bits) + 1
    max_exp = getattr(w_fmt, "max_exp", 0) + (x_elem.max_exp if mx_in else 0)
    return w_mant + x_mant + 1 + max_exp


def _block_params(pid: str):
    """A sweep point's MX MVAU, or (``mx:<name>``) the MXFP4 MLP example's block ``name``
    (benchmarks/bench_resources.py's ``mx`` design), or (``mxa:<name>``) the MX6-on-MXFP8
    MLP's (:func:`build_mx_activations`)."""
    if ":" not in pid:
        return build_point(pid).blocks[0]
    design, name = pid.split(":")
    if design == "mxa":
        lowered = build_mx_activations(Path("out/bench_mx_parts/mxa"))
    else:
        from bench_resources import build_mx
        lowered = build_mx(Path("out/bench_resources/mx"))
    return next(b for b in lowered.blocks if b.name == name)


def build_mx_activations(out: Path):
    """The digits MX example's last row (examples/digits_mx.py, ``mx6+mxfp8_e4m3``): MX6
    weights in blocks of 16 with MXFP8 (E4M3) activations between the layers (fc1 reads
    int8), compiled as bench_resources.py compiles the MXFP4 MLP (``max_macs=64``): its fc2
    and fc3 are MX MVAUs on MX inputs."""
    from bench_resources import digits_mlp_onnx

    import hwgen
    out.mkdir(parents=True, exist_ok=True)
    x_train, _ = digits_mlp_onnx(out / "model.onnx")
    config = {"default": {"weights": "mx6", "activations": "mxfp8_e4m3", "block_size": 16},
              "layer": {"fc1": {"activations": "int8"}}}
    return hwgen.compile(out / "model.onnx", x_train, config, max_macs=64, top="bench_mxa")


def _blocks(points, variants, targets, out: Path) -> None:
    designs, rows = {}, []
    for pid in points:
        params = _block_params(pid)
        pid = pid.replace(":", "_")
        for variant in ("whole", *variants):
            if _applies(params, variant):
                top = f"{pid}_{variant.replace('+', '_')}"
                designs[top] = _variant_verilog(params, variant, top)
                rows.append((pid, variant, top, params))
    for target in targets:
        result = synthesize_batch(designs, target, out / f"blocks_{target}")
        found, modules = result["designs"], result["modules"]
        print(f"\n### {target}: the block with one structure removed\n")
        print("| point | weights | variant | LUT | carry | LUT saved | model's LUT for it "
              "| kept trees' LUT / carry | ``mx_csa`` row bits |")
        print("|---|---|---|---|---|---|---|---|---|")
        whole = {}
        for pid, variant, top, params in rows:
            r = found[top]["layer_0"]["resources"]
            kept, rows_bits = "", ""
            if variant == "whole":
                whole[pid] = r
                saved, model = "", ""
            else:
                saved = f"{whole[pid]['lut'] - r['lut']}"
                features = [f for part in variant.split("+") for f in FEATURES[part]]
                model = f"{_model_luts(params, target, features):.0f}"
            if variant.startswith("kept_tree"):
                trees = [c["resources"] for name, c in modules.items()
                         if name.startswith(f"{top}.layer_0.{TREE_MODULE}")]
                kept = f"{sum(c['lut'] for c in trees)} / {sum(c['carry'] for c in trees)}"
                if variant == "kept_tree":
                    model = f"{_model_tree_luts(params, target):.0f}"
                rows_bits = f"{tally_of(mx_mvau_features, params, target).features['mx_csa']}"
            print(f"| {pid} | {params.weight_format} | {variant} | {r['lut']} | {r['carry']} "
                  f"| {saved} | {model} | {kept} | {rows_bits} |")


def _parts(targets, out: Path) -> None:
    designs = {}
    for fmt in FORMATS:
        for fields in (False, True):
            top = f"dec_{fmt}_{'fields' if fields else 'sign'}"
            designs[top] = verilog.convert(BlockTop(DecodeLanes(fmt=fmt, lanes=LANES,
                                                            fields=fields)),
                                           name=top, emit_src=False)
    for target in targets:
        found = synthesize_batch(designs, target, out / f"parts_{target}")["designs"]
        print(f"\n### {target}: {LANES} weight decoders alone, sign applied\n")
        print("| format | code bits | mantissa bits | LUT (sign) | carry | LUT a code bit "
              "| LUT (fields too) | carry |")
        print("|---|---|---|---|---|---|---|---|")
        for fmt in FORMATS:
            e = mx_format(fmt).element
            a = found[f"dec_{fmt}_sign"]["layer_0"]["resources"]
            b = found[f"dec_{fmt}_fields"]["layer_0"]["resources"]
            print(f"| {fmt} | {e.bits} | {e.mant_bits} | {a['lut']} | {a['carry']} "
                  f"| {a['lut'] / (LANES * e.bits):.2f} | {b['lut']} | {b['carry']} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="xcup,ecp5")
    parser.add_argument("--points", default="m01,m03,m04,m05,m08")
    parser.add_argument("--variants", default=",".join(VARIANTS[1:]))
    parser.add_argument("--parts", action="store_true",
                        help="the decoders alone instead of the block variants")
    parser.add_argument("--trees", action="store_true",
                        help="the block adder trees alone instead of the block variants")
    parser.add_argument("--out", default="out/bench_mx_parts")
    args = parser.parse_args(argv)
    started, cpu_started = time.monotonic(), cpu_seconds()
    print("command: python " + " ".join([f"benchmarks/{Path(__file__).name}", *sys.argv[1:]]))
    targets = args.targets.split(",")
    if args.parts:
        _parts(targets, Path(args.out))
    elif args.trees:
        _trees(targets, Path(args.out))
    else:
        _blocks([p for p in args.points.split(",") if p], args.variants.split(","), targets,
                Path(args.out))
    print(f"\n{time.monotonic() - started:.0f} s wall, {cpu_seconds() - cpu_started:.0f} CPU s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
