"""A block's hardware, counted: exact DSP / block RAM / LUT RAM cells and structural features.

A cost function walks a block's structure (the same structure its Amaranth component builds)
and adds each part here: registers, adders, multiplexers, comparators, multipliers, memories.
DSPs, block RAM tiles and LUT RAM primitives are counted exactly (the rules of
:mod:`~hwgen.perf.cost.multipliers` and :mod:`~hwgen.perf.cost.memory`); LUTs, flip-flops and
carry cells come from the features, each weighted by a per-target coefficient fitted to Yosys
(:mod:`~hwgen.perf.cost.coefficients`).

The features, all in bits (what one bit of each costs is the fitted coefficient):

``reg``         flip-flops the design declares (counters, pipeline and data registers)
``reg_dsp``     registers right behind a DSP product (Xilinx packs them into the DSP)
``reg_dsp_port``  where the target packs a DSP's port registers into it (xc7's DSP48E1):
                its operands' and its product's registers (``Tally.dsp_reg``), else ``reg``
``add``         bits of two-input adders and subtractors (counters, accumulators)
``add_lut``     the same, too narrow for the target's carry chain (``carry_min_bits``)
``inc_lut``     bits of counters' increments too narrow for the carry chain
``cmp_lut``     bits of comparators of two variables too narrow for the carry chain
``mux``         two-way selects, in bits
``mux_n``       selects of three or more ways: bits x (ways - 1)
``term_sel``    bits of the binary-weight MVAU's +x / -x selects in front of its adder
                trees (every target)
``popcount``    counter outputs of the XNOR MVAU's compressor-tree popcount
``lutram_mux``  read selects of LUT RAMs deeper than one primitive: bits x (banks - 1)
``ram_mux``     read selects of memories in flip-flops on a target without wide multiplexers:
                bits x (words - 1), two-way selects of a LUT4 each (iCE40)
``ram_we``      their write enables, one a word (iCE40)
``fifo_ctl``    a ``StreamFifo``'s pointer and level bits, LUT functions each
                (``CostTarget.fifo_ctl``: iCE40, xcup, xc7)
``csa``         full adders of the carry-save trees Yosys builds for sums of three or more
                terms (``alumacc`` merges an adder tree into one ``$macc``, ``maccmap``
                reduces its bit columns to two rows: about ``terms x width - 2 x width``;
                the last two rows are an ``add``)
``csa_dsp``     the same for sums of DSP products
``csa_borrow``  of a packed pair's high PE, the rows ``csa_dsp`` would count for its borrow
                bits as full-width signed rows beyond their one bit each
                (``int_mvau.high_pe_trees``)
``dsp_add``     adder bits whose one input is a DSP product (a DSP post-adder can take them)
``dsp_post_add``  of those, a requantizer lane's partial products summed where the target's
                DSP takes the sum into its post-adder (``CostTarget.dsp_post_add_bits``, xc7):
                no LUT, no carry cell (never fitted)
``dsp_sum``     the same sums too wide for that post-adder, or that the DSP does not take
                (a gemmlowp lane's, ``Tally.add``'s ``fabric_sum``): in the fabric (measured)
``dsp_pair_add``  bits of the adders that sum two pairs' sums of DSP products, where the
                target's DSPs sum the pairs (``dsp_post_add_bits``, xc7: an int MVAU's first
                tree stage, ``int_mvau.dot_trees``; measured)
``acc_add``     adder bits of a binary-weight or ternary MVAU's accumulators on a LUT6 target,
                where its engine is counted as measured (``Tally.add``'s ``accumulator``:
                a LUT6 a bit beside its CARRY4, measured)
``carry``       carry cells of the adders: ``ceil(bits / bits per carry cell)`` each
``soft_mul``    partial-product bits (``a x b``) of products left to LUTs
``soft_mul_lut``  result bits of soft products whose operands fit one LUT's inputs
``soft_ab``     operand bit pairs of products of two variables left to LUTs (``a x b``; a
                packed pair's operand as its two weight fields and a sign bit; a product by
                a per-fold table, the bits some fold sets): what a LUT multiplier spends,
                counted on iCE40 in place of ``soft_mul``
``soft_ab_fold``  operand bit pairs of such a product whose operand bit is a per-fold
                constant (an accumulator's low bits that only hold its bias preloads):
                functions of the fold, cheaper than ``soft_ab``'s (iCE40)
``soft_ab_one``, ``soft_ab_two``  operand bit pairs of a packed pair's product left to LUTs
                whose weights are known at synthesis, one or two steps: each operand bit a
                constant or the step's bit, which the LUTs fold (iCE40; measured alone
                0.27 and 0.61 of a variable's, ``bench_packed_products.py``)
``soft_pack_x``  input bits of a packed pair's products left to LUTs by variable weights: what
                such a product spends beyond its operand bit pairs (iCE40)
``soft_set``    of products by a constant left to LUTs, the variable's bits x the set bits of
                the constant's odd part (a row of the variable for each): iCE40 too
``rq_serial``   requantizer lanes multiplying their two pieces one after the other
``rq_lshift``   product bits x stages of the per-fold left shift (gemmlowp, shift > 0)
``rq_mux``      bits of the shared requantizer's selects (round 0 or a snapshot)
``rq_table``    LUTs of the shared requantizer's tables in logic, read at a select ABC folds
                into every column: distinct columns x ``ROM_LUTS[target]["selected"]`` by
                depth, measured inside the blocks (``Tally.rom(..., selected=True)``)
``rq_g``        requantizer lanes with gemmlowp rounding (the per-lane constant part)
``rq_g_bits``   their bits after the rounding shift (narrow when the shift is constant)
``rq_g0``       gemmlowp lanes whose right shift is 0 at every fold (no rounding divide),
                counted here instead of ``rq_g``
``rq_g0_bits``  and their bits after the high multiply, instead of ``rq_g_bits``
``rq_sh``       of those, the lanes of an int MVAU's shared requantizer (``SF > 1``),
                counted here instead of ``rq_g``
``rq_sh_bits``  and their bits, instead of ``rq_g_bits`` (on LUT4 targets also where the
                shift changes per fold)
``rq_sh_shift`` on LUT4 targets, a shared lane's shifter where its shift changes per fold,
                instead of ``rq_shift``
``rq_s``        requantizer lanes with single rounding (64-bit declared signals)
``rq_s_bits``   their product bits (the rounding add spans the whole product)
``rq_var``      requantizer lanes whose shift changes per fold
``rq_shift``    their shifter: width x shift register bits
``rq_g_carry``  carry cells of the gemmlowp requantizers' adders and comparators
``rq_s_carry``  carry cells of the single-rounding requantizers' adders and comparators
``dw_sum``      a depthwise unit's running-sum adder bits (lanes x accumulator bits) with
                one group and DSP products: the adder is not the DSP's (a LUT a bit beside
                the carry cells on LUT6), its preload select folded in
``mx_decode``   MX element code bits decoded (sign, mantissa, exponent, specials)
``mx_term_log``  MX product bits shifted into terms by their exponent offsets, counted by
                the bits each stage of the shifter can set
                (``mx_mvau.log_shifter_bits``)
``mx_sign``     bits of the MX element decoders' sign application ``Mux(sign, -mant,
                mant)``: the signed mantissa's width per decoded weight (and MX input) lane
``mx_align``    MX block-sum bits aligned by the shared exponents, counted by the bits each
                stage of the shifter can set (``mx_mvau.log_shifter_bits``)
``mx_rom``      LUTs of an MX MVAU's weight ROM of 17-31 words on ECP5: a LUT a
                distinct column and one more where its words past 16 vary, no select
                (``split_without_select``; measured, so fixed)
``mx_quant``    MX output encoder work: elements x width x shift bits
``mx_carry``    carry cells of the MX datapath's adders (signs, exponents, encoders)
``win_ctl``     the sliding window's control flip-flops (counters, origin, registered view,
                slack, credits): each one's next-state selection
``term_and``    bits of the ternary MVAU's terms gated by a weight's plane (``x`` or 0) in
                front of its adder trees
``tern_term``   the ternary MVAU's gated terms (integer inputs), each weighed by its select
                and its bits up to one LUT's inputs (``binary_mvau.gated_term_weight``):
                what ABC makes of the gates and the trees' first level
``rq_zp_odd``   single-rounding requantizer lanes with an odd positive zero point and a low
                clamp at or above 0 (``components.odd_zero_clamp``; measured, ECP5 only)
``rq_low_and``  bits of a narrow requantizer lane's accumulator gated by the multiplier's
                low bits (``acc << k`` or 0 for each of its ``NARROW_LOW_BITS``), summed in
                logic beside the DSP product (``components.requant_multiply``)
``win_read``    LUTs of the sliding window's read data, counted structurally: the line
                buffer's select among LUT RAM primitives in depth (before its read
                register), then the row select, column rotation and pad value per beat bit
                (``stream.read_select_luts``: a LUT of ``k`` inputs selects among ``k - 2``
                leaves)
``tern_level``  a ternary MVAU's products by its per-row TTQ levels on iCE40: the side's bits
                x the level bits some fold sets, or x a constant level's odd set bits
                (``binary_mvau.level_product_units``; measured in the block, iCE40 only)
``thr_cmp``     bits of the threshold unit's comparators (an accumulator against a per-fold
                table's read, flipped per lane: the table's columns and the flip share the
                comparator's LUTs, which a comparison with a counter or a constant does not)
``dwc_pick``    LUTs of a width converter's held bits that pick among two or more ways (the
                shift and the loads reaching the element) by a register: one function of
                ``ways + index_bits(ways)`` inputs each (a LUT per bit up to the target's LUT
                size, twice as many per further input)
``dwc_ctl``     LUTs of a width converter's decodes of its count and both handshakes: an
                element enable per distinct set of loads, the next state of each pick bit
``bwn_csa``     row bits of the binary-weight MVAU's carry-save trees in LUT4s: every ``+x /
                -x`` term sign-extended to the sum's width (its sign bits are real signals),
                ``(leaves - 1) x width`` (``binary_mvau.lut4_dot_rows``)
``mx_csa``      full adders of the MX MVAU's block trees of signed products: rows
                ``(leaves - 2) x width`` (``arith.signed_tree_full_adders``)
``wr_ctl``      the window reduction's control flip-flops (position and group counters, flags,
                credits, the pending group), each one's next state
                (``arith_blocks.window_reduce_control_ffs``; measured on the pool alone)
``wr_bypass``   bits of the window reduction's select between the pending value and the
                running memory's read (several channel groups; measured on the pool alone)
``cmp_signed``  lanes of a signed max whose compare is a carry chain: the sign bits'
                correction folded into the lane's select (measured on the pool alone)
``mx_in_mux``   bits of the MX MVAU's select between the latched beat and the input buffer
                (measured in the block: one LUT a bit)
``mx_in_tree``  the MX block trees' full adders again where an MX input's exponent shifts
                the terms (measured in the block: they cost more than apart)
``mx_nan``      term bits of the MX MVAU's lanes whose MX input element can be NaN / Inf (the
                term zeroed, ``Mux(nan, 0, term)``; measured in the block)
``known_mul``   distinct function bits of an int MVAU's soft products by constant weights
                (one step; ``known_weights.known_function_bits``)
``known_mul2``  the same of products whose weight is one of two by the step (two steps)
``known_tree``  bits the PEs' trees over such products compress, at the terms' known widths
                (``known_weights.known_tree_bits``)
"""

