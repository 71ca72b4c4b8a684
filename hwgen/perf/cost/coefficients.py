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
    "xcup": "2026-12-05, 68 parts",
    "ecp5": "2026-12-05, 68 parts",
}
#: the same in one line (shown in manifest.json and the report)
FITTED = ("benchmarks/fit_cost_model.py: "
          "xcup: 2026-12-05, 68 parts; "
          "ecp5: 2026-12-05, 68 parts"
          )
COEFFICIENTS = {
    "xcup": {
        "lut": {
            "add": 0.1701, "inc_lut": 0.9187, "csa": 1.1998, "csa_dsp": 0.5968, "mux": 0.0805,
            "mux_n": 0.1075, "in_mux": 1.8466, "pad_mux": 0.8419, "lutram_mux": 0.8762,
            "cmp": 1.715, "rom": 1.2044, "soft_mul": 1.2574, "soft_mul_lut": 0.5017,
            "logic": 0.8593, "block": 2.5671, "rq_g_bits": 5.1394, "rq_s": 124.425,
            "rq_var": 34.6719, "rq_serial": 3.0351, "rq_mux": 1.6705, "mx_term": 0.5775,
            "mx_align": 2.6197, "mx_quant": 2.385,
        },
        "ff": {
            "reg": 0.9699, "reg_dsp": 0.9854, "block": 1.5767,
        },
        "carry": {
            "carry": 0.5939, "soft_mul": 0.1187, "rq_g_carry": 1.2742, "rq_s_carry": 0.4345,
            "mx_carry": 0.6391,
        },
    },
    "ecp5": {
        "lut": {
            "add_lut": 2.0431, "inc_lut": 2.0617, "csa_dsp": 0.3636, "mux_n": 0.197,
            "in_mux": 2.6341, "pad_mux": 1.2518, "lutram_mux": 0.8665, "term_sel": 2.5722,
            "cmp": 1.0541, "cmp_lut": 5.6838, "rom": 1.2503, "soft_mul": 1.7991, "logic": 2.0629,
            "ram_ff": 1.5975, "rq_s": 31.6853, "rq_s_bits": 0.796, "rq_var": 46.046,
            "rq_shift": 0.268, "rq_serial": 7.4835, "rq_lshift": 0.0593, "rq_mux": 1.8099,
            "mx_decode": 2.3725, "mx_term": 0.8445, "mx_align": 3.4143, "mx_quant": 2.8849,
        },
        "ff": {
            "reg": 0.9731, "reg_dsp": 0.9718, "block": 2.4807,
        },
        "carry": {
            "carry": 0.6747, "soft_mul": 1.8659, "rq_g_carry": 1.5924, "rq_s_carry": 0.6323,
            "mx_carry": 0.5479,
        },
    },
}
# -- fitted: end ------------------------------------------------------------------------------
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
