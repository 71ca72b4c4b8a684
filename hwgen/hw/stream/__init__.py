"""Stream plumbing: FIFOs, forks, width converters and the sliding window."""
