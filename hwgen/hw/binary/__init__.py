"""Binary and ternary datapaths: XNOR-popcount, binary-weight, ternary, thresholds."""
