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
            "add": 0.2056, "add_lut": 0.4529, "csa": 1.0022, "csa_dsp": 0.6739, "mux": 0.1068,
            "in_mux": 1.6311, "acc_mux": 1.2145, "pad_mux": 0.8552, "cmp": 1.7087, "rom": 1.1544,
            "soft_mul": 1.1282, "logic": 0.6531, "rq_g_bits": 5.2396, "rq_s": 121.3127,
            "rq_var": 34.345, "mx_term": 0.6008, "mx_align": 2.582, "mx_quant": 2.359,
        },
        "ff": {
            "reg": 0.957, "reg_dsp": 1.002, "block": 2.5993,
        },
        "carry": {
            "carry": 0.5833, "soft_mul": 0.1452, "rq_g_carry": 1.2122, "rq_s_carry": 0.4398,
            "mx_carry": 0.6277,
        },
    },
    "ecp5": {
        "lut": {
            "add": 0.0514, "add_lut": 2.1231, "cmp_lut": 4.8736, "csa": 1.7625, "csa_dsp": 0.5891,
            "mux": 0.174, "in_mux": 2.2303, "acc_mux": 1.4485, "pad_mux": 1.5489, "cmp": 0.5284,
            "rom": 0.874, "soft_mul": 6.7238, "logic": 3.2318, "ram_ff": 6.0571, "block": 10.5955,
            "rq_s": 27.6002, "rq_s_bits": 0.7425, "rq_var": 68.4912, "rq_shift": 0.0711,
            "mx_term": 0.488, "mx_align": 1.2025, "mx_quant": 3.0054,
        },
        "ff": {
            "reg": 0.9582, "reg_dsp": 0.9881, "block": 3.6711,
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
