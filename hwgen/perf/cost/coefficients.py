"""Fitted coefficients of the cost model: what one unit of each feature costs per target.

The part between the ``fitted`` markers is written by ``python benchmarks/fit_cost_model.py
--write`` (non-negative least squares on the relative error over the sweep of
benchmarks/cost_sweep.py, against Yosys through the cells ``hwgen synth`` counts). Do not
edit it by hand: refit. xcup, ECP5, iCE40 and xc7 are each fitted on the sweep synthesised
for them (xc7 with xcup's hand-measured LUT coefficients and ROM tables: the same LUT6 /
CARRY4 fabric, but a DSP48E1 that Yosys packs registers into, ``FIXED["xc7"]`` below).
"""

# -- fitted: begin (benchmarks/fit_cost_model.py --write replaces this part) -----------------
#: where each target's coefficients come from
FITTED_ON = {
    "xcup": "2026-12-07, 89 parts",
    "ecp5": "2026-12-07, 89 parts",
    "ice40": "2026-12-07, 89 parts",
    "xc7": "2026-12-07, 89 parts",
}
#: the same in one line (shown in manifest.json and the report)
FITTED = ("benchmarks/fit_cost_model.py: "
          "xcup: 2026-12-07, 89 parts; "
          "ecp5: 2026-12-07, 89 parts; "
          "ice40: 2026-12-07, 89 parts; "
          "xc7: 2026-12-07, 89 parts"
          )
