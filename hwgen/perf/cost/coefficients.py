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
            "add": 0.2228, "inc_lut": 0.26, "csa": 1.4926, "csa_dsp": 0.879, "mux_n": 0.038,
            "in_mux": 1.9823, "pad_mux": 0.9096, "lutram_mux": 1.8464, "cmp": 2.7096,
            "rom": 1.1023, "soft_mul": 1.0517, "soft_mul_lut": 0.5585, "logic": 0.3489,
            "rq_g_bits": 5.0626, "rq_s": 126.7121, "rq_var": 38.1825, "rq_serial": 8.6285,
            "rq_lshift": 0.0693, "rq_mux": 1.7229, "mx_term": 0.5224, "mx_align": 2.5587,
            "mx_quant": 2.3961,
        },
        "ff": {
            "reg": 0.9316, "reg_dsp": 0.8284, "block": 34.7283,
        },
        "carry": {
            "carry": 0.6535, "soft_mul": 0.1263, "rq_g_carry": 1.0926, "rq_s_carry": 0.4086,
            "mx_carry": 0.6588,
        },
    },
    "ecp5": {
        "lut": {
            "inc_lut": 3.8592, "csa": 0.6952, "csa_dsp": 0.5886, "mux": 0.3657, "mux_n": 0.2312,
            "in_mux": 2.7863, "pad_mux": 3.0728, "lutram_mux": 1.3615, "term_sel": 2.0363,
            "cmp": 1.2304, "cmp_lut": 2.8654, "rom": 1.1903, "soft_mul": 2.1757, "logic": 3.7998,
            "ram_ff": 14.2577, "block": 3.6047, "rq_s": 27.4313, "rq_s_bits": 0.8624,
            "rq_var": 23.9327, "rq_shift": 0.3764, "rq_serial": 7.5869, "rq_lshift": 0.0916,
            "rq_mux": 1.8944, "mx_term": 0.8032, "mx_align": 2.2989, "mx_quant": 2.9298,
        },
        "ff": {
            "reg": 0.9393, "reg_dsp": 0.8263, "block": 32.9196,
        },
        "carry": {
            "carry": 0.7871, "soft_mul": 1.6452, "rq_g_carry": 1.3138, "rq_s_carry": 0.5713,
            "mx_carry": 0.6029,
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
