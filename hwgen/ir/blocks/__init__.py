"""Block parameters: the integer-only description of each hardware block kind."""