from __future__ import annotations

import math
from collections import defaultdict

from .arith import Tree
from .coefficients import ROM_LUTS, ROM_SPLIT_SELECT
from .memory import Ram, Rom, bram_tiles, lutram_banks, lutram_primitives, memory_style
from .multipliers import Product, multiplier
from .targets import CostTarget

__all__ = ["FEATURES", "Tally"]

FEATURES = (
    "reg", "reg_dsp", "reg_dsp_port", "add", "add_lut", "inc_lut", "csa", "csa_dsp", "dsp_add",
    "carry", "mux", "mux_n", "in_mux", "acc_mux", "pad_mux", "lutram_mux", "term_sel", "popcount",
    "cmp", "cmp_lut", "shift", "rom", "soft_mul", "soft_mul_lut", "logic", "ram_ff", "block",
    "rq_g", "rq_g_bits", "rq_s", "rq_s_bits", "rq_var", "rq_shift", "rq_serial", "rq_lshift",
    "rq_mux", "rq_g_carry", "rq_s_carry", "mx_decode", "mx_align", "mx_quant", "mx_carry",
    "win_ctl", "thr_cmp", "term_and", "rq_table", "mx_term_log", "csa_borrow", "dwc_pick",
    "dwc_ctl", "win_read", "bwn_csa", "mx_csa", "rq_low_and", "tern_term", "rq_zp_odd",
    "wr_ctl", "wr_bypass", "bin_rom", "bin_in_mux", "bwn_dot", "cmp_signed", "mx_sign",
    "dwc_onehot", "rq_sh", "rq_sh_bits", "rq_sh_shift", "mx_in_mux", "mx_in_tree", "known_mul",
    "known_mul2", "known_tree", "mx_rom", "dw_sum", "mx_nan", "rq_g0", "rq_g0_bits", "soft_ab",
    "soft_set", "soft_ab_fold", "soft_ab_one", "soft_ab_two", "soft_pack_x", "dsp_post_add",
    "dsp_sum", "ram_mux", "ram_we", "fifo_ctl", "dsp_pair_add", "tern_level", "acc_add",
)


