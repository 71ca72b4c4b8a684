"""Backend tier: Verilog export, lint, design files and memory images."""
