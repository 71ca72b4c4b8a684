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
    "xcup": "2026-12-05, 69 parts",
    "ecp5": "2026-12-05, 69 parts",
}
#: the same in one line (shown in manifest.json and the report)
FITTED = ("benchmarks/fit_cost_model.py: "
          "xcup: 2026-12-05, 69 parts; "
          "ecp5: 2026-12-05, 69 parts"
          )
COEFFICIENTS = {
    "xcup": {
        "lut": {
            "add": 0.2094, "csa": 1.3453, "csa_dsp": 0.9108, "mux_n": 0.0373, "in_mux": 1.8078,
            "pad_mux": 0.8027, "lutram_mux": 1.8303, "cmp": 2.8228, "rom": 1.2091,
            "soft_mul": 0.989, "soft_mul_lut": 0.6069, "logic": 0.8651, "ram_ff": 1.2917,
            "block": 4.2053, "rq_g_bits": 4.1745, "rq_s": 125.4084, "rq_var": 45.6866,
            "rq_shift": 0.0727, "rq_serial": 19.1826, "rq_lshift": 0.0485, "rq_mux": 1.9379,
            "mx_term": 0.5292, "mx_align": 2.3002, "mx_quant": 2.3988,
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
            "add_lut": 0.2609, "inc_lut": 3.1455, "csa": 0.4702, "csa_dsp": 0.5471, "mux": 0.2221,
            "mux_n": 0.2199, "in_mux": 2.832, "pad_mux": 2.7087, "lutram_mux": 1.3271,
            "term_sel": 2.1542, "popcount": 0.119, "cmp": 1.9691, "cmp_lut": 3.4066, "rom": 1.3108,
            "soft_mul": 2.2293, "logic": 3.6771, "ram_ff": 1.1999, "rq_s": 13.6683,
            "rq_s_bits": 1.1953, "rq_var": 9.6273, "rq_shift": 0.5863, "rq_serial": 24.6318,
            "rq_lshift": 0.0424, "rq_mux": 2.1117, "mx_decode": 0.2188, "mx_term": 0.8047,
            "mx_align": 2.1953, "mx_quant": 2.9301,
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
