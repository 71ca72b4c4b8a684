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
    "xcup": "2026-12-06, 73 parts",
    "ecp5": "2026-12-06, 73 parts",
}
#: the same in one line (shown in manifest.json and the report)
FITTED = ("benchmarks/fit_cost_model.py: "
          "xcup: 2026-12-06, 73 parts; "
          "ecp5: 2026-12-06, 73 parts"
          )
COEFFICIENTS = {
    "xcup": {
        "lut": {
            "add": 0.2026, "csa": 1.0555, "csa_dsp": 0.9807, "mux_n": 0.0369, "in_mux": 1.737,
            "acc_mux": 0.4615, "pad_mux": 0.809, "lutram_mux": 1.7756, "term_sel": 0.6213,
            "cmp": 2.8743, "rom": 1.1147, "soft_mul": 1.1208, "soft_mul_lut": 0.7462,
            "logic": 0.8202, "ram_ff": 2.3153, "block": 1.4456, "rq_g": 13.2911,
            "rq_g_bits": 4.5308, "rq_s": 127.3133, "rq_shift": 0.2704, "rq_serial": 37.8197,
            "rq_mux": 1.6058, "mx_term": 0.5718, "mx_align": 2.3857, "mx_quant": 2.4033,
            "term_and": 1.1237,
        },
        "ff": {
            "reg": 0.9497, "reg_dsp": 0.828, "block": 33.3423,
        },
        "carry": {
            "carry": 0.6531, "soft_mul": 0.1224, "rq_g_carry": 1.1309, "rq_s_carry": 0.4194,
            "mx_carry": 0.6441,
        },
    },
    "ecp5": {
        "lut": {
            "add_lut": 0.1703, "inc_lut": 2.939, "csa": 0.1149, "csa_dsp": 0.6427, "mux": 0.2286,
            "mux_n": 0.2215, "in_mux": 2.4698, "pad_mux": 2.8222, "lutram_mux": 1.3609,
            "term_sel": 2.8336, "cmp": 2.0403, "cmp_lut": 3.4656, "rom": 1.2351,
            "soft_mul": 1.0483, "logic": 3.9695, "ram_ff": 3.1966, "rq_g": 10.89,
            "rq_g_bits": 1.7926, "rq_s": 4.8353, "rq_s_bits": 1.3832, "rq_shift": 0.5813,
            "rq_serial": 17.341, "rq_mux": 1.7906, "mx_decode": 1.5635, "mx_term": 0.8261,
            "mx_align": 2.8565, "mx_quant": 2.8999, "term_and": 2.1801,
        },
        "ff": {
            "reg": 0.9572, "reg_dsp": 0.8259, "block": 31.4922,
        },
        "carry": {
            "carry": 0.7875, "soft_mul": 1.5492, "rq_g_carry": 1.3556, "rq_s_carry": 0.5941,
            "mx_carry": 0.5621,
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
#: double per address bit.
ROM_LUTS = {
    "xcup": {"counter": {2: 0.1, 3: 0.9, 4: 1.0, 5: 1.3, 6: 3.7, 7: 9.5, 8: 19.0, 9: 34.8},
             "register": {2: 0.1, 3: 0.9, 4: 1.0, 5: 1.0, 6: 1.0, 7: 2.0, 8: 4.0, 9: 9.6}},
    "ecp5": {"counter": {2: 0.2, 3: 1.0, 4: 1.1, 5: 2.1, 6: 5.0, 7: 12.8, 8: 31.4, 9: 56.4},
             "register": {2: 0.3, 3: 1.0, 4: 1.1, 5: 2.1, 6: 4.1, 7: 8.2, 8: 19.0, 9: 37.8}},
}
ROM_LUTS["xc7"] = ROM_LUTS["xcup"]
ROM_LUTS["ice40"] = ROM_LUTS["ecp5"]
