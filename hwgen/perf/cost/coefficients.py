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
            "add_lut": 2.4624, "csa": 0.8228, "csa_dsp": 1.0547, "mux": 0.9884, "in_mux": 2.0049,
            "acc_mux": 0.9933, "term_sel": 1.0218, "rom": 1.0899, "soft_mul": 1.3103,
            "soft_mul_lut": 1.473, "logic": 0.9609, "ram_ff": 0.0532, "rq_g": 7.3954,
            "rq_g_bits": 4.8445, "rq_s": 38.3864, "rq_s_bits": 1.825, "rq_shift": 0.263,
            "rq_serial": 17.4448, "rq_mux": 1.2736, "mx_term": 0.5819, "mx_align": 2.2531,
            "mx_quant": 2.4052, "dwc_sel": 1.2719, "dwc_load": 1.4827, "win_ctl": 1.0015,
            "term_and": 0.6277, "win_read": 0.9261, "tern_depth": 0.188,
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
            "add_lut": 0.6005, "inc_lut": 2.5796, "csa_dsp": 0.5695, "mux": 0.1049,
            "mux_n": 0.3336, "in_mux": 2.6111, "acc_mux": 0.2949, "lutram_mux": 5.9986,
            "term_sel": 2.7969, "cmp": 1.7207, "cmp_lut": 3.1142, "rom": 1.2611,
            "soft_mul": 1.6462, "logic": 3.8473, "rq_g": 18.2744, "rq_g_bits": 0.9174,
            "rq_s_bits": 1.4789, "rq_shift": 0.5146, "rq_serial": 7.5385, "rq_mux": 1.4869,
            "mx_decode": 1.925, "mx_term": 0.8258, "mx_align": 3.0646, "mx_quant": 2.8371,
            "dwc_sel": 4.1198, "dwc_load": 1.2667, "win_read": 0.9622, "tern_depth": 0.7034,
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
