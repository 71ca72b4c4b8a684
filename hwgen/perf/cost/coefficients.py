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
    "xcup": "2026-12-06, 82 parts",
    "ecp5": "2026-12-06, 82 parts",
}
#: the same in one line (shown in manifest.json and the report)
FITTED = ("benchmarks/fit_cost_model.py: "
          "xcup: 2026-12-06, 82 parts; "
          "ecp5: 2026-12-06, 82 parts"
          )
COEFFICIENTS = {
    "xcup": {
        "lut": {
            "add_lut": 2.4623, "csa": 0.8235, "csa_dsp": 1.0544, "mux": 0.9884, "in_mux": 2.0018,
            "acc_mux": 0.9834, "term_sel": 1.0133, "rom": 1.0938, "soft_mul": 1.3093,
            "soft_mul_lut": 1.4699, "logic": 0.9593, "ram_ff": 0.0349, "rq_g": 7.7243,
            "rq_g_bits": 4.8269, "rq_s": 38.5739, "rq_s_bits": 1.8216, "rq_shift": 0.2635,
            "rq_serial": 17.3699, "rq_mux": 1.2796, "mx_term": 0.5817, "mx_align": 2.2511,
            "mx_quant": 2.4052, "dwc_sel": 1.2719, "dwc_load": 1.4827, "win_ctl": 1.0016,
            "term_and": 1.2459, "win_read": 0.9261,
        },
        "ff": {
            "reg": 0.9852, "reg_dsp": 0.9624, "ram_ff": 0.3681, "block": 2.2253,
        },
        "carry": {
            "carry": 0.5506, "soft_mul": 0.123, "rq_g_carry": 1.2723, "rq_s_carry": 0.4558,
            "mx_carry": 0.6213,
        },
    },
    "ecp5": {
        "lut": {
            "add_lut": 0.5853, "inc_lut": 2.5303, "csa_dsp": 0.5669, "mux": 0.0988,
            "mux_n": 0.3395, "in_mux": 2.635, "acc_mux": 0.2646, "lutram_mux": 6.0533,
            "term_sel": 2.8044, "cmp": 1.7463, "cmp_lut": 3.1464, "rom": 1.2558,
            "soft_mul": 1.6811, "logic": 3.927, "rq_g": 20.6376, "rq_g_bits": 0.7804,
            "rq_s_bits": 1.4825, "rq_shift": 0.5158, "rq_serial": 8.2873, "rq_mux": 1.5318,
            "mx_decode": 1.9091, "mx_term": 0.8269, "mx_align": 3.0667, "mx_quant": 2.8365,
            "dwc_sel": 4.1202, "dwc_load": 1.2703, "term_and": 2.2584, "win_read": 0.9613,
        },
        "ff": {
            "reg": 0.9859, "reg_dsp": 0.9581, "ram_ff": 0.2444, "block": 2.5818,
        },
        "carry": {
            "carry": 0.7138, "soft_mul": 1.4913, "rq_g_carry": 1.5124, "rq_s_carry": 0.6301,
            "mx_carry": 0.5419,
        },
    },
}
# -- fitted: end ------------------------------------------------------------------------------
#: Coefficients measured by hand, not fitted (the fit takes their part off the observed
#: counts first): on Xilinx one LUT6 per counter output of the XNOR MVAU's compressor-tree
#: popcount (``benchmarks/bench_xnor_resources.py``: its four points, 64 x 64 at PE x SIMD
#: 1 x 8 to 8 x 64, synthesised counter by counter); and the LUTs of the threshold unit's
#: comparators per bit (``thr_cmp``), measured on the threshold unit's module alone
#: (``benchmarks/bench_kept_modules.py``: sweep points b01, b02, b03, b06, bw2, t02 with every
#: module kept; 0.70-0.96 LUT6 a bit on xcup, 0.14-0.24 LUT4 on ECP5, whose CCU2C carry
#: cells hold the comparison): fitted with the blocks, the comparators go to zero and their
#: LUTs to other features.
FIXED = {"xcup": {"lut": {"popcount": 1.0, "thr_cmp": 0.86}},
         "ecp5": {"lut": {"thr_cmp": 0.18}}}
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
