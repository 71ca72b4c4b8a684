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
            "add": 0.1604, "add_lut": 0.2602, "csa": 1.2411, "csa_dsp": 0.6556, "mux": 0.0546,
            "mux_n": 0.1053, "in_mux": 1.7315, "pad_mux": 0.8868, "lutram_mux": 0.8846,
            "cmp": 1.9375, "rom": 1.1707, "soft_mul": 1.2598, "soft_mul_lut": 0.5251,
            "logic": 0.9016, "rq_g_bits": 5.6353, "rq_s": 125.6958, "rq_var": 38.126,
            "rq_mux": 1.6209, "mx_term": 0.574, "mx_align": 2.6328, "mx_quant": 2.3876,
        },
        "ff": {
            "reg": 0.957, "reg_dsp": 1.002, "block": 2.5993,
        },
        "carry": {
            "carry": 0.5985, "soft_mul": 0.124, "rq_g_carry": 1.2134, "rq_s_carry": 0.4329,
            "mx_carry": 0.6401,
        },
    },
    "ecp5": {
        "lut": {
            "add_lut": 1.9873, "csa_dsp": 0.3577, "mux_n": 0.1949, "in_mux": 2.7666,
            "pad_mux": 1.173, "lutram_mux": 0.9348, "term_sel": 2.473, "cmp": 1.0841,
            "cmp_lut": 5.7163, "rom": 1.2138, "soft_mul": 4.126, "logic": 2.57, "ram_ff": 1.9386,
            "rq_s": 28.7103, "rq_s_bits": 0.8623, "rq_var": 53.7857, "rq_shift": 0.2379,
            "rq_lshift": 0.0387, "rq_mux": 1.8364, "mx_decode": 2.2626, "mx_term": 0.8364,
            "mx_align": 3.4063, "mx_quant": 2.8881,
        },
        "ff": {
            "reg": 0.9601, "reg_dsp": 0.9879, "block": 3.5612,
        },
        "carry": {
            "carry": 0.6738, "soft_mul": 0.9664, "rq_g_carry": 1.5922, "rq_s_carry": 0.6368,
            "mx_carry": 0.5754,
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
