"""hwgen's version (one place; the manifest and ``hwgen --version`` report it)."""

__version__ = "0.1.0"
