"""MX formats in the IR: activation types, arithmetic rules, memory packing."""