def rom_luts(target: str, address_bits: int, *, counter: bool, selected: bool = False) -> float:
    """LUTs one distinct column of a soft-logic ROM takes (measured; doubled per bit beyond
    the table; an address of one bit is the column itself). ``selected``: a table read at
    the shared requantizer's address select (``ROM_LUTS[target]["selected"]``, in LUTs)."""
    if address_bits < 2:
        return 0.0
    table = ROM_LUTS[target]["selected" if selected else "counter" if counter else "register"]
    top = max(table)
    if address_bits <= top:
        return table[address_bits]
    return table[top] * 2 ** (address_bits - top)


def rom_luts_of_depth(target: str, depth: int, *, counter: bool,
                      selected: bool = False) -> float:
    """:func:`rom_luts` for a ROM of ``depth`` words, between two powers of two: the words
    beyond ``depth`` are never read, so their part of the read multiplexer is left out (the
    LUTs grow with the words, from those of ``2**(a - 1)`` words to those of ``2**a``)."""
    bits = max(1, (depth - 1).bit_length())
    full = rom_luts(target, bits, counter=counter, selected=selected)
    if bits < 3 or depth >= 1 << bits:
        return full
    select = ROM_SPLIT_SELECT.get(target, {}).get(bits - 1) if counter else None
    if select is not None:
        # a weight ROM past 2**(a - 1) words, wider than a LUT's inputs: the 2**(a - 1)-word
        # ROM, the rest's own ROM and a select between them per column (measured inside
        # the blocks: ``ROM_SPLIT_SELECT``)
        low = 1 << (bits - 1)
        return (rom_luts(target, bits - 1, counter=True)
                + rom_luts_of_depth(target, depth - low, counter=True) + select)
    half = rom_luts(target, bits - 1, counter=counter, selected=selected)
    return half + (full - half) * (depth - (1 << (bits - 1))) / (1 << (bits - 1))


