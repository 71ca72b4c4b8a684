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
    "xcup": "2026-12-06, 78 parts",
    "ecp5": "2026-12-06, 78 parts",
}
#: the same in one line (shown in manifest.json and the report)
FITTED = ("benchmarks/fit_cost_model.py: "
          "xcup: 2026-12-06, 78 parts; "
          "ecp5: 2026-12-06, 78 parts"
          )
COEFFICIENTS = {
    "xcup": {
        "lut": {
            "add": 0.0285, "add_lut": 2.207, "csa": 0.9357, "csa_dsp": 1.0164, "mux": 0.958,
            "mux_n": 0.2353, "in_mux": 2.1503, "pad_mux": 0.5177, "lutram_mux": 1.5351,
            "rom": 1.0993, "soft_mul": 1.2972, "soft_mul_lut": 1.3362, "logic": 1.5195,
            "ram_ff": 3.272, "block": 4.2386, "rq_g_bits": 5.2613, "rq_s": 95.8996,
            "rq_s_bits": 0.6031, "rq_var": 6.904, "rq_shift": 0.1478, "rq_serial": 15.2402,
            "rq_mux": 1.9698, "mx_term": 0.6098, "mx_align": 2.5704, "mx_quant": 2.3663,
            "dwc_sel": 1.2667, "dwc_load": 1.4379, "win_ctl": 0.7674,
        },
        "ff": {
            "reg": 0.9681, "reg_dsp": 0.9627, "ram_ff": 0.3125, "block": 3.7219,
        },
        "carry": {
            "carry": 0.5511, "soft_mul": 0.1264, "rq_g_carry": 1.2435, "rq_s_carry": 0.4447,
            "mx_carry": 0.6365,
        },
    },
    "ecp5": {
        "lut": {
            "add_lut": 0.6648, "inc_lut": 3.7261, "csa": 0.4114, "csa_dsp": 0.4773, "mux": 0.6641,
            "mux_n": 0.9229, "in_mux": 2.9049, "pad_mux": 0.5807, "lutram_mux": 0.8006,
            "term_sel": 2.0997, "cmp_lut": 1.3903, "rom": 1.2783, "soft_mul": 2.8085,
            "logic": 4.1364, "block": 0.2954, "rq_s_bits": 1.3553, "rq_var": 32.2545,
            "rq_shift": 0.1278, "rq_lshift": 0.0114, "rq_mux": 1.7939, "mx_decode": 1.0231,
            "mx_term": 0.8181, "mx_align": 2.9658, "mx_quant": 2.8117, "dwc_sel": 4.2628,
            "dwc_load": 2.481,
        },
        "ff": {
            "reg": 0.9689, "reg_dsp": 0.9576, "ram_ff": 0.1857, "block": 4.0793,
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
