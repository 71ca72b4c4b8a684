"""Integer arithmetic blocks: the folded MVAU engine, requantizer, pools, adds."""