def split_without_select(target: str, depth: int) -> bool:
    """Whether a weight ROM of ``depth`` words whose read register feeds logic (the MX MVAU's
    element decoders) maps without a select past 16 words: ``16 + r`` words (``0 < r <
    16``) on ECP5. Such a column maps as its 16-word LUT4 and, where its last ``r`` words
    vary, one LUT4 more for them, the two joined by a wide-mux cell (PFUMX), not a LUT;
    where they are constant the read register's synchronous set / reset takes them (the ROM
    alone and in sweep point m10's MX MVAU, 18 words: ``python
    benchmarks/bench_mx_weight_rom.py``). Counted as ``mx_rom``, those LUTs. An int MVAU's
    ROM, read into its products, takes the select (:func:`rom_luts_of_depth`), and so does
    every ROM on iCE40, which has no wide-mux cell (not measured there)."""
    return 16 < depth < 32 and target == "ecp5"


class Tally:
    """Features and exact cells of one block (or glue) on one target."""

    def __init__(self, target: CostTarget):
        self.target = target
        self.features = defaultdict(float)
        self.dsp = 0
        self.bram = 0.0
        self.lutram = 0
        self.memories = []          # (name, style, words, bits) for reports and tests

    def merge(self, other: "Tally") -> None:
        """Add ``other``'s features, cells and memories (a part counted on its own)."""
        for name, value in other.features.items():
            self.features[name] += value
        self.dsp += other.dsp
        self.bram += other.bram
        self.lutram += other.lutram
        self.memories += other.memories

    # -- plain logic ------------------------------------------------------------------------
    def reg(self, bits: float) -> None:
        self.features["reg"] += bits

    def dsp_reg(self, bits: float) -> None:
        """Registers at a DSP's ports (its operands', its product's): ``reg_dsp_port`` where
        the target packs them into the DSP (``CostTarget.dsp_packs_registers``, xc7), else
        plain flip-flops (``reg``)."""
        self.features["reg_dsp_port" if self.target.dsp_packs_registers else "reg"] += bits

    def add(self, bits: int, *, count: int = 1, dsp_input: bool = False,
            increment: bool = False, post_add: bool = False,
            fabric_sum: bool = False, accumulator: bool = False) -> None:
        """``count`` adders of ``bits`` bits each (their carry cells included);
        ``increment``: one operand is a constant (a counter); ``post_add``: one operand is a
        DSP's whole product, which only it reads (a requantizer lane's partial products
        summed): where the target's DSP takes such a sum (``dsp_post_add_bits``) it is no
        fabric at all (``dsp_post_add``), a wider one there is in the fabric (``dsp_sum``).
        ``fabric_sum``: a lane's two products summed in the fabric, the DSP not taking the
        sum (serial or narrow lanes, a constant with an even low piece): on such a target
        also ``dsp_sum``, counted apart from the lane (its LUTs measured). ``accumulator``:
        an MVAU's accumulators counted as measured (``acc_add``), not by the fitted
        ``add``."""
        if bits <= 0 or count <= 0:
            return
        if fabric_sum and self.target.dsp_post_add_bits:
            self.features["dsp_sum"] += bits * count
            self.carry_cells(bits, count=count)
            return
        if post_add and self.target.dsp_post_add_bits:
            if bits <= self.target.dsp_post_add_bits:
                self.features["dsp_post_add"] += bits * count
                return
            self.features["dsp_sum"] += bits * count
            self.carry_cells(bits, count=count)
            return
        if accumulator and bits >= self.target.carry_min_bits:
            self.features["acc_add"] += bits * count
            self.carry_cells(bits, count=count)
            return
        if bits < self.target.carry_min_bits:
            # too narrow for the target's carry chain: LUTs (on ECP5 a LUT4 per few
            # inputs, its carry cells holding none of them; an increment needs fewer)
            self.features["inc_lut" if increment else "add_lut"] += bits * count
            return
        self.features["dsp_add" if dsp_input else "add"] += bits * count
        self.features["carry"] += math.ceil(bits / self.target.carry_bits) * count

    def tree(self, tree: Tree, *, count: int = 1, dsp_leaves: bool = False) -> None:
        """``count`` sums of ``tree.leaves`` terms: one adder for two terms; for more, a
        carry-save tree and one adder (what ``alumacc`` and ``maccmap`` make of them).
        ``dsp_leaves``: the terms are DSP products (``csa_dsp``: Yosys sums those with
        other cells than a tree of soft terms, so the fit weighs them apart)."""
        if tree.leaves < 2:
            return
        if tree.leaves == 2:
            self.add(tree.adders[0], count=count)
            return
        out = tree.width
        rows = tree.leaves * out if tree.signed else tree.leaf_bits
        self.features["csa_dsp" if dsp_leaves else "csa"] += max(rows - 2 * out, 0) * count
        self.add(out, count=count)

    def carry_cells(self, bits: int, *, count: int = 1) -> None:
        """The carry chain of an adder or comparator whose LUTs another feature counts."""
        if bits >= self.target.carry_min_bits:
            self.features["carry"] += math.ceil(bits / self.target.carry_bits) * count

    def mux(self, bits: float, ways: int = 2) -> None:
        """``bits`` selects of one of ``ways`` values: a two-way select often merges into
        the logic around it (``mux``), a wider one is a tree of its own (``mux_n``)."""
        self.features["mux" if ways <= 2 else "mux_n"] += bits * max(ways - 1, 0)

    def cmp(self, bits: float, *, constant: bool = False, count: int = 1) -> None:
        """``count`` comparators of ``bits`` bits (against a constant: half the work)."""
        if not constant and bits < self.target.carry_min_bits:
            self.features["cmp_lut"] += bits * count   # too narrow for a carry chain: LUTs
            return
        self.features["cmp"] += (bits / 2 if constant else bits) * count
        self.features["carry"] += math.ceil(bits / self.target.carry_bits) / (
            2 if constant else 1) * count

    def shift(self, bits: int, stages: int) -> None:
        self.features["shift"] += bits * stages

    def logic(self, bits: float) -> None:
        self.features["logic"] += bits

    def block(self) -> None:
        self.features["block"] += 1

    # -- multipliers and memories -------------------------------------------------------------
    def multiply(self, a_bits: int, b_bits: int, y_bits: int, *, count: int = 1,
                 a_signed: bool = True, b_signed: bool = True,
                 soft_bits: int | None = None, operand_pairs: int | None = None,
                 fold_pairs: int = 0, constant_set_bits: int | None = None) -> Product:
        """``count`` products; ``soft_bits``: the partial-product bits of all of them if they
        stay in logic, where the caller knows an operand's bits (constant weights);
        ``operand_pairs``: one product's varying operand bit pairs where an operand has
        fields of copies or constants (in place of ``a_bits x b_bits``);
        ``fold_pairs``: one product's operand bit pairs whose ``a`` bit is a per-fold
        constant (not in ``operand_pairs``);
        ``constant_set_bits``: ``b`` is a constant with this many set bits in its odd part
        (:meth:`multiply_constant`)."""
        product = multiplier(a_bits, b_bits, y_bits, self.target, a_signed=a_signed,
                             b_signed=b_signed)
        if product.dsp > 1 and not self.target.dsp.cascade:
            # the partial products are summed in the fabric (Xilinx: in the DSP cascade)
            self.features["csa"] += max(product.dsp - 2, 0) * y_bits * count
            self.add(y_bits, count=count)
        product = product * count
        if soft_bits is not None and product.dsp == 0:
            product = Product(soft_bits=soft_bits)
        self.dsp += product.dsp
        if product.dsp == 0 and a_bits + b_bits <= self.target.lut_inputs:
            # a product of no more inputs than a LUT has (an unsigned operand's zero sign
            # bit is none): one LUT per result bit
            self.features["soft_mul_lut"] += min(y_bits, a_bits + b_bits) * count
        else:
            self.features["soft_mul"] += product.soft_bits
            if product.dsp == 0:
                if constant_set_bits is not None:
                    self.features["soft_set"] += a_bits * constant_set_bits * count
                else:
                    pairs = a_bits * b_bits if operand_pairs is None else operand_pairs
                    self.features["soft_ab"] += pairs * count
                    self.features["soft_ab_fold"] += fold_pairs * count
        return product

    def multiply_constant(self, var_bits: int, constant: int, y_bits: int, *, count: int = 1,
                          signed: bool = True) -> Product:
        """A variable times a constant: Yosys strips the constant's trailing zeros (a shift)
        and keeps the rest as a product as narrow as the constant (none for a power of
        two)."""
        constant = abs(int(constant))
        if constant == 0:
            return Product()
        zeros = (constant & -constant).bit_length() - 1
        constant >>= zeros
        if constant == 1:
            return Product()
        c_bits = constant.bit_length() + (1 if signed else 0)
        return self.multiply(var_bits, c_bits, max(y_bits - zeros, 1), count=count,
                             a_signed=signed, b_signed=signed,
                             constant_set_bits=constant.bit_count())

    def rom(self, name: str, rom: Rom, *, selected: bool = False,
            decoded: bool = False) -> str:
        """A ROM; its read register too when it reads synchronously. Returns its style.
        ``selected``: read at the shared requantizer's address select, its columns in soft
        logic counted as ``rq_table`` (LUTs measured inside the blocks), not ``rom``.
        ``decoded``: a weight ROM whose read register feeds logic (the MX MVAU's element
        decoders): see :func:`split_without_select`."""
        style = memory_style(rom, self.target)
        if style == "bram":
            self.bram += bram_tiles(rom, self.target)
        elif rom.columns and decoded and split_without_select(self.target.name, rom.depth):
            self.features["mx_rom"] += rom.distinct + rom.tail
            if rom.sync_read:
                self.reg(rom.distinct)
        elif rom.columns:
            self.features["rq_table" if selected else "rom"] += rom.distinct * rom_luts_of_depth(
                self.target.name, rom.depth, counter=rom.counter_address, selected=selected)
            if rom.sync_read:
                self.reg(rom.distinct)
        self.memories.append((name, style, rom.depth, rom.width))
        return style

    def ram(self, name: str, ram: Ram, *, bank_select: bool = True) -> str:
        """A RAM; its read register too when it reads synchronously. Returns its style.
        ``bank_select=False``: a LUT RAM's select among its primitives in depth is counted
        by the caller (the sliding window's ``win_read``), not as ``lutram_mux``."""
        style = memory_style(ram, self.target)
        if style == "bram":
            self.bram += bram_tiles(ram, self.target)
            # flip-flops per data bit outside the block RAM (``bram_ram_ffs``), measured on
            # ECP5 (line buffers in DP16KD: sweep points w02, p01, p04, d03: two) and on
            # iCE40 (SB_RAM40_4K: one, the write data's bypass register)
            self.reg(self.target.bram_ram_ffs * ram.width)
            if ram.shared_address:
                # read before the write at one address, emulated beside the block RAM
                self.reg(self.target.bram_read_first_ffs * ram.width)
        elif style == "lutram":
            self.lutram += lutram_primitives(ram, self.target)
            # deeper than one primitive: the read selects among the banks in LUTs
            if bank_select:
                self.features["lutram_mux"] += ram.width * (lutram_banks(ram, self.target) - 1)
            if ram.sync_read:
                self.reg(ram.width)
        else:
            self.features["ram_ff"] += ram.width * ram.depth
            if self.target.wide_muxes or ram.depth <= 2:
                self.mux(ram.width, ram.depth)
            else:
                # without wide multiplexers (iCE40) the read is a tree of two-way selects,
                # a LUT4 each (the digits MLP's 3-word, 128-bit input FIFO: 271 SB_LUT4)
                self.features["ram_mux"] += ram.width * (ram.depth - 1)
                # and a write enable per word, a LUT4 of the write address and enable
                # (a 9-word FIFO alone: 11 SB_LUT4, two of them address decodes shared)
                self.features["ram_we"] += ram.depth
            if ram.sync_read:
                self.reg(ram.width)
        self.memories.append((name, style, ram.depth, ram.width))
        return style
