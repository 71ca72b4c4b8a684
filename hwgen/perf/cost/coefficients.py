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
            "add": 0.1543, "inc_lut": 0.9219, "csa": 1.2514, "csa_dsp": 0.9128, "mux": 0.0791,
            "mux_n": 0.1079, "in_mux": 1.878, "pad_mux": 0.8363, "lutram_mux": 0.8176,
            "cmp": 1.7111, "rom": 1.1939, "soft_mul": 1.2199, "soft_mul_lut": 0.9949,
            "logic": 0.8735, "block": 3.0743, "rq_g_bits": 5.2155, "rq_s": 124.6427,
            "rq_var": 35.3095, "rq_mux": 1.6599, "mx_term": 0.5673, "mx_align": 2.5992,
            "mx_quant": 2.3741,
        },
        "ff": {
            "reg": 0.9691, "reg_dsp": 0.986, "block": 1.6312,
        },
        "carry": {
            "carry": 0.6216, "soft_mul": 0.1213, "rq_g_carry": 1.1353, "rq_s_carry": 0.4201,
            "mx_carry": 0.6516,
        },
    },
    "ecp5": {
        "lut": {
            "add_lut": 2.0396, "inc_lut": 2.0481, "csa_dsp": 0.5763, "mux_n": 0.1968,
            "in_mux": 2.7543, "pad_mux": 1.2575, "lutram_mux": 0.8706, "term_sel": 2.5178,
            "cmp": 1.0588, "cmp_lut": 5.6883, "rom": 1.2462, "soft_mul": 1.8209, "logic": 2.0693,
            "ram_ff": 1.6851, "rq_s": 30.0147, "rq_s_bits": 0.8298, "rq_var": 48.4869,
            "rq_shift": 0.2655, "rq_lshift": 0.0657, "rq_mux": 1.7556, "mx_decode": 2.298,
            "mx_term": 0.847, "mx_align": 3.388, "mx_quant": 2.8863,
        },
        "ff": {
            "reg": 0.9723, "reg_dsp": 0.9722, "block": 2.5292,
        },
        "carry": {
            "carry": 0.6793, "soft_mul": 1.6994, "rq_g_carry": 1.4714, "rq_s_carry": 0.6238,
            "mx_carry": 0.5681,
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
