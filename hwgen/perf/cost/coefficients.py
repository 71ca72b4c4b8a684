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
            "add_lut": 0.2668, "inc_lut": 1.5316, "csa": 0.4082, "csa_dsp": 1.0321, "mux": 0.7092,
            "in_mux": 1.966, "acc_mux": 1.183, "term_sel": 1.5113, "cmp": 0.6661, "rom": 1.1046,
            "soft_mul": 1.1492, "soft_mul_lut": 1.4826, "logic": 0.8931, "ram_ff": 1.8715,
            "rq_g": 5.5461, "rq_g_bits": 4.9559, "rq_s": 58.6813, "rq_s_bits": 1.4437,
            "rq_shift": 0.2041, "rq_serial": 12.6049, "rq_mux": 0.7318, "mx_align": 2.3487,
            "mx_quant": 2.3789, "win_ctl": 0.7185, "term_and": 1.5266, "rq_table": 0.0975,
            "mx_term_log": 0.981, "csa_borrow": 0.928, "dwc_pick": 1.0818, "dwc_ctl": 1.2371,
            "win_read": 0.9426,
        },
        "ff": {
            "reg": 0.987, "reg_dsp": 0.9613, "ram_ff": 0.3737, "block": 2.0727,
        },
        "carry": {
            "carry": 0.5568, "soft_mul": 0.1228, "rq_g_carry": 1.2648, "rq_s_carry": 0.4536,
            "mx_carry": 0.6228,
        },
    },
    "ecp5": {
        "lut": {
            "add": 0.0494, "add_lut": 0.565, "inc_lut": 2.937, "csa": 0.1531, "csa_dsp": 0.8865,
            "mux": 0.2055, "mux_n": 0.3647, "in_mux": 2.1946, "acc_mux": 1.1239,
            "lutram_mux": 3.9258, "term_sel": 2.9745, "popcount": 0.152, "cmp": 1.4017,
            "cmp_lut": 2.7659, "rom": 1.1367, "soft_mul": 1.7958, "logic": 3.9075, "rq_g": 1.1981,
            "rq_g_bits": 1.7887, "rq_s": 10.828, "rq_s_bits": 1.1682, "rq_shift": 0.4385,
            "rq_mux": 0.6246, "mx_decode": 0.2233, "mx_align": 2.5817, "mx_quant": 2.8375,
            "term_and": 2.228, "rq_table": 0.077, "mx_term_log": 1.411, "dwc_pick": 1.0369,
            "dwc_ctl": 0.9305, "win_read": 0.9735,
        },
        "ff": {
            "reg": 0.9876, "reg_dsp": 0.9569, "ram_ff": 0.2504, "block": 2.4289,
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
#: LUTs to other features.
FIXED = {"xcup": {"lut": {"popcount": 1.0, "thr_cmp": 0.86}},
         "ecp5": {"lut": {"thr_cmp": 0.18}}}
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
ROM_LUTS = {
    "xcup": {"counter": {2: 0.1, 3: 0.9, 4: 1.0, 5: 1.3, 6: 3.7, 7: 9.5, 8: 19.0, 9: 34.8},
             "register": {2: 0.1, 3: 0.9, 4: 1.0, 5: 1.0, 6: 1.0, 7: 2.0, 8: 4.0, 9: 9.6}},
    "ecp5": {"counter": {2: 0.2, 3: 0.65, 4: 1.1, 5: 2.55, 6: 5.7, 7: 12.8, 8: 31.4, 9: 56.4},
             "register": {2: 0.3, 3: 1.0, 4: 1.1, 5: 2.1, 6: 4.1, 7: 8.2, 8: 19.0, 9: 37.8}},
}
ROM_LUTS["xc7"] = ROM_LUTS["xcup"]
ROM_LUTS["ice40"] = ROM_LUTS["ecp5"]
