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
    "xcup": "2026-12-05, 64 parts of the pre-merge sweep, csa_dsp = csa",
    "ecp5": "2026-12-05, 64 parts of the pre-merge sweep",
}
#: the same in one line (shown in manifest.json and the report)
FITTED = "benchmarks/fit_cost_model.py (see FITTED_ON)"
COEFFICIENTS = {
    "xcup": {
        "lut": {
            "add": 0.0264, "csa": 1.5198, "csa_dsp": 1.5198, "mux": 0.1004, "in_mux": 0.5656,
            "pad_mux": 0.8176,
            "cmp": 2.5441, "rom": 1.2197, "soft_mul": 0.864, "logic": 1.0515, "block": 0.5246,
            "rq_g": 57.0243, "rq_g_bits": 2.8373, "rq_s": 105.8043, "rq_s_bits": 0.8008,
            "rq_var": 24.8689, "mx_term": 0.5232, "mx_align": 2.7171, "mx_quant": 2.3715,
        },
        "ff": {
            "reg": 0.9429, "reg_dsp": 1.0017, "block": 5.0856,
        },
        "carry": {
            "carry": 0.6172, "soft_mul": 0.1175, "rq_g_carry": 1.257, "rq_s_carry": 0.5528,
            "mx_carry": 0.4764,
        },
    },
    "ecp5": {
        "lut": {
            "add": 0.5855, "csa": 0.0026, "mux": 0.2873, "in_mux": 5.7231, "acc_mux": 0.6998,
            "pad_mux": 1.7805, "cmp": 1.9377, "rom": 0.9009, "soft_mul": 2.6364, "logic": 4.8257,
            "rq_s": 26.5076, "rq_s_bits": 0.194, "rq_var": 24.0752, "rq_shift": 0.3147,
            "mx_decode": 0.6134, "mx_term": 0.8977, "mx_align": 3.2151, "mx_quant": 2.8569,
        },
        "ff": {
            "reg": 0.9224, "reg_dsp": 0.9317, "block": 16.0472,
        },
        "carry": {
            "carry": 0.3756, "soft_mul": 0.7932, "rq_g_carry": 1.5075, "rq_s_carry": 0.8046,
            "mx_carry": 0.4175,
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
