"""IR layers: quantized, frozen, validated layers that a Graph chains."""
