"""Benchmarks: page timings (``python -m benchmarks.pages``) and load runs
(``python -m benchmarks.load``). Not part of the test suite; see README, "Performance"."""
