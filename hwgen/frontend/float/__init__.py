"""Float layers, their numpy forward pass, and post-training quantization."""
