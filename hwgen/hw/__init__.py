"""Hardware: one Amaranth component per block kind, grouped by family, and the accelerator."""
