"""Fitted coefficients of the cost model: what one unit of each feature costs per target.

The part between the ``fitted`` markers is written by ``python benchmarks/fit_cost_model.py
--write`` (non-negative least squares on the relative error over the sweep of
benchmarks/cost_sweep.py, against Yosys through the cells ``hwgen synth`` counts). Do not
edit it by hand: refit. xc7 shares xcup's coefficients (the same LUT6 / CARRY4 fabric and
``synth_xilinx``) and iCE40 ECP5's (LUT4 fabric); neither is fitted on its own.
"""

# -- fitted: begin (benchmarks/fit_cost_model.py --write replaces this part) -----------------
#: where each target's coefficients come from
FITTED_ON = {
    "xcup": "2026-12-06, 82 parts",
    "ecp5": "2026-12-06, 82 parts",
}
#: the same in one line (shown in manifest.json and the report)
FITTED = ("benchmarks/fit_cost_model.py: "
          "xcup: 2026-12-06, 82 parts; "
          "ecp5: 2026-12-06, 82 parts"
          )
COEFFICIENTS = {
    "xcup": {
        "lut": {
            "add": 0.1972, "add_lut": 0.4841, "inc_lut": 1.9447, "csa": 0.6807, "csa_dsp": 0.8477,
            "mux": 0.8637, "in_mux": 1.8378, "acc_mux": 1.2512, "term_sel": 1.3371, "cmp": 0.1527,
            "rom": 0.9355, "soft_mul": 1.1163, "soft_mul_lut": 1.3241, "logic": 0.7046,
            "ram_ff": 2.1614, "rq_g": 7.4331, "rq_g_bits": 4.8768, "rq_s": 60.9436,
            "rq_s_bits": 1.2301, "rq_shift": 0.2203, "rq_serial": 4.8578, "rq_mux": 0.4955,
            "mx_align": 1.7911, "mx_quant": 2.379, "win_ctl": 0.6262, "term_and": 1.4207,
            "rq_table": 0.0857, "mx_term_log": 0.9764, "csa_borrow": 0.7564, "dwc_pick": 1.0816,
            "dwc_ctl": 1.3211, "win_read": 0.9703,
        },
        "ff": {
            "reg": 0.987, "reg_dsp": 0.9614, "ram_ff": 0.3753, "block": 2.0617,
        },
        "carry": {
            "carry": 0.5568, "soft_mul": 0.1228, "rq_g_carry": 1.2648, "rq_s_carry": 0.4536,
            "mx_carry": 0.6228,
        },
    },
    "ecp5": {
        "lut": {
            "add": 0.0386, "add_lut": 0.4877, "inc_lut": 3.0487, "csa": 0.2291, "csa_dsp": 0.9064,
            "mux": 0.2221, "mux_n": 0.304, "in_mux": 2.1679, "acc_mux": 1.1443,
            "lutram_mux": 3.9849, "term_sel": 2.9137, "popcount": 0.1455, "cmp": 1.348,
            "cmp_lut": 2.6989, "rom": 1.1369, "soft_mul": 1.7818, "logic": 3.9091, "rq_g": 1.2978,
            "rq_g_bits": 1.7723, "rq_s": 5.9546, "rq_s_bits": 1.277, "rq_shift": 0.4462,
            "rq_mux": 0.6231, "mx_decode": 0.3015, "mx_align": 2.1792, "mx_quant": 2.8455,
            "term_and": 2.1807, "rq_table": 0.076, "mx_term_log": 1.4628, "csa_borrow": 0.0226,
            "dwc_pick": 1.0413, "dwc_ctl": 1.0123, "win_read": 1.0374,
        },
        "ff": {
            "reg": 0.9877, "reg_dsp": 0.9571, "ram_ff": 0.2522, "block": 2.4171,
        },
        "carry": {
            "carry": 0.7179, "soft_mul": 1.4846, "rq_g_carry": 1.5088, "rq_s_carry": 0.6281,
            "mx_carry": 0.5434,
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
FIXED = {"xcup": {"lut": {"popcount": 1.0, "thr_cmp": 0.86, "mx_term_reg": 1.0}},
         "ecp5": {"lut": {"thr_cmp": 0.18, "mx_term_reg": 0.87}}}
for _target, _resources in FIXED.items():
    for _resource, _coefficients in _resources.items():
        COEFFICIENTS[_target][_resource].update(_coefficients)
COEFFICIENTS["xc7"] = COEFFICIENTS["xcup"]
COEFFICIENTS["ice40"] = COEFFICIENTS["ecp5"]

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
#: the fitted ``rom`` coefficient (about 1.1); alone they were 1.3 and 3.7.
ROM_LUTS = {
    "xcup": {"counter": {2: 0.1, 3: 0.9, 4: 1.0, 5: 2.1, 6: 5.0, 7: 9.5, 8: 19.0, 9: 34.8},
             "register": {2: 0.1, 3: 0.9, 4: 1.0, 5: 1.0, 6: 1.0, 7: 2.0, 8: 4.0, 9: 9.6}},
    "ecp5": {"counter": {2: 0.2, 3: 0.65, 4: 1.1, 5: 2.55, 6: 5.7, 7: 12.8, 8: 31.4, 9: 56.4},
             "register": {2: 0.3, 3: 1.0, 4: 1.1, 5: 2.1, 6: 4.1, 7: 8.2, 8: 19.0, 9: 37.8}},
}
ROM_LUTS["xc7"] = ROM_LUTS["xcup"]
ROM_LUTS["ice40"] = ROM_LUTS["ecp5"]
