"""Benchmarks: each area measures Slipway against a baseline in the same run and writes
bench/results/<area>.md (+ PNG). Ratios, never absolute timings asserted in tests."""