COEFFICIENTS = {
    "xcup": {
        "lut": {
            "add": 0.3492, "csa": 0.3531, "csa_dsp": 1.0775, "mux": 0.8708, "in_mux": 1.5017,
            "soft_mul": 0.8287, "soft_mul_lut": 1.669, "logic": 1.1711, "ram_ff": 1.551,
            "rq_g": 64.1556, "rq_g_bits": 2.0892, "rq_shift": 0.4273, "rq_serial": 7.0217,
            "rq_lshift": 0.1601, "rq_mux": 1.519, "mx_decode": 0.7291, "mx_align": 1.6395,
            "mx_quant": 2.3877, "win_ctl": 0.5508, "term_and": 1.3319, "csa_borrow": 0.5657,
            "dwc_pick": 1.0544, "dwc_ctl": 1.0936, "win_read": 0.9362, "tern_term": 0.3669,
            "rq_sh_bits": 4.9357,
        },
        "ff": {
            "reg": 0.9835, "reg_dsp": 0.9562, "ram_ff": 0.3324, "block": 2.4735,
        },
        "carry": {
            "carry": 0.5718, "soft_mul": 0.0923, "rq_g_carry": 1.2867, "rq_s_carry": 0.4594,
            "mx_carry": 0.6445,
        },
    },
    "ecp5": {
        "lut": {
            "add": 0.0111, "add_lut": 0.176, "inc_lut": 3.3164, "csa": 0.3358, "mux": 0.0338,
            "in_mux": 1.4132, "lutram_mux": 4.0761, "popcount": 0.3576, "cmp": 1.4916,
            "cmp_lut": 3.3815, "rom": 1.1309, "soft_mul": 1.1862, "logic": 3.813, "rq_g": 23.3499,
            "rq_g_bits": 0.7478, "rq_s": 48.4736, "rq_s_bits": 0.4132, "rq_var": 5.5807,
            "rq_shift": 0.4911, "rq_serial": 1.357, "rq_mux": 0.8081, "mx_quant": 2.8307,
            "win_ctl": 0.2805, "dwc_pick": 1.0514, "dwc_ctl": 1.2007, "win_read": 1.0437,
            "bwn_csa": 2.6611, "tern_term": 3.6983,
        },
        "ff": {
            "reg": 0.9841, "reg_dsp": 0.9513, "ram_ff": 0.1826, "block": 2.9221,
        },
        "carry": {
            "carry": 0.705, "soft_mul": 1.4331, "rq_g_carry": 1.5365, "rq_s_carry": 0.6439,
            "mx_carry": 0.5664,
        },
    },
    "ice40": {
        "lut": {
            "add_lut": 1.0969, "mux": 1.1705, "popcount": 1.7996, "cmp_lut": 38.198, "rom": 1.5503,
            "soft_mul_lut": 1.1151, "block": 33.1732, "rq_g_bits": 11.7817, "rq_s_bits": 3.1874,
            "rq_var": 29.4655, "rq_shift": 1.0345, "rq_lshift": 0.4706, "rq_mux": 0.0346,
            "mx_decode": 2.3774, "mx_align": 0.9728, "mx_quant": 3.4636, "thr_cmp": 0.8361,
            "term_and": 1.0811, "rq_table": 0.931, "mx_term_log": 1.1553, "dwc_pick": 1.0672,
            "dwc_ctl": 1.2483, "win_read": 0.7951, "tern_term": 0.8639, "rq_sh_bits": 18.2327,
            "mx_nan": 0.3774, "soft_ab": 2.2632, "soft_set": 1.8392,
        },
        "ff": {
            "reg": 0.9881, "reg_dsp": 0.8853, "ram_ff": 0.9718, "block": 11.1799,
        },
        "carry": {
            "carry": 0.3508, "soft_mul": 0.0919, "block": 21.567, "rq_g_carry": 1.2256,
            "rq_s_carry": 0.2555, "mx_carry": 0.5002,
        },
    },
    "xc7": {
        "lut": {
            "add": 0.1597, "csa_dsp": 0.9069, "mux": 0.8628, "in_mux": 1.5911, "soft_mul": 0.9562,
            "soft_mul_lut": 1.9641, "logic": 1.4372, "ram_ff": 2.7596, "rq_g": 37.754,
            "rq_g_bits": 2.3583, "rq_shift": 0.2639, "rq_serial": 12.3772, "rq_mux": 1.8131,
            "mx_decode": 0.6627, "mx_align": 1.3771, "mx_quant": 2.6571, "win_ctl": 0.7525,
            "csa_borrow": 0.9634, "dwc_pick": 1.0453, "dwc_ctl": 1.3221, "win_read": 0.9307,
            "tern_term": 1.8115, "rq_sh_bits": 3.1513, "mx_nan": 0.1933,
        },
        "ff": {
            "reg": 0.9858, "reg_dsp": 0.6661, "reg_dsp_port": 0.0592, "ram_ff": 0.4201,
            "block": 2.0049,
        },
        "carry": {
            "carry": 0.6051, "soft_mul": 0.1081, "rq_g_carry": 1.0865, "rq_s_carry": 0.3649,
            "mx_carry": 0.5267,
        },
    },
}
# -- fitted: end ------------------------------------------------------------------------------
#: Coefficients measured by hand, not fitted (the fit takes their part off the observed
#: counts first): on Xilinx one LUT6 per counter output of the XNOR MVAU's compressor-tree
#: popcount (``benchmarks/bench_xnor_resources.py``: its four points, 64 x 64 at PE x SIMD
#: 1 x 8 to 8 x 64, synthesised counter by counter); and the LUTs of the threshold unit's
#: comparators per bit (``thr_cmp``), measured on the threshold unit's module alone
#: (``benchmarks/bench_kept_modules.py``: sweep points b01, b02, b03, b06, bw2, t02 with every
#: module kept; 0.70-0.96 LUT6 a bit on xcup, 0.14-0.24 LUT4 on ECP5, whose CCU2C carry
#: cells hold the comparison): fitted with the blocks, the comparators go to zero and their
#: LUTs to other features. ``mx_term_reg`` (the MX MVAU's term select when one lane makes a
#: block and feeds the dot register, counted in LUTs by ``mx_mvau.term_select_luts``; no sweep
#: point has one lane per block) was measured on the MX MVAU alone, less the same block with
#: the term's shift removed: the MXFP4 example's fc3 (5 lanes) and a 4-lane MXFP6 E3M2 layer,
#: LUTs counted / Yosys 75 / 88 and 132 / 136 on xcup (1.0), 135 / 123 and 236 / 199 on ECP5
#: (0.87).
#: ``rq_low_and`` (a narrow requantizer lane's 18-bit accumulator times the multiplier's low 5
#: bits, as a sum of gated shifted copies; no sweep point has a narrow lane) was measured on
#: that sum alone between registers (``benchmarks/bench_ternary_parts.py``): 146 LUT6 on
#: xcup, 197 LUT4 on ECP5 for its 90 gated bits, less the 4.6 LUT4 the fitted ``add`` gives
#: its four adds there. Fitted with the ternary MVAU's ``term_and`` it went to 0 on ECP5
#: once the ternary trees had a feature of their own, and the digits CNN's conv1 to -35 %.
#: ``rq_zp_odd`` (a single-rounding lane's odd positive zero point with its low clamp at or
#: above 0; only the element-wise adds a02 and a03 have one in the sweep) was measured on a
#: requantizer alone, the zero point and clamp changed one at a time
#: (``benchmarks/bench_requant_zero_point.py``, ``components.odd_zero_clamp``): on ECP5 21
#: and 22 LUT4 more a lane at 4 and 8 lanes (a02's constants, zero point 7 against 6), 26-33
#: for one lane alone; none on xcup. 22 is taken: with the one-lane 30, held-out a02 (8
#: lanes) goes to +18 %.
#: ``wr_ctl`` and ``wr_bypass`` (the window reduction's control flip-flops and its group
#: bypass select) were measured on the pool alone (``benchmarks/bench_pool_parts.py``: the
#: digits CNN's pool1, int8 max over 4 positions, with 1-8 lanes, 1-32 channels and 2 / 4 / 9
#: positions, pool1 itself left out): least squares on what the block's other features leave
#: with main b5d07cc's fitted coefficients, 1.08 / 0.95 LUT6 on xcup (13 variants, every one
#: within 3 %), 0.81 / 0.83 LUT4 on ECP5 (20 variants, within 13 % but one lane in one group
#: +19 %). The counters' ``inc_lut`` and the compares' ``cmp`` / ``cmp_lut``, fitted on the
#: MVAUs' wider ones (3.1 LUT4 a bit on ECP5), put 10 LUT4 on each doubling of the groups
#: where Yosys adds 3-7, and nothing on the bypass (``mux``, 0.08 a bit on ECP5) where Yosys
#: adds about a LUT a bit.
#: ``cmp_signed`` (a signed max's lane whose compare is a carry chain: the chain compares the
#: bits below the sign, and ABC folds the sign bits' correction into the lane's select, most
#: of its bits becoming a 5-input function, two LUT4 and a PFUMX) was measured on the pool
#: alone, each variant signed and unsigned (``benchmarks/bench_pool_parts.py --signed
#: --targets ecp5``): 3-7 LUT4 more a lane at 8 bits (1-8 lanes, 1-16 channels), 5 at 6 bits,
#: none at 4 bits (a LUT compare takes the sign flip in its inputs); least squares of the
#: differences over the lanes, 5.4. None on xcup (2 and 4 lanes: 70 / 70, 111 / 111 LUT6).
#: The int8 variants ``wr_ctl`` and ``wr_bypass`` were measured on are signed: with
#: ``cmp_signed`` counted, the same least squares (``bench_pool_parts.py --targets ecp5``,
#: the coefficients before the fourth refit) gives 0.70 / 0.65 on ECP5, not 0.81 / 0.83.
#: ``mx_sign`` (a sign-magnitude MX element's sign applied, ``Mux(sign, -mant, mant)``, per
#: signed-mantissa bit; int elements have none) was measured on the MX MVAU less the same
#: block with its weight decoders' sign tied to 0 (``python benchmarks/bench_mx_parts.py
#: --points m08,m05,m04,m03 --variants no_sign,no_align``): on xcup 265, 184 and 181 LUT6 for
#: m08's, m05's and m03's 128, 80 and 80 bits (2.1, 2.3, 2.3 a bit: 2.2), on ECP5 182 and
#: 119 LUT4 for m08 and m05 (1.42, 1.49 a bit, DSP products: 1.45; m03's soft products 2.6);
#: MXINT8's m04 saves none (-6 LUT4, -97 LUT6). Fitted, it went to 0 on ECP5 (the fitted MX
#: points' per-lane features move together) or 1.3. Those figures held more than the sign:
#: with it tied to 0 every term of a block on unsigned or MX inputs is non-negative, and
#: Yosys drops the terms' and the trees' sign extension too. Measured instead with the sign
#: application a wire that keeps a live sign bit (``Cat(mant, sign)`` read as signed, the
#: ``sign_wire`` variant; ``python benchmarks/bench_mx_parts.py --targets ecp5 --points
#: m13,m05,m08,m12 --variants no_sign,sign_wire``, ``--points m01,m11,m02,m03 --variants
#: sign_wire``): on ECP5 111 / 58 / 7 / 115 / 14 / 32 / 62 / 78 LUT4 for 160 / 80 / 128 / 160
#: / 48 / 96 / 80 / 80 bits (m13, m05, m08, m12, m01, m11, m02, m03: 0.05-0.98 a bit; its
#: carry cells, 3-4 a lane, go as with ``no_sign``), least squares 0.58; on xcup (``--targets
#: xcup --points m13,m05,m08 --variants sign_wire``) 123 / 79 / 104 LUT6 for 160 / 80 / 128
#: bits, 0.81.
#: ``dwc_onehot`` (an up-sizing width converter's one-hot count: each flag's next state and
#: the enables that OR flags; no sweep point has one) was measured on the converters alone
#: (``python benchmarks/bench_width_converter.py --pairs 1x16,1x20,1x24,1x32,2x64,3x16``,
#: 1-, 4- and 8-bit elements): least squares on what their other features leave, 1.04 LUT6
#: on xcup (0.99-1.15 per converter), 0.89 LUT4 on ECP5 (0.58-1.13).
#: ``rq_table`` (the shared requantizer's tables, ``ROM_LUTS[target]["selected"]`` LUTs a
#: distinct column) is 1.0: the table holds LUTs measured inside the blocks
#: (``benchmarks/bench_requant_tables.py``); fitted freely it comes out at 0.92 (xcup) and
#: 1.03 (ECP5).
#: ``rq_sh`` and ``rq_sh_bits`` (an int MVAU's shared requantizer lane of one shift: its
#: rounding, zero point and saturation, ``int_mvau.block_requantizer``; only i11 of the sweep
#: has one) were measured in the block, per-tensor, less the same block without its
#: requantizer (``python benchmarks/bench_int_mvau_parts.py``, the ``norq`` step, less the
#: model's count of the selects, counters and adds it removes; one lane each): on ECP5 -5,
#: -12, -8, -14, +2, +1 LUT4 (g07 layer_0, i11, i32, i03, i12, i26): the lane is its selects
#: (``rq_mux``), so 0 (fixed here). On xcup (``--targets xcup --points g07/0,i11,i03,i26``)
#: the lane is real: 108, 71, 118, 96 LUT6, 5.5-9.8 a kept bit (12-13 bits a lane); fixed at
#: the median 8.1 the xcup refit moves the binary MLP's glue to -17 %, so xcup's is fitted
#: (4.5 a bit, from i11 alone).
#: ``acc_mux`` on ECP5 (the accumulators' select between the bias preload and the running
#: sum, a bit) was measured in the int MVAUs, the preload removed (``python
#: benchmarks/bench_int_mvau_parts.py``, the ``noacc`` step): 0.97-1.01 LUT4 a bit in g07
#: layer_0, i32, c01 layer_1, i16, i26, i30, whose bias tables are nearly constant (fitted,
#: 0.6-0.77). On xcup the same step removes none (g07, i11, i03, i26), which the fit
#: does not follow (0.62-0.67): not fixed there.
#: ``rq_sh_shift`` on ECP5 (a shared requantizer lane's shifter where its shift changes per
#: fold: the product's high bits x the shift register's bits, ``int_mvau.block_requantizer``;
#: the lane itself stays ``rq_sh`` / ``rq_sh_bits``) was measured in the int MVAUs, the shift
#: made per-tensor with the multipliers per-tensor too (``python
#: benchmarks/bench_requant_tables.py --targets ecp5 --points g07/0,i26,i32,i02,i12 --variants
#: as,mflat``: ``mflat`` less ``rqflat``, less the model's shift tables, a unit): 0.83, 0.86,
#: 1.30, 1.24, 1.24 LUT4 (g07 layer_0, i26, i32, i02, i12), and from the same step measured
#: before (the shared requantizer's tables subsection of docs/synthesis.md) 0.97, 0.99, 0.93,
#: 1.21 (g06 layer_0, g09 layer_0, i03, i14), c01 and i05 (``as`` less ``sflat``) 1.19, 1.37,
#: the single-rounding i16 1.22: the median, 1.2. Where a lane per PE's ``rq_g_bits`` (2.0 a
#: kept bit) and ``rq_shift`` (0.5) counted 52-79 LUT4 for it, these points measure 30-95.
#: Not on xcup, where a shared lane is counted as a lane per PE's (see ``rq_sh`` above).
#: ``mx_in_mux``, ``mx_term_log`` and ``mx_csa`` (the MX MVAU's select between the latched
#: beat and the input buffer, a bit; its terms' shift ``prod << exp``, a shifter-stage bit of
#: ``log_shifter_bits``; its block trees, a sign-extended row bit) were measured in the blocks:
#: ``python benchmarks/bench_mx_parts.py --targets ecp5,xcup --points m01,m11,mx:fc2,mx:fc1
#: --variants kept_tree,kept_tree+no_exp,no_rom,no_in_mux`` (and ``--points m06,m08``), the
#: block less the block with the structure removed. The select: 46 / 249 / 265 / 518 LUT6 and
#: 60 / 261 / 242 / 514 LUT4 for 64 / 256 / 256 / 512 bits (1.0 on both targets, where
#: ``in_mux``, fitted on the int MVAUs, weighs about 2). The shift, with the trees kept apart
#: (so the terms' narrower range does not shrink them): 0.52-0.59 LUT6 a bit (m08 1.0), least
#: squares 0.55; 0.72-0.97 LUT4, 0.82. The trees (the block less the block with its trees
#: kept, nine blocks, m06 left out): least squares 1.32 LUT6, 2.07 LUT4 a row bit.
#: ``mx_in_tree`` (those trees again, where an MX input's exponent shifts the terms) was
#: measured the same way, the block less the block with its trees kept, less ``mx_csa``'s
#: count: ``python benchmarks/bench_mx_parts.py --targets ecp5,xcup --points m12,m13,mxa:fc3
#: --variants kept_tree`` (and m06 above): on ECP5 886 / 911 / 1106 / 704 LUT4 more for 384 /
#: 420 / 348 / 174 row bits (m06, m12, m13, the MX6-on-MXFP8 MLP's fc3: 2.31 / 2.17 / 3.18 /
#: 4.05 a row bit), least squares 2.59; on xcup 99 / 13 / 18 / 16 LUT6 (0.26 / 0.03 / 0.05 /
#: 0.09), 0.11. The same shifts by a weight's exponent (m02, m09) cost none more; that MLP's
#: fc2 (MXFP8 outputs, 17 k LUT4) none either (0.10), the one exception found.
#: ``known_mul``, ``known_mul2`` and ``known_tree`` (an int MVAU's soft products by weights
#: known over one or two steps, and its trees over them: ``known_weights``) were measured
#: alone, 8 PEs x 9 products of five weight distributions and four kinds of code, the
#: pooled LUTs a function bit / a tree bit (``python benchmarks/bench_known_products.py
#: --targets xcup,ice40 --values 1,2,4``): xcup 0.66 / 1.23 / 1.62 LUT6, iCE40 1.11 / 1.98 /
#: 2.10 LUT4 (``FIXED["ice40"]``). ECP5 multiplies such products in MULT18X18Ds and never
#: counts them (its table holds iCE40's figures).
#: ``csa_dsp`` on ECP5 (the int MVAU's adder trees over MULT18X18D products, a carry-save
#: bit) was measured in the blocks, the block less the block with each PE's dot product its
#: first product alone (``python benchmarks/bench_int_mvau_parts.py --targets ecp5``, the
#: ``notree`` step): 1.50 / 1.60 / 1.60 / 1.65 / 1.67 / 1.48 / 1.48 / 1.50 LUT4 a bit (i11, i32,
#: c01, i03, i12, i16, i02, i30); ``--points i36,i37,i35,i33,i22``: 1.60-1.75. Fitted, it
#: traded against ``in_mux`` (both grow with SIMD on every int MVAU) at 1.10; fixed at 1.45,
#: just below the measured range (at 1.5, with ``mx_rom`` below, the digits CNN's conv2 sat
#: at +15.0 %, its trees' excess over the count left to the fitted ``in_mux``).
#: ``mx_rom`` (an MX MVAU's weight ROM of 17-31 words on ECP5: a LUT4 a distinct column, one
#: more where its words past 16 vary, no select; ``tally.split_without_select``) is the ROM
#: alone (``python benchmarks/bench_mx_weight_rom.py --depths 16,17,18,20,24,28,32,36``:
#: 1.00 / 1.00 / 1.50 / 1.89 / 1.99 / 2.00 / 2.00 / 3.75 LUT4 a column, 18 words 1.51 with
#: the decoders behind it, ``--decoded m10``) and in sweep point m10 (``python
#: benchmarks/bench_mx_parts.py --targets ecp5 --points m10 --variants no_rom``: 839 LUT4
#: for its 814 such LUTs, 1.03): 1.0.
#: ``mx_nan`` on ECP5 (an MX input whose element can be NaN / Inf: each lane's term zeroed,
#: ``Mux(nan, 0, term)``, a term bit) was measured in the blocks, the decoders' NaN / Inf
#: flags tied to 0 (``python benchmarks/bench_mx_parts.py --targets ecp5 --points
#: m13,m12,m06,m02,m09 --variants no_nan``, ``--points mxa:fc3``): 306 / 520 / -140 / -2
#: LUT4 for 416 / 416 / 464 / 208 term bits in the MX-input blocks m13, m12, m06 and the
#: MX6-on-MXFP8 MLP's fc3 (0.74 / 1.25 / -0.30 / -0.01 a bit), least squares 0.46;
#: the float weights' zeroing (m02 103 LUT4 for 464, m09 214 for 688: 0.22 / 0.31) is not
#: counted. Fitted freely on ECP5 it goes to 0.19 (m06 the one fitted MX-input point); on
#: xcup it is fitted (not measured there).
#: ``mx_align`` on ECP5 (the block alignment's shifter bits) is the least squares of the
#: alignment removed in the blocks (``bench_mx_parts.py --targets ecp5 --variants no_align``,
#: ``no_align+no_xalign`` for the MX-input points): m10 833, m09 367 and 536 (two runs), m13
#: 135, m12 73, m08 169, m05 10 LUT4 for 1168 / 576 / 278 / 143 / 79 / 130 shifter bits
#: (0.08-2.1 a bit, median 0.64): 0.72; fitted it went to 0.15, pulled down by m10, whose
#: ROM was counted 1,189 LUT4 for 839 (the split rule's select, which its ROM does not take).
#: ``dw_sum`` (a depthwise unit's running-sum adder bits with one group, its products DSPs):
#: Yosys packs no post-adder (every DSP48E2 of d02, and of d03, is a bare multiply, OPMODE
#: 005, C = 0), so the adder is a LUT a bit beside its CARRY4s on xcup, and the preload
#: select (a constant bias or the one running register) folds into that LUT (``python
#: benchmarks/bench_depthwise_parts.py --points d02``: taking the select away removes 1 LUT6
#: of 72 bits; the requantizer removed in the block, less the requantizer alone (``--lanes``),
#: 528 - 486 = 42 LUT6 for the adders' 40 high bits it takes with it; the 32 low bits left as
#: 38 LUT2): 1.0. On ECP5 the adder's LUTs are its CCU2Cs' own and the select folds the same
#: way (1 LUT4 of 72 bits): 0.
#: ``rq_g0`` and ``rq_g0_bits`` (a gemmlowp lane whose right shift is 0 at every fold: no
#: rounding divide) are the lanes alone (``python benchmarks/bench_requant_lanes.py --points
#: i36,i28 --shifts 0,-1,-7``, ``--points i36,i20 --shifts 0 --acc 14,19``): 9.0 LUT4 a lane
#: on ECP5 at 10-19 accumulator bits, one lane or eight (no part growing with its bits); on
#: xcup 40-60 LUT6, the least squares over seven variants 7.66 a lane and 2.48 a bit after
#: the high multiply (residuals within 3.4). iCE40 at ECP5's LUT4 figures, not measured there.
#: ``rq_s`` / ``rq_s_bits`` on xcup (a single-rounding lane, per lane / per counted bit): the
#: lanes alone grow with their bits through the origin, 2.25-2.54 LUT6 a counted bit (d02's
#: lanes at 10 / 14 / 18 / 24 accumulator bits, ``python benchmarks/bench_depthwise_parts.py
#: --points d02 --lanes --acc 10,14,24``: 94.3 / 109.3 / 121.5 / 137.5 LUT6 for 42 / 46 / 50 /
#: 56 bits; the binary MLP's fc3, 966 LUT6 for five lanes of 76 bits), least squares 2.45; at
#: 2.45 the binary MLP's glue on xcup goes to -16 %, so 2.3, at the low end of the measured
#: range, and no lane constant (fitted, it took 47-49 LUT6 a lane from other features).
#: ``rom`` on xcup: 1.0, the ROM LUT table (``ROM_LUTS``, measured) as it is.
FIXED = {"xcup": {"lut": {"popcount": 1.0, "thr_cmp": 0.86, "mx_term_reg": 1.0,
                          "rq_low_and": 1.62, "rq_zp_odd": 0.0, "wr_ctl": 1.08,
                          "wr_bypass": 0.95, "bin_rom": 1.0, "bin_in_mux": 1.0,
                          "bwn_dot": 2.58, "cmp_signed": 0.0, "mx_sign": 0.81,
                          "dwc_onehot": 1.04, "rq_table": 1.0, "mx_in_mux": 1.0,
                          "mx_term_log": 0.55, "mx_csa": 1.32, "mx_in_tree": 0.11,
                          "known_mul": 0.66, "known_mul2": 1.23, "known_tree": 1.62,
                          "dw_sum": 1.0, "rq_g0": 7.66, "rq_g0_bits": 2.48, "rq_s": 0.0,
                          "rq_s_bits": 2.3, "rom": 1.0}},
         "ecp5": {"lut": {"thr_cmp": 0.18, "mx_term_reg": 0.87, "rq_low_and": 2.14,
                          "rq_zp_odd": 22.0, "wr_ctl": 0.7, "wr_bypass": 0.65,
                          "cmp_signed": 5.4, "mx_sign": 0.58, "dwc_onehot": 0.89,
                          "rq_table": 1.0, "rq_sh": 0.0, "rq_sh_bits": 0.0, "acc_mux": 1.0,
                          "rq_sh_shift": 1.2, "mx_in_mux": 1.0, "mx_term_log": 0.82,
                          "mx_csa": 2.07, "mx_in_tree": 2.59, "known_mul": 1.11,
                          "known_mul2": 1.98, "known_tree": 2.1, "csa_dsp": 1.45, "mx_rom": 1.0,
                          "mx_align": 0.72, "dw_sum": 0.0, "mx_nan": 0.46, "rq_g0": 9.0,
                          "rq_g0_bits": 0.0}}}
