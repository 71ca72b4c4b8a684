"""The package version (a leaf module: the manifest and the CLI read it without a cycle)."""

__version__ = "0.1.0"
