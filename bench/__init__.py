"""Benchmarks: measure the crawler's extraction against published data, outside the test suite."""