#: iCE40 (fitted on the sweep synthesised with ``synth_ice40``): an adder bit is one SB_LUT4
#: beside its SB_CARRY (a registered 16-bit add alone: 16 SB_LUT4, 15 SB_CARRY; fitted freely
#: ``add`` went to 0 and its LUTs to the blocks' constant terms), the known-weight products
#: as measured on iCE40 (above), and the four features no sweep point has (``mx_term_reg``,
#: ``rq_low_and``, ``rq_zp_odd``, ``dwc_onehot``) at ECP5's LUT4 figures, not measured on
#: iCE40 (``dwc_onehot`` counts LUT4 functions of a width converter's one-hot count, the same
#: logic on both; the fit left it at 0, and the binary MLP's up-sizer at 12 LUT4 against 75).
#: iCE40's LUT multipliers are counted as they spend (``soft_ab``, ``soft_set``: a variable
#: product's operand bit pairs, a constant product's variable bits x set bits) in place of
#: maccmap's sign-extended partial products (``soft_mul``): measured alone 2.6-2.9 and
#: 1.8-2.2 LUT4 a unit, fitted in the blocks 2.41 / 2.25 ("iCE40's LUT multipliers" in
#: docs/synthesis.md). xcup and ECP5 keep ``soft_mul`` (their few soft products: the
#: measured int4 pairings). ``in_mux`` (the step's select between the latched beat and the
#: input buffer) measured inside six int MVAUs, 2.00-2.19 LUT4 a bit on five
#: (``bench_int_mvau_parts.py --targets ice40 --points i11,i29,i25,i18,g04/0,i06``; i06 4.16).
#: ``ram_mux`` (a memory in flip-flops read through two-way selects, no PFUMX / MUXF on
#: iCE40): a LUT4 a select, 1.0 (the digits MLP's input FIFO of 3 words x 128 bits: 271
#: SB_LUT4 for its 256 select bits and its pointers; fitted freely 0.85).
#: ``soft_ab_one`` / ``soft_ab_two`` (a packed pair's product by weights known at synthesis,
#: one or two steps): measured alone against the same products by variable weights, 0.24-0.30
#: and 0.58-0.62 of their LUT4s over four weight / code shapes
#: (``python benchmarks/bench_packed_products.py --targets ice40``), taken as those ratios of
#: the fitted ``soft_ab`` (2.38): 0.64 and 1.45. ``soft_pack_x`` (a packed product by variable
#: weights, a unit an input bit beyond its operand pairs): the same bench's products of int2
#: to int8 weights and uint8 codes are 2.2 LUT4 a pair and 7.8 an input bit (fitted freely
#: 7.97). ``csa_dsp`` (the packed pairs' carry-save trees, the only ones on iCE40): ECP5's
#: measured 1.45, the same LUT4 compressors (fitted freely it went to 0 with ``soft_pack_x``
#: and to 0.71 without).
#: ``bwn_dot`` (a binary-weight dot product, ``bits x (terms - 1.58)``, as xcup's): the dot
#: products inside sweep bw2, bw1, bw3 and bw4 (4 x 4, 2 x 8, 1 x 16, 2 x 64 terms) cost 3.55,
#: 3.75, 3.54 and 3.58 LUT4 a unit (``python benchmarks/bench_bwn_tree.py --blocks
#: bw2,bw1,bw3,bw4 --targets ice40``: the block less the block with its dot products kept).
#: ``bin_in_mux`` (a binary MVAU's select between the latched beat and the buffer): a LUT4 a
#: bit, and a LUT4 a bit more for the bypass where the buffer is a block RAM read before it
#: writes (netlists of bw2 and bw1: 16 + 16 and 64 + 64 SB_LUT4 for 16 and 64 bits), as
#: xcup's one LUT a bit; the int MVAUs' ``in_mux`` (2.1) was measured where the select feeds
#: soft products. ``acc_mux`` (the accumulators' select between the bias preload and the
#: running sum): ECP5's measured 1.0 LUT4 a bit (below), the same two-way select in a LUT4;
#: fitted freely on iCE40 it went from 0 to 1.68 with the glue's FIFO control and moved bw2
#: from +10 to +18 %.
FIXED["ice40"] = {"lut": {"add": 1.0, "known_mul": 1.11, "known_mul2": 1.98, "known_tree": 2.1,
                          "mx_term_reg": 0.87, "rq_low_and": 2.14, "rq_zp_odd": 22.0,
                          "dwc_onehot": 0.89, "rq_g0": 9.0, "rq_g0_bits": 0.0,
                          "soft_mul": 0.0, "in_mux": 2.1, "soft_ab_fold": 1.1,
                          "ram_mux": 1.0, "soft_ab_one": 0.64, "soft_ab_two": 1.45,
                          "soft_pack_x": 7.8, "csa_dsp": 1.45, "bwn_dot": 3.6,
                          "bin_in_mux": 1.0, "acc_mux": 1.0}}
