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
            "add": 0.0663, "csa": 1.3127, "csa_dsp": 0.8222, "mux": 0.1069, "in_mux": 1.2049,
            "acc_mux": 1.466, "pad_mux": 0.6818, "cmp": 2.154, "rom": 0.9711, "soft_mul": 1.0574,
            "logic": 1.2992, "block": 11.8975, "rq_g": 2.5285, "rq_g_bits": 5.5958,
            "rq_s": 124.5779, "rq_var": 19.1598, "mx_term": 0.5625, "mx_align": 2.7281,
            "mx_quant": 2.3612,
        },
        "ff": {
            "reg": 0.9558, "reg_dsp": 0.9982, "block": 3.1865,
        },
        "carry": {
            "carry": 0.5857, "soft_mul": 0.1473, "rq_g_carry": 1.1815, "rq_s_carry": 0.4395,
            "mx_carry": 0.6274,
        },
    },
    "ecp5": {
        "lut": {
            "add": 0.2016, "csa": 1.7459, "csa_dsp": 0.6377, "mux": 0.204, "in_mux": 2.2952,
            "acc_mux": 1.5133, "pad_mux": 2.0162, "cmp": 2.5716, "rom": 0.6806, "soft_mul": 4.475,
            "logic": 5.4091, "ram_ff": 0.4816, "rq_g": 33.0744, "rq_s": 69.9747, "rq_var": 41.7566,
            "rq_shift": 0.2793, "mx_term": 0.4889, "mx_align": 1.0617, "mx_quant": 3.016,
        },
        "ff": {
            "reg": 0.9534, "reg_dsp": 0.9789, "block": 5.4873,
        },
        "carry": {
            "carry": 0.4269, "soft_mul": 1.0107, "rq_g_carry": 1.8025, "rq_s_carry": 0.7457,
            "mx_carry": 0.5017,
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
