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
            "add": 0.1519, "inc_lut": 1.1431, "csa": 1.2808, "csa_dsp": 0.9203, "mux": 0.0971,
            "mux_n": 0.1095, "in_mux": 1.9288, "pad_mux": 0.8612, "lutram_mux": 0.8101,
            "cmp": 1.5542, "rom": 1.1539, "soft_mul": 1.2129, "soft_mul_lut": 0.9855,
            "logic": 0.742, "block": 5.8875, "rq_g_bits": 5.104, "rq_s": 123.7817,
            "rq_var": 35.766, "rq_serial": 0.2382, "rq_mux": 1.6886, "mx_term": 0.564,
            "mx_align": 2.6118, "mx_quant": 2.3754,
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
            "add_lut": 1.8498, "inc_lut": 1.661, "csa_dsp": 0.5976, "mux_n": 0.1968,
            "in_mux": 2.798, "pad_mux": 1.4736, "lutram_mux": 0.9905, "term_sel": 2.3498,
            "cmp": 1.1592, "cmp_lut": 5.8367, "rom": 1.2208, "soft_mul": 1.7493, "logic": 3.9245,
            "ram_ff": 3.8493, "rq_g_bits": 0.1732, "rq_s": 27.0056, "rq_s_bits": 0.9108,
            "rq_var": 44.5163, "rq_shift": 0.2765, "rq_serial": 5.7543, "rq_lshift": 0.0633,
            "rq_mux": 1.8472, "mx_decode": 2.0514, "mx_term": 0.8556, "mx_align": 3.3138,
            "mx_quant": 2.8858,
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