for _target in ("xcup", "ecp5"):
    FIXED[_target]["lut"].update(soft_ab=0.0, soft_set=0.0, soft_ab_fold=0.0, soft_ab_one=0.0,
                                 soft_ab_two=0.0, soft_pack_x=0.0)
#: xc7 (fitted on the sweep synthesised with ``synth_xilinx -family xc7``): the same LUT6 /
#: CARRY4 fabric as xcup, so xcup's hand-measured LUT coefficients, each a structure of LUTs
#: (compressor counters, comparators, selects, ROM columns, requantizer lanes), are taken as
#: they are, not measured again on xc7. ``dw_sum`` too, though xc7's ``xilinx_dsp`` could
#: take a running sum into a DSP48E1's post-adder: the depthwise points' LUTs are xcup's
#: (d02 605 / 605, d01 411 / 417, d03 785 / 805 LUT6); fitted, it went to 0 and d02 to -18 %.
FIXED["xc7"] = {"lut": dict(FIXED["xcup"]["lut"])}
#: ``dsp_sum`` on xc7 (a requantizer lane's two DSP partial products summed in the fabric,
#: the sum wider than the DSP48E1's 48-bit post-adder: ``CostTarget.dsp_post_add_bits``) is
#: what the same sum costs in LUT6s where it is in the fabric and where it is not: the sweep's
#: int MVAUs whose lanes' sums are 43-48 bits, synthesised for xcup (every sum in the fabric:
#: no DSP48E2 post-adder) less for xc7 (every sum in the DSP: ``python
#: benchmarks/fit_cost_model.py --targets xcup,xc7``, the cache's cells), i30 151 LUT6 for
#: 276 sum bits, g04 154 / 282, g08 114 / 188, i39 165 / 336, i37 82 / 168, i35 43 / 84,
#: i33 34 / 86, i23 57 / 96 (0.40-0.61 a bit; the lanes wider than 48 bits, i21 / i27 /
#: i28 / i29, +9 to +32 LUT6 for 200-392 bits, about nothing): 0.55
FIXED["xc7"]["lut"]["dsp_sum"] = 0.55
#: ``dsp_sum`` also counts, on xc7, a gemmlowp lane's sum that the DSPs do not take (a serial
#: or narrow lane's, a constant multiplier's with an even low piece), apart from the fitted
#: lane (``rq_g``, ``rq_serial``), which then no longer carries it into the lanes whose sum is
#: in a post-adder: the sweep points synthesised alone and flattened for xc7 (scratch,
#: ``synth_xilinx -family xc7 -flatten``, ``write_json``; each LUT attributed to the
#: registers it reaches), the LUT6s reaching only a lane's product register: i20 32 (50 sum
#: bits, constant, low piece 0x466), g06's second MVAU 32 (47, serial), g09's first 32 (47)
#: and second 33 (48, serial), where i30's lanes (post-adder) have none (xcup: 28 a lane).
#: ``dsp_pair_add`` (xc7: an int MVAU's first tree stage summing two pairs' sums, each a
#: DSP48E1's P through the cascade) is the LUT6s reaching those stage registers in the same
#: netlists: i20 34 for 36 adder bits, g06's second MVAU 26 / 28, g09's second 52 / 56: 0.93
FIXED["xc7"]["lut"]["dsp_pair_add"] = 0.93
#: ``fifo_ctl`` (a ``StreamFifo``'s pointer and level bits, ``CostTarget.fifo_ctl``, iCE40)
#: and ``ram_we`` (a memory in flip-flops' write enable per word, iCE40): least squares over
#: 24 FIFOs alone (1-, 4-, 8-bit beats, 2 to 17 deep; ``python
#: benchmarks/bench_stream_fifo.py --targets ice40``), what the FIFOs' other features leave:
#: 2.24 LUT4 a bit and 0.88 a word (xcup / xc7 measure 1.12 / 1.13 LUT6 a bit: they count
#: ``fifo_ctl``, below; ECP5 counts neither).
for _target in ("xcup", "xc7", "ecp5"):
    FIXED[_target]["lut"].update(fifo_ctl=0.0, ram_we=0.0)
