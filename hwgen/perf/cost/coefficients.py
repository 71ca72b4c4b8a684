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
            "add": 0.0862, "add_lut": 0.4295, "inc_lut": 1.4096, "csa": 0.8997, "csa_dsp": 1.0157,
            "mux": 0.7475, "mux_n": 0.2582, "in_mux": 1.9215, "acc_mux": 0.8542, "pad_mux": 0.4705,
            "lutram_mux": 1.5422, "term_sel": 0.8795, "cmp": 0.5731, "rom": 1.1049,
            "soft_mul": 1.2803, "soft_mul_lut": 1.2874, "logic": 0.9556, "ram_ff": 1.4339,
            "rq_g": 1.4319, "rq_g_bits": 5.2898, "rq_s": 56.2633, "rq_s_bits": 1.4272,
            "rq_shift": 0.1913, "rq_serial": 20.0821, "rq_mux": 1.2554, "mx_term": 0.5844,
            "mx_align": 2.4256, "mx_quant": 2.3679, "win_ctl": 0.4807, "term_and": 1.1862,
            "dwc_pick": 1.0755, "dwc_ctl": 1.1533,
        },
        "ff": {
            "reg": 0.9872, "reg_dsp": 0.9604, "ram_ff": 0.4107, "block": 1.9282,
        },
        "carry": {
            "carry": 0.5568, "soft_mul": 0.1228, "rq_g_carry": 1.2648, "rq_s_carry": 0.4536,
            "mx_carry": 0.6228,
        },
    },
    "ecp5": {
        "lut": {
            "add_lut": 0.3979, "inc_lut": 2.731, "csa": 0.0179, "csa_dsp": 0.5842, "mux": 0.3623,
            "mux_n": 0.8306, "in_mux": 2.5634, "acc_mux": 0.2131, "pad_mux": 0.6804,
            "lutram_mux": 0.7506, "term_sel": 2.8397, "cmp": 0.9959, "cmp_lut": 2.4545,
            "rom": 1.2698, "soft_mul": 1.3551, "logic": 4.2041, "rq_g_bits": 2.5262,
            "rq_s_bits": 1.4586, "rq_shift": 0.4216, "rq_serial": 8.8374, "rq_mux": 1.4906,
            "mx_decode": 2.0198, "mx_term": 0.8302, "mx_align": 3.2014, "mx_quant": 2.8114,
            "term_and": 2.1864, "dwc_pick": 1.0525, "dwc_ctl": 1.2211,
        },
        "ff": {
            "reg": 0.9879, "reg_dsp": 0.9562, "ram_ff": 0.2926, "block": 2.2652,
        },
        "carry": {
            "carry": 0.7178, "soft_mul": 1.4892, "rq_g_carry": 1.5066, "rq_s_carry": 0.6281,
            "mx_carry": 0.5432,
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
