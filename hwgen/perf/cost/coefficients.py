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
    "xcup": "2026-12-05, 78 parts",
    "ecp5": "2026-12-05, 78 parts",
}
#: the same in one line (shown in manifest.json and the report)
FITTED = ("benchmarks/fit_cost_model.py: "
          "xcup: 2026-12-05, 78 parts; "
          "ecp5: 2026-12-05, 78 parts"
          )
COEFFICIENTS = {
    "xcup": {
        "lut": {
            "add": 0.6125, "add_lut": 2.2621, "csa": 0.8634, "csa_dsp": 0.7505, "mux": 0.9022,
            "mux_n": 0.2965, "in_mux": 2.0506, "pad_mux": 0.3084, "lutram_mux": 1.6064,
            "cmp": 0.2094, "rom": 1.0779, "soft_mul": 1.2832, "soft_mul_lut": 1.0952,
            "logic": 1.065, "block": 0.7298, "rq_g_bits": 3.921, "rq_s": 105.8954,
            "rq_var": 8.1276, "rq_shift": 0.2314, "rq_serial": 15.4613, "rq_lshift": 0.0418,
            "rq_mux": 1.2921, "mx_term": 0.6056, "mx_align": 2.4522, "mx_quant": 2.3624,
            "dwc_sel": 1.1389, "dwc_load": 0.3547,
        },
        "ff": {
            "reg": 0.9675, "reg_dsp": 0.9606, "block": 4.0723,
        },
        "carry": {
            "carry": 0.5511, "soft_mul": 0.1264, "rq_g_carry": 1.2435, "rq_s_carry": 0.4447,
            "mx_carry": 0.6365,
        },
    },
    "ecp5": {
        "lut": {
            "add_lut": 0.6629, "inc_lut": 3.7268, "csa": 0.411, "csa_dsp": 0.4772, "mux": 0.6627,
            "mux_n": 0.9214, "in_mux": 2.9028, "pad_mux": 0.5832, "lutram_mux": 0.7991,
            "term_sel": 2.1001, "cmp_lut": 1.387, "rom": 1.279, "soft_mul": 2.8118,
            "logic": 4.1386, "block": 0.5328, "rq_s_bits": 1.3542, "rq_var": 32.0286,
            "rq_shift": 0.129, "rq_lshift": 0.0098, "rq_mux": 1.7927, "mx_decode": 1.0228,
            "mx_term": 0.8181, "mx_align": 2.9649, "mx_quant": 2.8119, "dwc_sel": 4.2631,
            "dwc_load": 2.4839,
        },
        "ff": {
            "reg": 0.9685, "reg_dsp": 0.9563, "block": 4.3075,
        },
        "carry": {
            "carry": 0.7134, "soft_mul": 1.5692, "rq_g_carry": 1.4799, "rq_s_carry": 0.6071,
            "mx_carry": 0.5837,
        },
    },
}
# -- fitted: end ------------------------------------------------------------------------------
#: Coefficients measured by hand, not fitted (the fit takes their part off the observed
#: counts first): on Xilinx one LUT6 per counter output of the XNOR MVAU's compressor-tree
#: popcount (``benchmarks/bench_xnor_resources.py``: its four points, 64 x 64 at PE x SIMD
#: 1 x 8 to 8 x 64, synthesised counter by counter).
FIXED = {"xcup": {"lut": {"popcount": 1.0}}}
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