FIXED["ice40"]["lut"].update(fifo_ctl=2.24, ram_we=0.88)
#: xcup and xc7 count their FIFOs' control (``CostTarget.fifo_ctl``) at the 1.12 / 1.13 LUT6
#: a bit measured alone (``python benchmarks/bench_stream_fifo.py --targets xcup,xc7``, the 24
#: FIFOs' least squares), and the narrow counters and adders that were fitting it at what
#: they measure alone (``python benchmarks/bench_narrow_counters.py --targets xc7,xcup``,
#: the same on both): a 1- or 2-bit counter stepped on a handshake (``a & b``) 1.0 LUT6 a
#: bit (``inc_lut``; on one enable input 0-1), a 2-bit level stepped up and down 1.0 a bit
#: (``add_lut``). Fitted on xc7 with the FIFOs' control counted, ``inc_lut`` went from 1.54
#: to 0 and ``add_lut`` to 0.44, and g07's converter and bw2 beyond 15 % (docs/synthesis.md,
#: "The FIFO control and the narrow counters on xcup and xc7").
FIXED["xcup"]["lut"].update(fifo_ctl=1.12, inc_lut=1.0, add_lut=1.0)
FIXED["xc7"]["lut"].update(fifo_ctl=1.13, inc_lut=1.0, add_lut=1.0)
#: ``tern_level`` (a ternary MVAU's products by its per-row TTQ levels, iCE40 only: the
#: side's bits x the level bits some fold sets, ``binary_mvau.level_product_units``): the
#: block with a level set less the block with every level 1, less the model's count of the
#: rest (the level tables, the wider difference and comparators): t03 with seven sets,
#: 0.8-2.1 LUT4 a unit (1.20 by least squares; ``python benchmarks/bench_ternary_levels.py
#: --targets ice40``), a 32 x 32 block of PE 2 x SIMD 8 over 8-bit inputs with three, 1.13-1.56
#: (1.37; ``--point 32:32:2:8:8 --sets ones,base,v17,neg1``); both by least squares 1.34: 1.3.
#: Elsewhere the products stay ``Tally.multiply``'s (``soft_mul``, DSPs).
for _target in ("xcup", "xc7", "ecp5"):
    FIXED[_target]["lut"]["tern_level"] = 0.0
