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
            "add": 0.0435, "csa": 1.3604, "csa_dsp": 1.0283, "mux": 0.1058, "in_mux": 1.5738,
            "acc_mux": 1.5107, "pad_mux": 0.6946, "cmp": 2.2702, "rom": 0.9861, "soft_mul": 1.1622,
            "logic": 1.1852, "block": 8.8808, "rq_g": 8.9714, "rq_g_bits": 4.8281,
            "rq_s": 126.9905, "rq_var": 12.1105, "mx_term": 0.546, "mx_align": 2.6892,
            "mx_quant": 2.3558,
        },
        "ff": {
            "reg": 0.9546, "reg_dsp": 1.0117, "block": 3.7323,
        },
        "carry": {
            "carry": 0.5902, "soft_mul": 0.1286, "rq_g_carry": 1.0156, "rq_s_carry": 0.4406,
            "mx_carry": 0.6256,
        },
    },
    "ecp5": {
        "lut": {
            "add": 0.5238, "csa_dsp": 0.9003, "mux": 0.3142, "in_mux": 3.7612, "acc_mux": 0.6936,
            "pad_mux": 1.549, "cmp": 1.7294, "rom": 0.8955, "soft_mul": 2.8406, "logic": 5.3748,
            "rq_s": 31.6632, "rq_s_bits": 0.1942, "rq_var": 34.24, "rq_shift": 0.2126,
            "mx_decode": 2.0022, "mx_term": 0.8612, "mx_align": 3.3461, "mx_quant": 2.8659,
        },
        "ff": {
            "reg": 0.9502, "reg_dsp": 0.9741, "block": 5.879,
        },
        "carry": {
            "carry": 0.4103, "soft_mul": 0.8762, "rq_g_carry": 1.4184, "rq_s_carry": 0.7967,
            "mx_carry": 0.4195,
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
