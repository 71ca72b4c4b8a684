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
    "xcup": "2026-12-06, 69 parts",
    "ecp5": "2026-12-06, 69 parts",
}
#: the same in one line (shown in manifest.json and the report)
FITTED = ("benchmarks/fit_cost_model.py: "
          "xcup: 2026-12-06, 69 parts; "
          "ecp5: 2026-12-06, 69 parts"
          )
COEFFICIENTS = {
    "xcup": {
        "lut": {
            "add": 0.1921, "csa": 0.9855, "csa_dsp": 0.9813, "mux_n": 0.038, "in_mux": 1.9405,
            "pad_mux": 0.8065, "lutram_mux": 1.7535, "term_sel": 0.8506, "cmp": 2.7764,
            "rom": 1.1232, "soft_mul": 1.1434, "soft_mul_lut": 0.7766, "logic": 0.9508,
            "ram_ff": 1.7657, "block": 5.8404, "rq_g_bits": 4.343, "rq_s": 124.9248,
            "rq_shift": 0.3203, "rq_serial": 46.7747, "rq_lshift": 0.0601, "rq_mux": 2.1345,
            "mx_term": 0.5825, "mx_align": 2.3485, "mx_quant": 2.4056, "term_and": 1.232,
        },
        "ff": {
            "reg": 0.9316, "reg_dsp": 0.8284, "block": 34.7283,
        },
        "carry": {
            "carry": 0.6535, "soft_mul": 0.1263, "rq_g_carry": 1.0926, "rq_s_carry": 0.4086,
            "mx_carry": 0.6588,
        },
    },
    "ecp5": {
        "lut": {
            "add_lut": 0.2081, "inc_lut": 3.1642, "csa": 0.109, "csa_dsp": 0.5643, "mux": 0.2331,
            "mux_n": 0.2209, "in_mux": 2.8247, "pad_mux": 2.7454, "lutram_mux": 1.3347,
            "term_sel": 2.9793, "popcount": 0.0506, "cmp": 1.9537, "cmp_lut": 3.3871,
            "rom": 1.2957, "soft_mul": 2.2115, "logic": 3.8035, "ram_ff": 1.5287, "rq_s": 12.822,
            "rq_s_bits": 1.2121, "rq_var": 6.0713, "rq_shift": 0.6048, "rq_serial": 28.3939,
            "rq_lshift": 0.0491, "rq_mux": 2.1376, "mx_decode": 1.2172, "mx_term": 0.8307,
            "mx_align": 2.6812, "mx_quant": 2.9042, "term_and": 2.3128,
        },
        "ff": {
            "reg": 0.9393, "reg_dsp": 0.8263, "block": 32.9196,
        },
        "carry": {
            "carry": 0.7871, "soft_mul": 1.6452, "rq_g_carry": 1.3138, "rq_s_carry": 0.5713,
            "mx_carry": 0.6029,
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