FIXED["ice40"]["lut"]["tern_level"] = 1.3
#: ``acc_add`` (a binary-weight or ternary MVAU's accumulator adder bits on xcup and xc7,
#: ``binary_mvau._engine``): a LUT6 a bit, the LUTs reaching the accumulators in the
#: flattened netlists (bw2 40 for its 40 adder bits on xc7 and on xcup; g09's second and
#: i18's int MVAUs on xc7 16 / 16 and 56 / 56). Fitted freely it goes to 1.9 (xcup) / 1.6
#: (xc7), carrying the binary MVAUs' other shortfalls: it is fixed at what was measured.
#: The int MVAUs' accumulators stay in ``add``: their fitted stream select (``in_mux``,
#: 1.5-1.6 against 1.0 measured on ten of them) carries them (docs/synthesis.md, "A binary
#: MVAU's accumulators on LUT6"). ECP5 and iCE40 count none (their adders' LUTs are
#: ``add``'s).
for _target in ("xcup", "xc7"):
    FIXED[_target]["lut"]["acc_add"] = 1.0
for _target, _resources in FIXED.items():
    for _resource, _coefficients in _resources.items():
        COEFFICIENTS[_target][_resource].update(_coefficients)

#: LUTs per distinct column of a ROM in soft logic, by address bits, measured with Yosys on
#: ROMs of random contents (by hand; the fit script does not refit them): ``counter`` for a
#: ROM addressed by a counter (the weight ROMs: ABC maps these far less densely than it
#: could), ``register`` for one addressed by a register (the per-fold tables). Deeper ROMs
#: double per address bit. ECP5's ``counter`` column up to 6 bits is measured inside the
#: blocks instead, where a weight ROM costs more from 32 words up and less at 8 than alone
#: (``benchmarks/bench_weight_rom_in_block.py``: fitted sweep points c01, g01 layer_1, i02,
#: i07, i17, i18 with their weight rows repeated with period 8, 16, 32, 64, less the period-2
#: block, per column: 0.6-1.0 LUT4 at 8 words, 1.0-2.3 at 16, 3.1-3.2 at 32, 4.6-5.0 in
#: ROMs of 36-40 words, 6.8 at 64), divided by the fitted ``rom`` coefficient (about 1.2).
#: xcup's ``counter`` column at 5 and 6 bits too (``--targets xcup``, points c01, g01
#: layer_1, i02, i17, i18, i08, i03, g09 layer_0, g06 layer_0: 0.7-1.1 LUT6 at 8 words and
#: 1.0-1.3 at 16, as alone, but 1.9-3.3 at 32, median 2.3, and 5.1-6.0 at 64), divided by
#: the fitted ``rom`` coefficient (about 1.1); alone they were 1.3 and 3.7. Those were deeper
#: ROMs read with period 32 or 64; a ROM of exactly 64 words measures less in its block (the
#: same script's ``periodic`` at period 2 against as it is: the digits MLP's fc1 and i13, 64 x
#: 512, 4.08 / 3.98 LUT6 a distinct column; i04 4.49, i17 4.97, g01 layer_0 4.00, i05 5.20):
#: the 6-bit entry is their median, 4.3 (docs/synthesis.md, "Rows over the bias's bits").
#: ``selected`` for a shared requantizer's table, read at ``Mux(i_valid, base, slot)``
#: (``rq_table``, fixed at 1.0: these are LUTs, not scaled by ``rom``), measured inside the
#: int MVAUs (``python benchmarks/bench_requant_tables.py``: the block with its multipliers
#: per-tensor, less the block as it is, per distinct multiplier column; points g04 layer_1,
#: c01, i05, g07 and g06 layer_0, i16, g09 layer_0, i03, i14, 6 to 64 words): xcup 1.2-2.0
#: LUT6 at 6-15 words (g06's 24 words 0.3-1.1), 2.1-4.3 at 32, 7.6-7.9 at 64; ECP5 1.2-1.3
#: LUT4 at 6-8 words, 1.5-1.9 at 10-15, 2.4-2.7 at 24, 4.0-5.2 at 32, 9.1-10.7 at 64 (the same
#: alone, ``--alone``). The entries are the medians.
ROM_LUTS = {
    "xcup": {"counter": {2: 0.1, 3: 0.9, 4: 1.0, 5: 2.1, 6: 4.3, 7: 9.5, 8: 19.0, 9: 34.8},
             "register": {2: 0.1, 3: 0.9, 4: 1.0, 5: 1.0, 6: 1.0, 7: 2.0, 8: 4.0, 9: 9.6},
             "selected": {2: 0.1, 3: 1.4, 4: 1.4, 5: 2.9, 6: 7.7}},
    "ecp5": {"counter": {2: 0.2, 3: 0.65, 4: 1.1, 5: 2.55, 6: 5.7, 7: 12.8, 8: 31.4, 9: 56.4},
             "register": {2: 0.3, 3: 1.0, 4: 1.1, 5: 2.1, 6: 4.1, 7: 8.2, 8: 19.0, 9: 37.8},
             "selected": {2: 0.3, 3: 1.2, 4: 1.9, 5: 4.65, 6: 9.9}},
}
#: (xc7 shares xcup's: the same LUT6 fabric and ABC mapping; not measured on xc7 apart)
ROM_LUTS["xc7"] = ROM_LUTS["xcup"]
#: A weight ROM (``counter``) of ``2**k + r`` words (``0 < r < 2**k``) maps as the
#: ``2**k``-word ROM, the ``r``-word one and a select between them per column, the select
#: costing this many ``ROM_LUTS`` units (LUTs over the fitted ``rom``) by ``k``
#: (``tally.rom_luts_of_depth``; other ``k`` interpolate between the powers of two). Measured
#: inside the blocks (``python benchmarks/bench_weight_rom_in_block.py --points g01/1,c01
#: --depths 12,16,18,20,24,27,28,32,36,40,48``: each block refolded to that depth, less the
#: same block with period-2 weight rows, per column, over ``rom`` 1.16): past 16 words 0.78-0.97
#: (18, 20, 24, 27 words; 28: 1.4), past 32 words 1.37-1.76 (36, 40, 48 words), the medians
#: 0.86 and 1.6, about one and two LUT4; up to 16 words a column is one LUT4's function and
#: the interpolation holds (12 words: 0.84 measured, 0.88 interpolated).
ROM_SPLIT_SELECT = {"ecp5": {4: 0.86, 5: 1.6}}
ROM_SPLIT_SELECT["ice40"] = ROM_SPLIT_SELECT["ecp5"]

