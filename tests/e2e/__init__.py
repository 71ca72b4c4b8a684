"""End-to-end tier: the command line and the shipped examples."""
