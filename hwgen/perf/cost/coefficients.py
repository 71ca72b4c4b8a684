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
    "xcup": "2026-12-05, 66 parts",
    "ecp5": "2026-12-05, 66 parts",
}
#: the same in one line (shown in manifest.json and the report)
FITTED = ("benchmarks/fit_cost_model.py: "
          "xcup: 2026-12-05, 66 parts; "
          "ecp5: 2026-12-05, 66 parts"
          )
COEFFICIENTS = {
    "xcup": {
        "lut": {
            "add": 0.1723, "inc_lut": 0.8748, "csa": 1.2321, "csa_dsp": 0.6521, "mux": 0.0771,
            "mux_n": 0.1072, "in_mux": 1.7224, "pad_mux": 0.8359, "lutram_mux": 0.8778,
            "cmp": 1.7362, "rom": 1.1781, "soft_mul": 1.2542, "soft_mul_lut": 0.4955,
            "logic": 0.889, "block": 2.3769, "rq_g_bits": 5.4037, "rq_s": 124.1248,
            "rq_var": 37.6438, "rq_mux": 1.5985, "mx_term": 0.5747, "mx_align": 2.6284,
            "mx_quant": 2.3869,
        },
        "ff": {
            "reg": 0.9726, "reg_dsp": 0.9839, "block": 1.3716,
        },
        "carry": {
            "carry": 0.5959, "soft_mul": 0.1239, "rq_g_carry": 1.2164, "rq_s_carry": 0.4338,
            "mx_carry": 0.6395,
        },
    },
    "ecp5": {
        "lut": {
            "add_lut": 2.0458, "inc_lut": 2.048, "csa_dsp": 0.3459, "mux_n": 0.1968,
            "in_mux": 2.7544, "pad_mux": 1.2553, "lutram_mux": 0.872, "term_sel": 2.5066,
            "cmp": 1.057, "cmp_lut": 5.6875, "rom": 1.2321, "soft_mul": 3.9468, "logic": 2.0951,
            "ram_ff": 1.8069, "rq_s": 29.7894, "rq_s_bits": 0.8364, "rq_var": 52.3535,
            "rq_shift": 0.2426, "rq_lshift": 0.0694, "rq_mux": 1.8097, "mx_decode": 2.3185,
            "mx_term": 0.8347, "mx_align": 3.4187, "mx_quant": 2.8877,
        },
        "ff": {
            "reg": 0.9757, "reg_dsp": 0.9704, "block": 2.2652,
        },
        "carry": {
            "carry": 0.6724, "soft_mul": 0.9653, "rq_g_carry": 1.5941, "rq_s_carry": 0.6375,
            "mx_carry": 0.575,
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
