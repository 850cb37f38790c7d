"""Benchmarks: page timings (``python -m benchmarks.pages``), the same pages beside
django-helpdesk (``python -m benchmarks.peer``) and load runs (``python -m benchmarks.load``).
Not part of the test suite; see README, "Performance"."""
