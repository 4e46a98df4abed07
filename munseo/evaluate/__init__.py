"""Metrics shared by tests and benchmarks."""