#: LUT6 per distinct column of a ternary MVAU's weight ROMs (mask and sign planes) inside its
#: block (``bin_rom``, fixed at 1.0; ``binary_mvau.bin_rom_luts``), by address bits. ABC maps
#: a 1-bit weight column with the gated terms it feeds, so it costs more there than an int
#: MVAU's column of the same depth (``ROM_LUTS["xcup"]["counter"]`` times ``rom``), and more
#: the deeper the ROM. Measured on ternary MVAUs of sweep t05's shape (32 x 64, PE 2, SIMD 8,
#: 6-bit inputs: 32 columns) with only their rows, so their ROM's depth, changed from 16 to
#: 256 words: the LUTs a doubling adds, less the model's per-fold tables, per column: 0.7 (16
#: -> 32 words), 2.3 (-> 64), 6.6 (-> 128), 11.5 (-> 256), summed from the int MVAU's 1.0 at
#: 16 words (``python benchmarks/bench_ternary_rom_depth.py``). A binary-weight MVAU's
#: column past 64 words takes it too (``binary_mvau.BWN_ROM_WORDS``: from 64 to 256 words
#: it grows as these steps, measured in its blocks by ``benchmarks/bench_bwn_rom_period.py``).
BIN_ROM_LUTS = {"xcup": {2: 0.1, 3: 0.9, 4: 1.0, 5: 1.8, 6: 4.0, 7: 10.6, 8: 22.1}}
BIN_ROM_LUTS["xc7"] = BIN_ROM_LUTS["xcup"]     # (likewise)
ROM_LUTS["ice40"] = ROM_LUTS["ecp5"]
