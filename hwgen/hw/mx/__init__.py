"""MX datapaths: element decoders and encoders, the MX MVAU and its requantizers."""
